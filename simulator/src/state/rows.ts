/** SQLite rows of the simulator's tables, and their conversion to the records in types.ts. */
import type { BlobOrigin, BlobRecord, Conversation, Customer, DeviceKind, GatewayWarning, Sender, StoredMessage } from './types'

export type Row = Record<string, SqlStorageValue>

export const json = <T>(v: SqlStorageValue | undefined): T => JSON.parse(String(v)) as T
export const jsonOrNull = <T>(v: SqlStorageValue | undefined): T | null => (v == null ? null : (JSON.parse(String(v)) as T))

export function customerFromRow(row: Row): Customer {
	return {
		id: String(row.id),
		name: String(row.name),
		device: String(row.device) as DeviceKind,
		locale: String(row.locale),
		phoneNumber: row.phone == null ? null : String(row.phone),
		createdAt: Number(row.created_at),
	}
}

export function conversationFromRow(row: Row): Conversation {
	return {
		customerId: String(row.customer_id),
		businessId: String(row.business_id),
		intent: row.intent == null ? null : String(row.intent),
		group: row.grp == null ? null : String(row.grp),
		firstSent: Number(row.first_sent) === 1,
		closed: Number(row.closed) === 1,
		blocked: Number(row.blocked) === 1,
		createdAt: Number(row.created_at),
	}
}

export function messageFromRow(row: Row): StoredMessage {
	return {
		seq: Number(row.seq),
		id: String(row.id),
		customerId: String(row.customer_id),
		businessId: String(row.business_id),
		sender: String(row.sender) as Sender,
		type: String(row.type),
		endpoint: String(row.endpoint),
		body: json(row.body),
		resolvedInteractive: jsonOrNull(row.resolved_interactive),
		headers: jsonOrNull<Record<string, string>>(row.headers) ?? {},
		warnings: jsonOrNull<GatewayWarning[]>(row.warnings) ?? [],
		mspStatus: row.msp_status == null ? null : Number(row.msp_status),
		mspResponse: row.msp_response == null ? null : String(row.msp_response),
		at: Number(row.at),
	}
}

export function blobFromRow(row: Row): BlobRecord {
	return {
		id: String(row.id),
		url: String(row.url),
		owner: String(row.owner),
		businessId: row.business_id == null ? null : String(row.business_id),
		origin: String(row.origin) as BlobOrigin,
		expectedSize: Number(row.expected_size),
		size: row.size == null ? null : Number(row.size),
		checksum: row.checksum == null ? null : String(row.checksum),
		state: String(row.state) as 'reserved' | 'uploaded',
		meta: jsonOrNull(row.meta),
		createdAt: Number(row.created_at),
	}
}
