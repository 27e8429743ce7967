/**
 * What the business console reads of a conversation (docs/console.md): the inbox summary
 * the object reports to its business's hub, and the thread — the history page with, per
 * message, the data of the events it caused (normalised replies, tapbacks, renderReason,
 * Apple's status on failure), so the page shows what the business's webhooks saw.
 */
import type { InboxSummary } from '../live/summary'
import { historyPage, type HistoryQuery } from './history'
import type { MessageRecord } from './outbound'
import type { ConversationRow } from './schema'

const PREVIEW_CHARS = 140

/** What the inbox shows of one message, as plain text. */
function previewOf(type: string, direction: string, payload: string): string {
	let content: Record<string, unknown>
	try {
		content = JSON.parse(payload) as Record<string, unknown>
	} catch {
		return type
	}
	const request = direction === 'outbound' ? (content.request as Record<string, unknown> | undefined) : undefined
	const source = request ?? content
	const text = typeof source.text === 'string' ? source.text : typeof source.body === 'string' ? source.body : null
	const clip = (s: string) => (s.length > PREVIEW_CHARS ? `${s.slice(0, PREVIEW_CHARS - 1)}…` : s)
	if (text !== null && text.replace(/\uFFFC/g, '').trim() !== '') return clip(text.replace(/\uFFFC/g, '').trim())
	const attachments = Array.isArray(source.attachments) ? source.attachments.length : 0
	if (attachments > 0) return attachments === 1 ? '📎 attachment' : `📎 ${attachments} attachments`
	if (type === 'close') return 'Customer closed the conversation'
	const title = typeof source.title === 'string' ? source.title : typeof source.prompt === 'string' ? source.prompt : null
	return clip(title ? `[${type}] ${title}` : `[${type}]`)
}

/** One statement (each costs about as much as a small write in workerd; docs/performance.md). */
const SUMMARY_SQL = `SELECT c.*,
	l.direction AS last_direction, l.type AS last_type, l.payload AS last_payload, l.created_at AS last_at
 FROM conversation c
 LEFT JOIN (SELECT direction, type, payload, created_at FROM messages
	WHERE type NOT IN ('typing_start', 'typing_end', 'typing') ORDER BY seq DESC LIMIT 1) l ON 1
 WHERE c.id = 1`

type SummaryRow = ConversationRow & {
	last_direction: string | null
	last_type: string | null
	last_payload: string | null
	last_at: string | null
}

interface LastMessage {
	direction: string
	type: string
	payload: string
	created_at: string
}

export function inboxSummary(sql: SqlStorage, conversationId: string): InboxSummary | null {
	const conv = sql.exec<SummaryRow>(SUMMARY_SQL).toArray()[0]
	if (!conv) return null
	const last =
		conv.last_type !== null && conv.last_direction !== null && conv.last_payload !== null && conv.last_at !== null
			? { direction: conv.last_direction, type: conv.last_type, payload: conv.last_payload, created_at: conv.last_at }
			: null
	return summaryOf(conversationId, conv, last)
}

const TYPING = new Set(['typing_start', 'typing_end', 'typing'])

/**
 * The summary right after an inbound message was recorded: that message is the latest
 * inbound one and, unless it is a typing indicator, the last one shown, so only the
 * conversation row is read (the common inbound write; docs/performance.md).
 */
export function inboxSummaryAfterInbound(
	sql: SqlStorage,
	conversationId: string,
	message: { type: string; payload: string; at: string; row: ConversationRow },
): InboxSummary {
	const conv = message.row
	if (TYPING.has(message.type)) return inboxSummary(sql, conversationId) ?? summaryOf(conversationId, conv, null)
	return summaryOf(conversationId, conv, { direction: 'inbound', type: message.type, payload: message.payload, created_at: message.at })
}

function summaryOf(conversationId: string, conv: ConversationRow, last: LastMessage | null): InboxSummary {
	return {
		conversationId,
		customerId: conv.customer_id,
		status: conv.status,
		intent: conv.intent,
		group: conv.grp,
		deviceAgent: conv.device_agent,
		capabilities: conv.capabilities === null ? null : (JSON.parse(conv.capabilities) as string[]),
		lastSequence: conv.last_seq,
		last: last
			? {
					direction: last.direction === 'outbound' ? 'outbound' : 'inbound',
					type: last.type,
					preview: previewOf(last.type, last.direction, last.payload),
					at: last.created_at,
				}
			: null,
		inboundCount: conv.inbound_count,
		// Stored with each inbound write: reading the latest inbound message back would walk every
		// business message since (docs/performance.md "Outbound under a long line").
		customerTyping: conv.customer_typing === 1,
		updatedAt: last?.created_at ?? conv.updated_at,
	}
}

export interface ThreadEvent {
	type: string
	/** The event's `data` as delivered to the business's webhook. */
	data: Record<string, unknown>
}

export interface ThreadMessage extends MessageRecord {
	eventData: ThreadEvent[]
}

export interface ThreadPage {
	data: ThreadMessage[]
	hasMore: boolean
}

export function threadPage(sql: SqlStorage, q: HistoryQuery): ThreadPage {
	const page = historyPage(sql, q)
	const seqs = page.data.map((m) => m.sequence)
	const byData = new Map<number, ThreadEvent[]>()
	if (seqs.length > 0) {
		const rows = sql
			.exec<{ seq: number; type: string; payload: string }>(
				'SELECT seq, type, payload FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq, rowid',
				Math.min(...seqs),
				Math.max(...seqs),
			)
			.toArray()
		for (const r of rows) {
			let data: Record<string, unknown> = {}
			try {
				const parsed = JSON.parse(r.payload) as { data?: Record<string, unknown> }
				data = parsed.data ?? {}
			} catch {
				// A payload we cannot read shows as an event without data.
			}
			byData.set(r.seq, [...(byData.get(r.seq) ?? []), { type: r.type, data }])
		}
	}
	return { data: page.data.map((m) => ({ ...m, eventData: byData.get(m.sequence) ?? [] })), hasMore: page.hasMore }
}
