/** MMCS blob metadata (the bytes live in R2) and data refs (include-data-ref, docs/apple-protocol.md §4.8). */
import { blobFromRow, json, type Row } from './rows'
import type { BlobOrigin, BlobRecord, DataRefRecord } from './types'

export function reserveBlob(
	sql: SqlStorage,
	b: { id: string; url: string; owner: string; businessId: string | null; origin: BlobOrigin; expectedSize: number; meta?: Record<string, unknown> },
): BlobRecord {
	const createdAt = Date.now()
	sql.exec(
		`INSERT INTO blobs (id, url, owner, business_id, origin, expected_size, size, checksum, state, meta, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 'reserved', ?, ?)`,
		b.id,
		b.url,
		b.owner,
		b.businessId,
		b.origin,
		b.expectedSize,
		b.meta ? JSON.stringify(b.meta) : null,
		createdAt,
	)
	return { ...b, meta: b.meta ?? null, size: null, checksum: null, state: 'reserved', createdAt }
}

/** Seal an upload exactly once; false if it was already sealed (a second POST). */
export function completeBlob(sql: SqlStorage, id: string, size: number, checksum: string): boolean {
	const res = sql.exec("UPDATE blobs SET state = 'uploaded', size = ?, checksum = ? WHERE id = ? AND state = 'reserved'", size, checksum, id)
	return res.rowsWritten > 0
}

export function getBlob(sql: SqlStorage, id: string): BlobRecord | null {
	const row = sql.exec<Row>('SELECT * FROM blobs WHERE id = ?', id).toArray()[0]
	return row ? blobFromRow(row) : null
}

export function findBlob(sql: SqlStorage, url: string): BlobRecord | null {
	const row = sql.exec<Row>('SELECT * FROM blobs WHERE url = ?', url).toArray()[0]
	return row ? blobFromRow(row) : null
}

export function listBlobs(sql: SqlStorage): BlobRecord[] {
	return sql.exec<Row>('SELECT * FROM blobs ORDER BY created_at').toArray().map(blobFromRow)
}

// ── data refs (include-data-ref, docs/apple-protocol.md §4.8) ────────────────────────────────────

export function storeDataRef(sql: SqlStorage, r: Omit<DataRefRecord, 'createdAt'>): void {
	sql.exec(
		'INSERT INTO data_refs (url, business_id, bid, title, interactive, data_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
		r.url,
		r.businessId,
		r.bid,
		r.title,
		JSON.stringify(r.interactiveData),
		JSON.stringify(r.dataRef),
		Date.now(),
	)
}

export function getDataRef(sql: SqlStorage, url: string): DataRefRecord | null {
	const row = sql.exec<Row>('SELECT * FROM data_refs WHERE url = ?', url).toArray()[0]
	if (!row) return null
	return {
		url: String(row.url),
		businessId: String(row.business_id),
		bid: String(row.bid),
		title: row.title == null ? null : String(row.title),
		interactiveData: json(row.interactive),
		dataRef: json(row.data_ref),
		createdAt: Number(row.created_at),
	}
}
