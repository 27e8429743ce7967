/** The rejection log: every request the simulated Apple refused, and why. */
import type { Notify } from './notice'
import { json, type Row } from './rows'
import type { RejectionRecord } from './types'

export function logRejection(sql: SqlStorage, notify: Notify, r: Omit<RejectionRecord, 'seq' | 'at'>): number {
	const seq = sql
		.exec<{ seq: number }>(
			`INSERT INTO rejections (at, method, path, status, rule, message, customer_id, business_id, request)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			Date.now(),
			r.method,
			r.path,
			r.status,
			r.rule,
			r.message,
			r.customerId,
			r.businessId,
			JSON.stringify(r.request),
		)
		.one().seq
	notify({ kind: 'rejections' })
	if (r.customerId) notify({ kind: 'messages', customerId: r.customerId })
	return seq
}

export function listRejections(sql: SqlStorage, q: { sinceSeq?: number; customerId?: string } = {}): RejectionRecord[] {
	const rows = q.customerId
		? sql.exec<Row>('SELECT * FROM rejections WHERE seq > ? AND customer_id = ? ORDER BY seq', q.sinceSeq ?? 0, q.customerId)
		: sql.exec<Row>('SELECT * FROM rejections WHERE seq > ? ORDER BY seq', q.sinceSeq ?? 0)
	return rows.toArray().map((row) => ({
		seq: Number(row.seq),
		at: Number(row.at),
		method: String(row.method),
		path: String(row.path),
		status: Number(row.status),
		rule: String(row.rule),
		message: String(row.message),
		customerId: row.customer_id == null ? null : String(row.customer_id),
		businessId: row.business_id == null ? null : String(row.business_id),
		request: json(row.request),
	}))
}

export function clearRejections(sql: SqlStorage, notify: Notify): void {
	sql.exec('DELETE FROM rejections')
	notify({ kind: 'rejections' })
}
