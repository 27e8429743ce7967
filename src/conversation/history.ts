/**
 * The conversation's history for the business API and the console: messages in sequence
 * order, both directions, with their status and the delivery state of the events each one
 * caused (docs/ARCHITECTURE.md "Delivery"). Cursor = sequence.
 */
import { deliveriesBySeq } from './outbox'
import type { MessagePage, MessageRecord } from './outbound'

export interface HistoryQuery {
	limit: number
	after: number | null
	before: number | null
	order: 'asc' | 'desc'
}

export function historyPage(sql: SqlStorage, q: HistoryQuery): MessagePage {
	const rows = sql
		.exec<{ seq: number; id: string; direction: string; type: string; payload: string; status: string; created_at: string; updated_at: string }>(
			`SELECT seq, id, direction, type, payload, status, created_at, updated_at FROM messages
			 WHERE (? IS NULL OR seq > ?) AND (? IS NULL OR seq < ?)
			 ORDER BY seq ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
			q.after,
			q.after,
			q.before,
			q.before,
			q.limit + 1,
		)
		.toArray()
	const page = rows.slice(0, q.limit)
	const deliveries = deliveriesBySeq(
		sql,
		page.map((r) => r.seq),
	)
	const outbound = new Map(
		sql
			.exec<{ seq: number; attempts: number; next_attempt_at: number; last_error: string | null }>(
				'SELECT seq, attempts, next_attempt_at, last_error FROM outbound',
			)
			.toArray()
			.map((o) => [o.seq, o]),
	)
	const data = page.map((r): MessageRecord => {
		const pendingSend = outbound.get(r.seq)
		return {
			id: r.id,
			sequence: r.seq,
			direction: r.direction as MessageRecord['direction'],
			type: r.type,
			status: r.status,
			content: JSON.parse(r.payload) as unknown,
			createdAt: r.created_at,
			updatedAt: r.updated_at,
			...(pendingSend && pendingSend.attempts > 0
				? { send: { attempts: pendingSend.attempts, nextAttemptAt: new Date(pendingSend.next_attempt_at).toISOString(), lastError: pendingSend.last_error } }
				: {}),
			events: deliveries.get(r.seq) ?? [],
		}
	})
	return { data, hasMore: rows.length > q.limit }
}
