/** Looking inside a conversation's Durable Object from tests. */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { conversationByCustomer } from '../../src/conversation/directory'

export const conversationOf = (businessId: string, customerId: string) => conversationByCustomer(env, businessId, customerId)

type Stub = ReturnType<typeof conversationOf>

/** Nothing was recorded for this customer: no conversation row, no events. */
export async function nothingStored(businessId: string, customerId: string): Promise<boolean> {
	const stub = conversationOf(businessId, customerId)
	return (await stub.state()) === null && (await stub.pendingEvents()) === 0
}

export interface EventRow {
	event_id: string
	type: string
	state: string
	attempts: number
	due_at: number
	handed_off: number
	last_status: number | null
	[k: string]: SqlStorageValue
}

/** The conversation's events with their delivery state, in sequence order. */
export const eventRows = (stub: Stub) =>
	runInDurableObject(stub, (_i, s) =>
		s.storage.sql.exec<EventRow>('SELECT event_id, type, state, attempts, due_at, handed_off, last_status FROM events ORDER BY seq, rowid').toArray(),
	)

/** The stored alarm time, or null. */
export const storedAlarm = (stub: Stub) => runInDurableObject(stub, (_i, s) => s.storage.getAlarm())

/**
 * Time passes for the conversation: whatever waits (events, staging, sends) becomes due, and
 * the alarm runs as the runtime would run it. `ageMs` also ages the events' creation, to
 * reach the end of the retry window.
 */
export async function letTimePass(stub: Stub, ageMs = 0): Promise<boolean> {
	await runInDurableObject(stub, (_i, s) => {
		s.storage.sql.exec("UPDATE events SET due_at = 0 WHERE state = 'pending'")
		s.storage.sql.exec('UPDATE outbound SET next_attempt_at = 0')
		s.storage.sql.exec('UPDATE staging SET next_attempt_at = 0')
		if (ageMs > 0) s.storage.sql.exec("UPDATE events SET created_at = ? WHERE state = 'pending'", new Date(Date.now() - ageMs).toISOString())
	})
	return runDurableObjectAlarm(stub)
}
