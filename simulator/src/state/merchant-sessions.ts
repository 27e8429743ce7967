/** Apple Pay merchant sessions the simulated Apple has issued. */
import { json, type Row } from './rows'
import type { MerchantSession } from './types'

export function storeMerchantSession(sql: SqlStorage, s: Omit<MerchantSession, 'createdAt'>): void {
	sql.exec(
		'INSERT INTO merchant_sessions (id, initiative_context, body, created_at) VALUES (?, ?, ?, ?)',
		s.id,
		s.initiativeContext,
		JSON.stringify(s.body),
		Date.now(),
	)
}

export function getMerchantSession(sql: SqlStorage, id: string): MerchantSession | null {
	const row = sql.exec<Row>('SELECT * FROM merchant_sessions WHERE id = ?', id).toArray()[0]
	if (!row) return null
	return {
		id: String(row.id),
		initiativeContext: String(row.initiative_context),
		body: json(row.body),
		createdAt: Number(row.created_at),
	}
}
