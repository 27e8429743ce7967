/** Simulated customers, and the phone directory invitations are delivered through. */
import { customerFromRow, type Row } from './rows'
import type { Notify } from './notice'
import type { Customer, DeviceKind } from './types'

export function createCustomer(
	sql: SqlStorage,
	notify: Notify,
	c: { id: string; name: string; device: DeviceKind; locale: string; phoneNumber?: string | null },
): Customer {
	const createdAt = Date.now()
	const phoneNumber = c.phoneNumber ?? null
	sql.exec(
		'INSERT INTO customers (id, name, device, locale, created_at, phone) VALUES (?, ?, ?, ?, ?, ?)',
		c.id,
		c.name,
		c.device,
		c.locale,
		createdAt,
		phoneNumber,
	)
	notify({ kind: 'customers' })
	return { ...c, phoneNumber, createdAt }
}

/** The phone directory: the customer an invitation to this number reaches (gateway/notification-rules.ts). */
export function getCustomerByPhone(sql: SqlStorage, phoneNumber: string): Customer | null {
	const row = sql.exec<Row>('SELECT * FROM customers WHERE phone = ?', phoneNumber).toArray()[0]
	return row ? customerFromRow(row) : null
}

export function updateCustomer(sql: SqlStorage, notify: Notify, id: string, patch: { device?: DeviceKind; locale?: string; name?: string }): Customer | null {
	const cur = getCustomer(sql, id)
	if (!cur) return null
	const next = { ...cur, ...patch }
	sql.exec('UPDATE customers SET device = ?, locale = ?, name = ? WHERE id = ?', next.device, next.locale, next.name, id)
	notify({ kind: 'customers' })
	return next
}

export function getCustomer(sql: SqlStorage, id: string): Customer | null {
	const row = sql.exec<Row>('SELECT * FROM customers WHERE id = ?', id).toArray()[0]
	return row ? customerFromRow(row) : null
}

export function listCustomers(sql: SqlStorage): Customer[] {
	return sql.exec<Row>('SELECT * FROM customers ORDER BY created_at').toArray().map(customerFromRow)
}
