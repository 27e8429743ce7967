/**
 * The businesses the simulated Apple knows by name, as Apple Business Register does: the device
 * shows a business's name, not its id (an unregistered id is shown as is, like an internal test
 * business without a brand). `webhookUrl` records where the MSP was told to deliver that
 * business's webhooks, so the inbox can say when it is already the target. `npm run dev`
 * registers its demo business here (scripts/dev.mjs).
 */
import type { BusinessRecord } from './types'

type Row = Record<string, SqlStorageValue>

const fromRow = (r: Row): BusinessRecord => ({
	id: String(r.id),
	name: String(r.name),
	webhookUrl: r.webhook_url == null ? null : String(r.webhook_url),
	updatedAt: Number(r.updated_at),
})

export function putBusiness(sql: SqlStorage, b: { id: string; name: string; webhookUrl: string | null }): BusinessRecord {
	const row = sql
		.exec<Row>(
			`INSERT INTO businesses (id, name, webhook_url, updated_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET name = excluded.name, webhook_url = excluded.webhook_url, updated_at = excluded.updated_at
			 RETURNING *`,
			b.id,
			b.name,
			b.webhookUrl,
			Date.now(),
		)
		.one()
	return fromRow(row)
}

/** Latest registered first. */
export function listBusinesses(sql: SqlStorage): BusinessRecord[] {
	return sql.exec<Row>('SELECT * FROM businesses ORDER BY updated_at DESC, rowid DESC').toArray().map(fromRow)
}
