/** The webhook inbox: events the MSP delivered to the simulator's webhook receiver. */
import type { Notify } from './notice'
import { json, type Row } from './rows'
import type { InboxEvent } from './types'

export function storeInboxEvent(sql: SqlStorage, notify: Notify, e: Omit<InboxEvent, 'seq' | 'at'>): number {
	const seq = sql
		.exec<{ seq: number }>(
			`INSERT INTO inbox (at, webhook_id, event_type, verified, detail, status, headers, body)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			Date.now(),
			e.webhookId,
			e.eventType,
			e.verified ? 1 : 0,
			e.detail,
			e.status,
			JSON.stringify(e.headers),
			e.body,
		)
		.one().seq
	notify({ kind: 'inbox' })
	return seq
}

export function listInbox(sql: SqlStorage, sinceSeq = 0): InboxEvent[] {
	return sql
		.exec<Row>('SELECT * FROM inbox WHERE seq > ? ORDER BY seq', sinceSeq)
		.toArray()
		.map((row) => ({
			seq: Number(row.seq),
			at: Number(row.at),
			webhookId: row.webhook_id == null ? null : String(row.webhook_id),
			eventType: row.event_type == null ? null : String(row.event_type),
			verified: Number(row.verified) === 1,
			detail: String(row.detail),
			status: Number(row.status),
			headers: json(row.headers),
			body: String(row.body),
		}))
}
