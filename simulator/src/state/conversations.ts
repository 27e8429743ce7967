/** Conversations between a simulated customer and a business. */
import { getCustomer } from './customers'
import type { Notify } from './notice'
import { conversationFromRow, type Row } from './rows'
import type { Conversation } from './types'

/** Opening a chat from a link: stores intent/group for the first message (docs/apple-protocol.md §3.1). */
export function startConversation(
	sql: SqlStorage,
	notify: Notify,
	c: { customerId: string; businessId: string; intent?: string; group?: string },
): Conversation | null {
	if (!getCustomer(sql, c.customerId)) return null
	const now = Date.now()
	sql.exec(
		`INSERT INTO conversations (customer_id, business_id, intent, grp, first_sent, closed, blocked, created_at)
		 VALUES (?, ?, ?, ?, 0, 0, 0, ?)
		 ON CONFLICT (customer_id, business_id) DO UPDATE SET intent = excluded.intent, grp = excluded.grp, first_sent = 0`,
		c.customerId,
		c.businessId,
		c.intent ?? null,
		c.group ?? null,
		now,
	)
	notify({ kind: 'customers' })
	return getConversation(sql, c.customerId, c.businessId)
}

export function getConversation(sql: SqlStorage, customerId: string, businessId: string): Conversation | null {
	const row = sql.exec<Row>('SELECT * FROM conversations WHERE customer_id = ? AND business_id = ?', customerId, businessId).toArray()[0]
	return row ? conversationFromRow(row) : null
}

export function listConversations(sql: SqlStorage, customerId: string): Conversation[] {
	return sql.exec<Row>('SELECT * FROM conversations WHERE customer_id = ? ORDER BY created_at', customerId).toArray().map(conversationFromRow)
}

export function setConversationClosed(sql: SqlStorage, notify: Notify, customerId: string, businessId: string, closed: boolean, blocked: boolean): void {
	sql.exec(
		'UPDATE conversations SET closed = ?, blocked = ? WHERE customer_id = ? AND business_id = ?',
		closed ? 1 : 0,
		blocked ? 1 : 0,
		customerId,
		businessId,
	)
	notify({ kind: 'customers' })
}
