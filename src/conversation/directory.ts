/** Addressing conversations: one Durable Object per business + customer. */
import type { Env } from '../context'

export const conversationName = (businessId: string, customerId: string) => `${businessId}\n${customerId}`

export const conversationByCustomer = (env: Env, businessId: string, customerId: string) => env.CONVERSATION.getByName(conversationName(businessId, customerId))

/** The public conversation id is the object's id; null when it is not one of ours. */
export function conversationById(env: Env, conversationId: string) {
	if (!/^[0-9a-f]{64}$/.test(conversationId)) return null
	try {
		return env.CONVERSATION.get(env.CONVERSATION.idFromString(conversationId))
	} catch {
		return null
	}
}
