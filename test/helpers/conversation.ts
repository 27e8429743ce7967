/** Looking inside a conversation's Durable Object from tests. */
import { env } from 'cloudflare:workers'
import { conversationByCustomer } from '../../src/conversation/directory'

export const conversationOf = (businessId: string, customerId: string) =>
	conversationByCustomer(env, businessId, customerId)

/** Nothing was recorded for this customer: no conversation row, no events. */
export async function nothingStored(businessId: string, customerId: string): Promise<boolean> {
	const stub = conversationOf(businessId, customerId)
	return (await stub.state()) === null && (await stub.pendingEvents()) === 0
}
