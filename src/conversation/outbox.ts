/**
 * The outbox: every business event is written in the same transaction as the change that
 * caused it, and stays `pending` until it is delivered, dead-lettered or dropped
 * (docs/ARCHITECTURE.md "Delivery"). Handing events to the queue is only a doorbell for
 * the consumer. Inbound events are written already marked handed off (the route rings once
 * the object answered), so an evicted object never rings for them again; events the object
 * rings for are marked once the queue took the doorbell; an event behind a doorbell still
 * coming rides on it (`doorbellToRide`). `due_at` says when the conversation delivers an event
 * itself if no one came for it (a local queue loses what it holds on a restart).
 */
import { INLINE_EVENT_LIMIT, type DeliverWebhook, type WebhookEvent } from '../delivery/queue-messages'

/** How long a handed-off event may wait for the consumer before the conversation delivers it itself. */
export const HANDOFF_GRACE_MS = 60_000

/**
 * How long a rung doorbell counts as still coming: a message whose events join a line that
 * a doorbell rang for this recently, and that no one has tried yet, rides on that doorbell
 * instead of ringing again (`doorbellToRide`). The queue hands a batch over within a second
 * (wrangler.toml `max_batch_timeout`); past this the line rings anew, so a lost doorbell
 * strands a message for at most this window, until the watchdog.
 */
export const DOORBELL_RIDE_MS = 5_000

/** `handed_off` values: not yet (the object rings), rung for this event, riding on an earlier event's doorbell. */
export const HANDOFF = { none: 0, rung: 1, riding: 2 } as const

const newEventId = () => `msg_${crypto.randomUUID().replace(/-/g, '')}`

/**
 * `handedOff`: the caller rings the doorbell for this event itself once the transaction is
 * durable (the inbound route does, after the object answered), so the mark is written with
 * the row and no later handoff of this object rings for it again, evicted or not.
 */
export function insertEvent(
	sql: SqlStorage,
	seq: number,
	e: WebhookEvent,
	nowIso: string,
	opts: { blocked?: boolean; handedOff?: boolean; nowMs?: number; ridesUntil?: number | null } = {},
): StoredEvent {
	const eventId = newEventId()
	const riding = opts.handedOff === true && opts.ridesUntil != null
	const payload = JSON.stringify(e)
	sql.exec(
		`INSERT INTO events (event_id, seq, type, payload, created_at, blocked, state, attempts, due_at, handed_off)
		 VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
		eventId,
		seq,
		e.type,
		payload,
		nowIso,
		opts.blocked ? 1 : 0,
		// A rider shares the watchdog of the doorbell it rides on: the line goes together.
		riding ? opts.ridesUntil : (opts.nowMs ?? Date.now()) + HANDOFF_GRACE_MS,
		riding ? HANDOFF.riding : opts.handedOff ? HANDOFF.rung : HANDOFF.none,
	)
	return { eventId, type: e.type, seq, payload, event: e }
}

/** An event as stored: its JSON text, and the object when the caller still has it. */
export interface StoredEvent {
	eventId: string
	type: string
	seq: number
	payload: string
	event?: WebhookEvent
}

/**
 * The queue body that rings for one event (its doorbell). The consumer only rings the
 * conversation, which delivers from storage; it reads an event itself only to feed the
 * business's conversation index from `conversation.started`, so only that one travels inline
 * (docs/ARCHITECTURE.md "Delivery"). Every other body stays a few hundred bytes whatever the
 * message, which the route, the queue and the consumer each pay per message.
 */
export function queueBody(e: StoredEvent, conversationId: string | null, businessId: string, route: DeliverWebhook['route']): DeliverWebhook {
	const inline = e.type === 'conversation.started' && e.payload.length <= INLINE_EVENT_LIMIT
	return {
		kind: 'webhook.deliver',
		eventId: e.eventId,
		eventType: e.type,
		businessId,
		conversationId,
		route,
		sequence: e.seq,
		event: inline ? (e.event ?? (JSON.parse(e.payload) as WebhookEvent)) : null,
	}
}

export interface PendingEvent {
	event_id: string
	seq: number
	type: string
	payload: string
	blocked: number
	attempts: number
	due_at: number
	handed_off: number
	created_at: string
	[k: string]: SqlStorageValue
}

/**
 * Pending events in delivery order, up to the first one held for staging: nothing passes a
 * message whose attachments are still being fetched.
 */
export function deliverableEvents(sql: SqlStorage, limit: number): PendingEvent[] {
	const rows = sql
		.exec<PendingEvent>(
			`SELECT event_id, seq, type, payload, blocked, attempts, due_at, handed_off, created_at
			 FROM events WHERE state = 'pending' ORDER BY seq, rowid LIMIT ?`,
			limit,
		)
		.toArray()
	const held = rows.findIndex((r) => r.blocked === 1)
	return held === -1 ? rows : rows.slice(0, held)
}

/**
 * The doorbell a new message's events can ride on, as its watchdog time, or null when they
 * must ring. The newest pending event tells (one step down the `events_open` index): if its
 * doorbell rang, or it rides on one, less than DOORBELL_RIDE_MS ago and it was never tried,
 * the consumer is still to come (or is delivering right now) and delivers the whole line in
 * order, the new events included; a single ring per conversation per window spares the
 * route its queue send when the consumer falls behind (docs/ARCHITECTURE.md "Delivery").
 */
export function doorbellToRide(sql: SqlStorage, now: number): number | null {
	const head = sql
		.exec<{ handed_off: number; attempts: number; due_at: number; blocked: number }>(
			`SELECT handed_off, attempts, due_at, blocked FROM events WHERE state = 'pending' ORDER BY seq DESC, rowid DESC LIMIT 1`,
		)
		.toArray()[0]
	if (!head || head.handed_off === HANDOFF.none || head.attempts > 0 || head.blocked === 1) return null
	// due_at is the ring's time plus the grace (a rider carries its doorbell's).
	return head.due_at - HANDOFF_GRACE_MS > now - DOORBELL_RIDE_MS ? head.due_at : null
}

/** Queue bodies for events not yet handed off (the consumer's doorbell); `conversationId` null for business-level events (the invitations object). */
export function handoffBodies(sql: SqlStorage, conversationId: string | null, businessId: string, route: DeliverWebhook['route']): DeliverWebhook[] {
	// Only what is not rung yet, holds included (a held event is never rung: it rings once
	// released), by the `events_unrung` index: a long line of rung or riding events (a consumer
	// behind, an endpoint down) is not walked on every handoff (docs/performance.md "Outbound
	// under a long line"). Only conversation.started's payload travels. The literal 0 lets
	// SQLite match the partial index.
	const rows = sql
		.exec<{ event_id: string; seq: number; type: string; payload: string | null; blocked: number; attempts: number }>(
			`SELECT event_id, seq, type, CASE WHEN type = 'conversation.started' THEN payload END AS payload, blocked, attempts
			 FROM events WHERE state = 'pending' AND handed_off = 0 ORDER BY seq, rowid LIMIT 100`,
		)
		.toArray()
	const held = rows.findIndex((r) => r.blocked === 1)
	return (held === -1 ? rows : rows.slice(0, held))
		.filter((p) => p.attempts === 0)
		.map((p) => queueBody({ eventId: p.event_id, type: p.type, seq: p.seq, payload: p.payload ?? '' }, conversationId, businessId, route))
}

/**
 * Marks the events whose doorbell the object just rang, so that later events can ride on it
 * (`doorbellToRide`). Written in the same turn as the run's alarm sync, so it shares that commit.
 */
export function markRung(sql: SqlStorage, eventIds: string[]): void {
	for (const id of eventIds) sql.exec('UPDATE events SET handed_off = ? WHERE event_id = ? AND handed_off = ?', HANDOFF.rung, id, HANDOFF.none)
}

export function pendingEventCount(sql: SqlStorage): number {
	return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE state = 'pending'").one().n
}

export function eventPayload(sql: SqlStorage, eventId: string): WebhookEvent | null {
	const row = sql.exec<{ payload: string }>('SELECT payload FROM events WHERE event_id = ?', eventId).toArray()[0]
	return row ? (JSON.parse(row.payload) as WebhookEvent) : null
}

export interface EventDelivery {
	id: string
	type: string
	state: 'pending' | 'delivered' | 'dead' | 'dropped'
	attempts: number
	lastStatus: number | null
	lastError: string | null
	/** When the next attempt is due, for an event waiting on a retry. */
	nextAttemptAt: string | null
	settledAt: string | null
}

/** Delivery state of the events of these messages, for the history. */
export function deliveriesBySeq(sql: SqlStorage, seqs: number[]): Map<number, EventDelivery[]> {
	const out = new Map<number, EventDelivery[]>()
	if (seqs.length === 0) return out
	const lo = Math.min(...seqs)
	const hi = Math.max(...seqs)
	const rows = sql
		.exec<{
			event_id: string
			seq: number
			type: string
			state: EventDelivery['state']
			attempts: number
			last_status: number | null
			last_error: string | null
			due_at: number
			settled_at: string | null
		}>(
			'SELECT event_id, seq, type, state, attempts, last_status, last_error, due_at, settled_at FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq, rowid',
			lo,
			hi,
		)
		.toArray()
	for (const r of rows) {
		const list = out.get(r.seq) ?? []
		list.push({
			id: r.event_id,
			type: r.type,
			state: r.state,
			attempts: r.attempts,
			lastStatus: r.last_status,
			lastError: r.last_error,
			nextAttemptAt: r.state === 'pending' && r.attempts > 0 ? new Date(r.due_at).toISOString() : null,
			settledAt: r.settled_at,
		})
		out.set(r.seq, list)
	}
	return out
}
