/**
 * Recording one inbound Apple message (docs/ARCHITECTURE.md "Life of an inbound message"):
 * dedupe on Apple's id (and on session + request for repeated interactive replies), the next
 * gapless sequence, conversation state (intent and group from the start, capabilities and
 * locale from the latest message, open/closed), the message row and its events, and the
 * staging job when attachments or a by-reference reply must be fetched first. Runs inside
 * one transaction of the caller.
 */
import type { InboundInteractive, InboundMessage, InboundText } from '../apple/inbound'
import type { DeliverWebhook, WebhookEvent } from '../delivery/queue-messages'
import { log } from '../lib/log'
import { makeEvent } from './events'
import { eventsFor, interactiveDedupeKey, type StoredRequest } from './inbound-events'
import type { StagingJob } from './inbound-staging'
import { doorbellToRide, HANDOFF_GRACE_MS, insertEvent, queueBody } from './outbox'
import { WATCHDOG_MS } from './schedule'
import { readRow, toState, type ConversationRow } from './schema'

export interface InboundRecord {
	businessId: string
	customerId: string
	messageId: string
	receivedAt: string
	/** Latest `capability-list`, or null when the request carried none. */
	capabilities: string[] | null
	deviceAgent: string | null
	message: InboundMessage
	/** Public origin of the Worker, for signed attachment links. */
	origin: string
	/** The business's attachmentRetentionDays. */
	retentionDays: number
	/** A reply to one of our hosted requests: its outcome event (src/hosted) replaces the raw one. */
	hostedReply?: boolean
	/** The `destination-id` Apple used: our business id, or an account id linked to it. */
	appleBusinessId?: string
	/** The invitation this message answers (docs/invitations.md "Acceptance"); set on its interactive.received. */
	invitationId?: string
}

export interface ReceiveResult {
	conversationId: string
	status: 'recorded' | 'duplicate'
	sequence: number | null
	/**
	 * The queue body the caller sends once this answer is back (the events are durable and
	 * already marked handed off); null when the object rings itself (after staging) or
	 * nothing was emitted. One body per message: the consumer rings the conversation, which
	 * delivers every pending event in order (docs/ARCHITECTURE.md "Delivery"). JSON text:
	 * RPC types cannot carry the event's open `data` record.
	 */
	doorbell: string | null
	/** The conversation's console inbox row after this message (JSON text), for the caller to report (live/hub-feed.ts). */
	summary: string | null
}

export interface RecordOutcome extends ReceiveResult {
	staging: boolean
	/** The alarm stored before this write, and the earliest due time of what it added (schedule.ts `armFor`). */
	storedAlarm: number | null
	addedDue: number
	/** The recorded message and the conversation row after it, for the inbox summary (console-view.ts `inboxSummaryAfterInbound`). */
	recorded: { type: string; payload: string; at: string; row: ConversationRow } | null
}

const KNOWN_TYPES = new Set(['text', 'interactive', 'typing_start', 'typing_end', 'close'])

export function recordInbound(sql: SqlStorage, conversationId: string, rec: InboundRecord, storedRequest: (id: string) => StoredRequest | null): RecordOutcome {
	// The dedupe lookup and the conversation row in one statement: each statement costs about
	// as much as a small write here (docs/performance.md "The inbound path against the floor").
	const head = sql
		.exec<ConversationRow & { dup_seq: number | null; alias_seq: number | null }>(
			`SELECT (SELECT seq FROM messages WHERE id = ?) AS dup_seq, (SELECT seq FROM message_aliases WHERE id = ?) AS alias_seq, c.*
			 FROM (SELECT 1) LEFT JOIN conversation c ON c.id = 1`,
			rec.messageId,
			rec.messageId,
		)
		.one()
	const dupSeq = head.dup_seq ?? head.alias_seq
	if (dupSeq !== null) return duplicate(conversationId, dupSeq)

	const m = rec.message
	const dedupeKey = interactiveDedupeKey(m)
	if (dedupeKey) {
		const original = sql.exec<{ seq: number }>('SELECT seq FROM messages WHERE dedupe_key = ?', dedupeKey).toArray()[0]
		if (original) {
			// Apple's repeated interactive reply (new id, same session + request): remember the
			// id so its own redelivery is recognised, emit nothing.
			sql.exec('INSERT INTO message_aliases (id, seq) VALUES (?, ?)', rec.messageId, original.seq)
			return duplicate(conversationId, original.seq)
		}
	}

	const now = rec.receivedAt
	let row: ConversationRow | null = head.business_id === null ? null : head
	const isReopen = row !== null && row.status === 'closed' && m.type !== 'close'
	const isNew = row === null
	const intent = 'intent' in m && typeof m.intent === 'string' ? m.intent : null
	const group = 'group' in m && typeof m.group === 'string' ? m.group : null
	const locale = 'locale' in m && typeof m.locale === 'string' ? m.locale : null

	if (isNew) {
		sql.exec(
			`INSERT INTO conversation (id, business_id, customer_id, status, capabilities, device_agent,
				locale, intent, grp, last_seq, started_at, updated_at)
			 VALUES (1, ?, ?, 'open', ?, ?, ?, ?, ?, 0, ?, ?)`,
			rec.businessId,
			rec.customerId,
			rec.capabilities === null ? null : JSON.stringify(rec.capabilities),
			rec.deviceAgent,
			locale,
			intent,
			group,
			now,
			now,
		)
		row = readRow(sql)
	} else if (isReopen) {
		// intent/group (and so the route) belong to the conversation's start (docs/apple-protocol.md "Conversations").
		sql.exec(`UPDATE conversation SET status = 'open', closed_at = NULL, intent = ?, grp = ?, started_at = ? WHERE id = 1`, intent, group, now)
		row = readRow(sql)
	}
	const conv = row!

	const seq = conv.last_seq + 1
	const capabilities = rec.capabilities === null ? conv.capabilities : JSON.stringify(rec.capabilities)
	const closing = m.type === 'close'
	// RETURNING: the row as it now is, for the events and the inbox summary, without a read after.
	const updated = sql
		.exec<ConversationRow>(
			`UPDATE conversation SET last_seq = ?, capabilities = ?, device_agent = COALESCE(?, device_agent),
			locale = COALESCE(?, locale), updated_at = ?, apple_business_id = COALESCE(?, apple_business_id),
			inbound_count = inbound_count + ?, customer_typing = ?,
			status = CASE WHEN ? THEN 'closed' ELSE status END,
			closed_at = CASE WHEN ? THEN ? ELSE closed_at END
		 WHERE id = 1 RETURNING *`,
			seq,
			capabilities,
			rec.deviceAgent,
			locale,
			now,
			rec.appleBusinessId ?? null,
			m.type === 'typing_start' || m.type === 'typing_end' ? 0 : 1,
			m.type === 'typing_start' ? 1 : 0,
			closing ? 1 : 0,
			closing ? 1 : 0,
			now,
		)
		.one()
	const payload = JSON.stringify(m)
	sql.exec(
		`INSERT INTO messages (seq, id, direction, type, payload, status, dedupe_key, created_at, updated_at)
		 VALUES (?, ?, 'inbound', ?, ?, 'received', ?, ?, ?)`,
		seq,
		rec.messageId,
		m.type,
		payload,
		dedupeKey,
		now,
		now,
	)
	if (!KNOWN_TYPES.has(m.type)) log.warn('unknown Apple message type recorded without an event', { conversationId, type: m.type.slice(0, 64) })

	const base = { businessId: rec.businessId, conversationId, customerId: rec.customerId, sequence: seq }
	const at = new Date(now)
	const events: WebhookEvent[] = []
	if (isNew || isReopen) {
		const state = toState(conversationId, updated)
		events.push(
			makeEvent(
				'conversation.started',
				base,
				{
					intent: state.intent,
					group: state.group,
					locale: state.locale,
					capabilities: state.capabilities ?? [],
					device: state.deviceAgent,
					reopened: isReopen,
				},
				at,
			),
		)
	}
	for (const e of eventsFor(m, rec.messageId, storedRequest)) {
		if (rec.hostedReply && e.type === 'interactive.received') continue
		const data = rec.invitationId && e.type === 'interactive.received' ? { ...e.data, invitationId: rec.invitationId } : e.data
		events.push(makeEvent(e.type, base, data, at))
	}
	const staging = stagingFor(conversationId, rec, m)
	const nowMs = Date.now()
	// Without staging the caller rings for these events; otherwise the object rings once they are released.
	const handedOff = staging === null
	// A doorbell still on its way delivers these too (outbox.ts `doorbellToRide`); a new
	// conversation always rings, its doorbell feeds the business's index.
	const ridesUntil = handedOff && !isNew && !isReopen && events.length > 0 ? doorbellToRide(sql, nowMs) : null
	let doorbell: DeliverWebhook | null = null
	for (const e of events) {
		// The event that waits for attachments / a by-reference reply is held, and with it every later one.
		const held = staging !== null && (e.type === 'message.received' || e.type === 'interactive.received')
		const stored = insertEvent(sql, seq, e, now, { blocked: held, handedOff, nowMs, ridesUntil })
		if (held) {
			sql.exec(
				'INSERT INTO staging (seq, event_id, job, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?)',
				seq,
				stored.eventId,
				JSON.stringify(staging),
				nowMs,
			)
		}
		// One doorbell per message; conversation.started's carries the index feed (delivery/webhook-consumer.ts).
		if (handedOff && ridesUntil === null && (doorbell === null || e.type === 'conversation.started')) {
			doorbell = queueBody(stored, conversationId, rec.businessId, { intent: conv.intent, group: conv.grp })
		}
	}
	return {
		conversationId,
		status: 'recorded',
		sequence: seq,
		staging: staging !== null,
		doorbell: doorbell && JSON.stringify(doorbell),
		summary: null,
		storedAlarm: conv.alarm_at,
		// A staging job is looked at WATCHDOG_MS after its write, an event HANDOFF_GRACE_MS after
		// (a rider when its doorbell's watchdog is due).
		addedDue: staging ? nowMs + WATCHDOG_MS : (ridesUntil ?? nowMs + HANDOFF_GRACE_MS),
		recorded: { type: m.type, payload, at: now, row: updated },
	}
}

const duplicate = (conversationId: string, seq: number): RecordOutcome => ({
	conversationId,
	status: 'duplicate',
	sequence: seq,
	staging: false,
	doorbell: null,
	summary: null,
	storedAlarm: null,
	addedDue: 0,
	recorded: null,
})

/** The staging an inbound message needs before its event can leave, or null. */
function stagingFor(conversationId: string, rec: InboundRecord, m: InboundMessage): StagingJob | null {
	const common = {
		businessId: rec.businessId,
		appleBusinessId: rec.appleBusinessId ?? rec.businessId,
		conversationId,
		messageId: rec.messageId,
		origin: rec.origin,
		retentionDays: rec.retentionDays,
	}
	if (m.type === 'text') {
		const attachments = (m as InboundText).attachments ?? []
		return attachments.length > 0 ? { ...common, kind: 'attachments', attachments } : null
	}
	if (m.type === 'interactive') {
		const ref = (m as InboundInteractive).interactiveDataRef
		return ref ? { ...common, kind: 'dataref', dataRef: ref } : null
	}
	return null
}

/** The interactive request we sent with this requestIdentifier, for matching a reply. */
export function storedRequest(sql: SqlStorage, requestId: string): StoredRequest | null {
	const row = sql
		.exec<{ message_id: string; template_id: string | null; request: string }>(
			'SELECT message_id, template_id, request FROM requests WHERE request_id = ?',
			requestId,
		)
		.toArray()[0]
	return row ? { messageId: row.message_id, templateId: row.template_id, request: JSON.parse(row.request) as unknown } : null
}
