/**
 * Messages in both directions, and the delivery checks Apple makes before accepting one from a
 * business. Each check-and-store runs inside one RPC call, so it is atomic.
 */
import type { Rejection } from '../lib/rejection'
import { reject } from '../lib/rejection'
import { getConversation, startConversation } from './conversations'
import { getCustomer, getCustomerByPhone } from './customers'
import type { Notify } from './notice'
import { messageFromRow, type Row } from './rows'
import { getSwitches } from './switches'
import type { Conversation, GatewayWarning, Sender, StoredMessage } from './types'

export interface NewBusinessMessage {
	id: string
	customerId: string
	businessId: string
	type: string
	endpoint: string
	body: Record<string, unknown>
	resolvedInteractive?: Record<string, unknown> | null
	headers?: Record<string, string>
	warnings?: GatewayWarning[]
}

export interface NewCustomerMessage {
	id: string
	customerId: string
	businessId: string
	type: string
	body: Record<string, unknown>
	/** A reply sent by interactiveDataRef: the interactiveData it stands for. */
	resolvedInteractive?: Record<string, unknown> | null
	/** `capability-list` and `device-agent` as sent to the MSP. */
	headers?: Record<string, string>
}

type Stored = { ok: true; seq: number } | { ok: false; rejection: Rejection }

/**
 * A notification (invitation) Apple delivers to the customer with this phone number: shown
 * in that customer's thread with the business (opened for it), Accept / Decline on the device.
 */
export function storeNotification(
	sql: SqlStorage,
	notify: Notify,
	m: { id: string; businessId: string; phoneNumber: string; body: Record<string, unknown>; headers: Record<string, string> },
): Stored {
	const customer = getCustomerByPhone(sql, m.phoneNumber)
	if (!customer) {
		if (getSwitches(sql).acceptUnknownDestinations) return { ok: true, seq: 0 }
		return { ok: false, rejection: reject(404, 'destination_unknown', `no simulated customer has the phone number ${m.phoneNumber}`) }
	}
	if (!getConversation(sql, customer.id, m.businessId)) startConversation(sql, notify, { customerId: customer.id, businessId: m.businessId })
	const seq = insertMessage(sql, {
		id: m.id,
		customerId: customer.id,
		businessId: m.businessId,
		type: 'interactive',
		endpoint: '/v1/message',
		body: m.body,
		headers: m.headers,
		sender: 'business',
		mspStatus: null,
		mspResponse: null,
	})
	notify({ kind: 'messages', customerId: customer.id })
	return { ok: true, seq }
}

/**
 * Accept a business → customer message if Apple could deliver it: the customer exists
 * and has written to this business (only users start conversations, docs/apple-protocol.md §1.6),
 * and has not blocked it (§4.6). Otherwise a 404 rejection, and nothing stored.
 */
export function storeBusinessMessage(sql: SqlStorage, notify: Notify, m: NewBusinessMessage): Stored {
	const switches = getSwitches(sql)
	const conv = getConversation(sql, m.customerId, m.businessId)
	if (!switches.acceptUnknownDestinations) {
		if (!getCustomer(sql, m.customerId)) {
			return {
				ok: false,
				rejection: reject(404, 'destination_unknown', `Destination-Id ${m.customerId} is not a known customer`),
			}
		}
		if (!conv) {
			return {
				ok: false,
				rejection: reject(
					404,
					'destination_unknown',
					`customer ${m.customerId} has no conversation with business ${m.businessId}: only customers can start one`,
				),
			}
		}
	}
	if (conv?.blocked) {
		return {
			ok: false,
			rejection: reject(404, 'destination_blocked', `customer ${m.customerId} deleted the conversation and blocked the business`),
		}
	}
	const seq = insertMessage(sql, { ...m, sender: 'business', mspStatus: null, mspResponse: null })
	notify({ kind: 'messages', customerId: m.customerId })
	return { ok: true, seq }
}

/** Record a customer → MSP message before it is posted (status filled in afterwards). */
export function storeCustomerMessage(sql: SqlStorage, notify: Notify, m: NewCustomerMessage): { seq: number; conversation: Conversation | null } {
	const seq = insertMessage(sql, { ...m, sender: 'customer', endpoint: 'msp', mspStatus: null, mspResponse: null })
	// Writing again reopens a deleted conversation (docs/apple-protocol.md §4.6); close itself is recorded
	// by setConversationClosed, and typing indicators change nothing.
	if (m.type !== 'close' && m.type !== 'typing_start' && m.type !== 'typing_end') {
		sql.exec('UPDATE conversations SET first_sent = 1, closed = 0, blocked = 0 WHERE customer_id = ? AND business_id = ?', m.customerId, m.businessId)
	}
	notify({ kind: 'messages', customerId: m.customerId })
	return { seq, conversation: getConversation(sql, m.customerId, m.businessId) }
}

export function recordMspResult(sql: SqlStorage, notify: Notify, seq: number, status: number, response: string): void {
	sql.exec('UPDATE messages SET msp_status = ?, msp_response = ? WHERE seq = ?', status, response.slice(0, 2000), seq)
	const row = sql.exec<Row>('SELECT customer_id FROM messages WHERE seq = ?', seq).toArray()[0]
	if (row) notify({ kind: 'messages', customerId: String(row.customer_id) })
}

function insertMessage(sql: SqlStorage, m: NewBusinessMessage & { sender: Sender; mspStatus: number | null; mspResponse: string | null }): number {
	return sql
		.exec<{ seq: number }>(
			`INSERT INTO messages (id, customer_id, business_id, sender, type, endpoint, body, resolved_interactive, msp_status, msp_response, at, headers, warnings)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			m.id,
			m.customerId,
			m.businessId,
			m.sender,
			m.type,
			m.endpoint,
			JSON.stringify(m.body),
			m.resolvedInteractive ? JSON.stringify(m.resolvedInteractive) : null,
			m.mspStatus,
			m.mspResponse,
			Date.now(),
			JSON.stringify(m.headers ?? {}),
			JSON.stringify(m.warnings ?? []),
		)
		.one().seq
}

export function listMessages(sql: SqlStorage, q: { customerId?: string; businessId?: string; sender?: Sender; sinceSeq?: number }): StoredMessage[] {
	const where: string[] = ['seq > ?']
	const args: SqlStorageValue[] = [q.sinceSeq ?? 0]
	if (q.customerId) where.push('customer_id = ?'), args.push(q.customerId)
	if (q.businessId) where.push('business_id = ?'), args.push(q.businessId)
	if (q.sender) where.push('sender = ?'), args.push(q.sender)
	return sql
		.exec<Row>(`SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq`, ...args)
		.toArray()
		.map(messageFromRow)
}

export function getMessage(sql: SqlStorage, customerId: string, id: string): StoredMessage | null {
	const row = sql.exec<Row>('SELECT * FROM messages WHERE customer_id = ? AND id = ? ORDER BY seq DESC LIMIT 1', customerId, id).toArray()[0]
	return row ? messageFromRow(row) : null
}
