/**
 * The courier: delivers a conversation's events to its business, one at a time in sequence
 * order (docs/ARCHITECTURE.md "Delivery"). Each outcome is written before the next attempt,
 * so a delivered event is never sent again by this conversation, and a failed one waits for
 * its retry time in storage (the alarm wakes the object for it). An event that runs out of
 * schedule, or whose endpoint answered 410, becomes a dead letter the business can replay,
 * and the next event goes on.
 */
import type { Env } from '../context'
import { businessStub, invalidateBusiness } from '../business/directory'
import { attemptDelivery, type AttemptOutcome } from '../delivery/attempt'
import { nextDeliveryAt } from '../delivery/backoff'
import type { DeliverWebhook, WebhookEvent } from '../delivery/queue-messages'
import { errorText, log } from '../lib/log'
import { deliverableEvents, type PendingEvent } from './outbox'

/**
 * `eager`: the consumer rang (or a replay asked): an event never attempted goes now.
 * `due`: the alarm or cron: only what storage says is due.
 */
export type CourierMode = 'eager' | 'due'

/** Whose events these are: the business, the route rule inputs, and the conversation (null for business-level events). */
export interface EventOwner {
	businessId: string
	route: { intent: string | null; group: string | null }
	conversationId: string | null
}

export interface CourierDeps {
	env: Env
	/** The object's storage; its `events` table has the outbox schema (conversation/schema.ts). */
	sql: SqlStorage
	owner: () => EventOwner | null
	/** Runs before every attempt (the conversation notes `conversation.started` in its index there). */
	beforeAttempt?: (event: BeforeAttempt, mode: CourierMode) => Promise<void>
}

export interface BeforeAttempt {
	eventId: string
	type: string
	payload: WebhookEvent
}

/** What the delivery of the head of the line did; `continue` means the next event may go. */
export type CourierStep = 'continue' | 'wait' | 'idle'

export async function deliverHead(deps: CourierDeps, mode: CourierMode, now = Date.now()): Promise<CourierStep> {
	const { sql } = deps
	const head = deliverableEvents(sql, 1)[0]
	if (!head) return 'idle'
	const due = head.due_at <= now || (mode === 'eager' && head.attempts === 0)
	if (!due) return 'wait'
	const owner = deps.owner()
	if (!owner) return 'idle'
	const event = JSON.parse(head.payload) as WebhookEvent
	const { route } = owner
	const logIds = { businessId: owner.businessId, conversationId: owner.conversationId ?? undefined, eventId: head.event_id }
	await deps.beforeAttempt?.({ eventId: head.event_id, type: head.type, payload: event }, mode)
	let outcome: AttemptOutcome
	try {
		outcome = await attemptDelivery(deps.env, { businessId: owner.businessId, route, eventId: head.event_id, event })
	} catch (err) {
		outcome = { kind: 'retry', status: null, error: errorText(err), retryAfter: null, url: '' }
	}
	const attempts = head.attempts + 1
	const at = Date.now()
	if (outcome.kind === 'retry') {
		const next = nextDeliveryAt(attempts, Date.parse(head.created_at), at, outcome.retryAfter)
		if (next !== null) {
			settle(sql, head, { state: 'pending', attempts, status: outcome.status, error: outcome.error, dueAt: next })
			return 'wait'
		}
		outcome = { kind: 'dead', status: outcome.status, error: outcome.error, url: outcome.url }
	}
	if (outcome.kind === 'dead') {
		const body: DeliverWebhook = {
			kind: 'webhook.deliver',
			eventId: head.event_id,
			eventType: head.type,
			businessId: owner.businessId,
			conversationId: owner.conversationId,
			route,
			sequence: head.seq,
			event: null,
		}
		try {
			const business = businessStub(deps.env, owner.businessId)
			if (outcome.disable) {
				await business.disableEndpoint(outcome.url)
				// This isolate's cached copy must not offer the endpoint to the next event.
				invalidateBusiness(owner.businessId)
			}
			await business.addDeadLetter({
				id: head.event_id,
				eventType: head.type,
				conversationId: owner.conversationId,
				webhookUrl: outcome.url,
				attempts,
				lastStatus: outcome.status,
				lastError: outcome.error.slice(0, 500),
				queueBody: body,
			})
		} catch (err) {
			// The dead letter must be recorded before the event is let go; try again in a minute.
			log.error('dead letter not recorded; retrying', { ...logIds, error: errorText(err) })
			settle(sql, head, { state: 'pending', attempts: head.attempts, status: outcome.status, error: outcome.error, dueAt: at + 60_000 })
			return 'wait'
		}
		settle(sql, head, { state: 'dead', attempts, status: outcome.status, error: outcome.error, dueAt: 0 })
		return 'continue'
	}
	if (outcome.kind === 'drop') {
		log.warn('event dropped', { ...logIds, reason: outcome.reason })
		settle(sql, head, { state: 'dropped', attempts: head.attempts, status: null, error: outcome.reason, dueAt: 0 })
		return 'continue'
	}
	settle(sql, head, { state: 'delivered', attempts, status: outcome.status, error: null, dueAt: 0 })
	return 'continue'
}

function settle(
	sql: SqlStorage,
	head: PendingEvent,
	s: { state: 'pending' | 'delivered' | 'dead' | 'dropped'; attempts: number; status: number | null; error: string | null; dueAt: number },
): void {
	sql.exec(
		`UPDATE events SET state = ?, attempts = ?, last_status = ?, last_error = ?, due_at = ?, settled_at = ? WHERE event_id = ?`,
		s.state,
		s.attempts,
		s.status,
		s.error === null ? null : s.error.slice(0, 1000),
		s.dueAt,
		s.state === 'pending' ? null : new Date().toISOString(),
		head.event_id,
	)
}

/** A dead (or dropped) event asked for again: pending, attempted at once, a fresh schedule. */
export function reopenEvent(sql: SqlStorage, eventId: string, now = Date.now()): boolean {
	const row = sql.exec<{ state: string }>('SELECT state FROM events WHERE event_id = ?', eventId).toArray()[0]
	if (!row) return false
	if (row.state === 'pending') return true
	sql.exec(
		`UPDATE events SET state = 'pending', attempts = 0, due_at = ?, handed_off = 1, created_at = ?, settled_at = NULL WHERE event_id = ?`,
		now,
		new Date(now).toISOString(),
		eventId,
	)
	return true
}
