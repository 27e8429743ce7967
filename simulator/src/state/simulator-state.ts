/**
 * SimulatorState: every piece of simulated state (customers, conversations, both directions of
 * messages, MMCS blob metadata, data refs, rejection log, switches, merchant sessions, webhook
 * inbox) and the hub of the device page's WebSockets (hibernation API, so idle pages cost
 * nothing). Blob bytes live in R2; only their metadata is here.
 *
 * Check-and-store decisions that depend on state (is the destination a known customer? is an
 * upload slot still open?) are made inside one RPC call so they are atomic.
 */
import { DurableObject } from 'cloudflare:workers'
import type { SimEnv } from '../env'
import type { Rejection } from '../lib/rejection'
import { reject } from '../lib/rejection'
import { listBusinesses, putBusiness } from './business-directory'
import { applyMigrations } from './migrations'
import {
	DEFAULT_SWITCHES,
	type BlobOrigin,
	type BlobRecord,
	type BusinessRecord,
	type Conversation,
	type Customer,
	type DataRefRecord,
	type DeviceKind,
	type GatewayWarning,
	type InboxEvent,
	type MerchantSession,
	type RejectionRecord,
	type Sender,
	type StoredMessage,
	type Switches,
} from './types'

type Row = Record<string, SqlStorageValue>

const json = <T>(v: SqlStorageValue | undefined): T => JSON.parse(String(v)) as T
const jsonOrNull = <T>(v: SqlStorageValue | undefined): T | null => (v == null ? null : (JSON.parse(String(v)) as T))

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

/** What the device page is told over its WebSocket; it then re-fetches what changed. */
export type Notice =
	| { kind: 'messages'; customerId: string }
	| { kind: 'customers' }
	| { kind: 'rejections' }
	| { kind: 'inbox' }

export class SimulatorState extends DurableObject<SimEnv> {
	private readonly sql: SqlStorage

	constructor(ctx: DurableObjectState, env: SimEnv) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		applyMigrations(this.sql)
	}

	// ── WebSockets (device page live updates) ───────────────────────────────────────────

	override async fetch(request: Request): Promise<Response> {
		if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
			return new Response('expected a WebSocket upgrade', { status: 426 })
		}
		const pair = new WebSocketPair()
		// Hibernation API: the object can be evicted while pages stay connected.
		this.ctx.acceptWebSocket(pair[1], ['all'])
		return new Response(null, { status: 101, webSocket: pair[0] })
	}

	override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
		// The page only pings to keep intermediaries from closing an idle socket.
		if (message === 'ping') ws.send('pong')
	}

	override webSocketClose(ws: WebSocket, code: number): void {
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye')
		} catch {
			// already closed
		}
	}

	private notify(notice: Notice): void {
		const text = JSON.stringify(notice)
		for (const ws of this.ctx.getWebSockets('all')) {
			try {
				ws.send(text)
			} catch {
				// a page that went away; the runtime cleans it up
			}
		}
	}

	// ── customers & conversations ───────────────────────────────────────────────────────

	createCustomer(c: { id: string; name: string; device: DeviceKind; locale: string; phoneNumber?: string | null }): Customer {
		const createdAt = Date.now()
		const phoneNumber = c.phoneNumber ?? null
		this.sql.exec(
			'INSERT INTO customers (id, name, device, locale, created_at, phone) VALUES (?, ?, ?, ?, ?, ?)',
			c.id,
			c.name,
			c.device,
			c.locale,
			createdAt,
			phoneNumber,
		)
		this.notify({ kind: 'customers' })
		return { ...c, phoneNumber, createdAt }
	}

	/** The phone directory: the customer an invitation to this number reaches (gateway/notification-rules.ts). */
	getCustomerByPhone(phoneNumber: string): Customer | null {
		const row = this.sql.exec<Row>('SELECT * FROM customers WHERE phone = ?', phoneNumber).toArray()[0]
		return row ? customerFromRow(row) : null
	}

	/**
	 * A notification (invitation) Apple delivers to the customer with this phone number: shown
	 * in that customer's thread with the business (opened for it), Accept / Decline on the device.
	 */
	storeNotification(m: { id: string; businessId: string; phoneNumber: string; body: Record<string, unknown>; headers: Record<string, string> }): { ok: true; seq: number } | { ok: false; rejection: Rejection } {
		const customer = this.getCustomerByPhone(m.phoneNumber)
		if (!customer) {
			if (this.getSwitches().acceptUnknownDestinations) return { ok: true, seq: 0 }
			return { ok: false, rejection: reject(404, 'destination_unknown', `no simulated customer has the phone number ${m.phoneNumber}`) }
		}
		if (!this.getConversation(customer.id, m.businessId)) this.startConversation({ customerId: customer.id, businessId: m.businessId })
		const seq = this.insertMessage({ id: m.id, customerId: customer.id, businessId: m.businessId, type: 'interactive', endpoint: '/v1/message', body: m.body, headers: m.headers, sender: 'business', mspStatus: null, mspResponse: null })
		this.notify({ kind: 'messages', customerId: customer.id })
		return { ok: true, seq }
	}

	updateCustomer(id: string, patch: { device?: DeviceKind; locale?: string; name?: string }): Customer | null {
		const cur = this.getCustomer(id)
		if (!cur) return null
		const next = { ...cur, ...patch }
		this.sql.exec('UPDATE customers SET device = ?, locale = ?, name = ? WHERE id = ?', next.device, next.locale, next.name, id)
		this.notify({ kind: 'customers' })
		return next
	}

	getCustomer(id: string): Customer | null {
		const row = this.sql.exec<Row>('SELECT * FROM customers WHERE id = ?', id).toArray()[0]
		return row ? customerFromRow(row) : null
	}

	listCustomers(): Customer[] {
		return this.sql.exec<Row>('SELECT * FROM customers ORDER BY created_at').toArray().map(customerFromRow)
	}

	/** Opening a chat from a link: stores intent/group for the first message (spec core §3.1). */
	startConversation(c: { customerId: string; businessId: string; intent?: string; group?: string }): Conversation | null {
		if (!this.getCustomer(c.customerId)) return null
		const now = Date.now()
		this.sql.exec(
			`INSERT INTO conversations (customer_id, business_id, intent, grp, first_sent, closed, blocked, created_at)
			 VALUES (?, ?, ?, ?, 0, 0, 0, ?)
			 ON CONFLICT (customer_id, business_id) DO UPDATE SET intent = excluded.intent, grp = excluded.grp, first_sent = 0`,
			c.customerId,
			c.businessId,
			c.intent ?? null,
			c.group ?? null,
			now,
		)
		this.notify({ kind: 'customers' })
		return this.getConversation(c.customerId, c.businessId)
	}

	getConversation(customerId: string, businessId: string): Conversation | null {
		const row = this.sql
			.exec<Row>('SELECT * FROM conversations WHERE customer_id = ? AND business_id = ?', customerId, businessId)
			.toArray()[0]
		return row ? conversationFromRow(row) : null
	}

	listConversations(customerId: string): Conversation[] {
		return this.sql
			.exec<Row>('SELECT * FROM conversations WHERE customer_id = ? ORDER BY created_at', customerId)
			.toArray()
			.map(conversationFromRow)
	}

	setConversationClosed(customerId: string, businessId: string, closed: boolean, blocked: boolean): void {
		this.sql.exec(
			'UPDATE conversations SET closed = ?, blocked = ? WHERE customer_id = ? AND business_id = ?',
			closed ? 1 : 0,
			blocked ? 1 : 0,
			customerId,
			businessId,
		)
		this.notify({ kind: 'customers' })
	}

	// ── messages ────────────────────────────────────────────────────────────────────────

	/**
	 * Accept a business → customer message if Apple could deliver it: the customer exists
	 * and has written to this business (only users start conversations, spec core §1.6),
	 * and has not blocked it (§4.6). Otherwise a 404 rejection, and nothing stored.
	 */
	storeBusinessMessage(m: NewBusinessMessage): { ok: true; seq: number } | { ok: false; rejection: Rejection } {
		const switches = this.getSwitches()
		const conv = this.getConversation(m.customerId, m.businessId)
		if (!switches.acceptUnknownDestinations) {
			if (!this.getCustomer(m.customerId)) {
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
		const seq = this.insertMessage({ ...m, sender: 'business', mspStatus: null, mspResponse: null })
		this.notify({ kind: 'messages', customerId: m.customerId })
		return { ok: true, seq }
	}

	/** Record a customer → MSP message before it is posted (status filled in afterwards). */
	storeCustomerMessage(m: NewCustomerMessage): { seq: number; conversation: Conversation | null } {
		const seq = this.insertMessage({ ...m, sender: 'customer', endpoint: 'msp', mspStatus: null, mspResponse: null })
		// Writing again reopens a deleted conversation (spec core §4.6); close itself is recorded
		// by setConversationClosed, and typing indicators change nothing.
		if (m.type !== 'close' && m.type !== 'typing_start' && m.type !== 'typing_end') {
			this.sql.exec(
				'UPDATE conversations SET first_sent = 1, closed = 0, blocked = 0 WHERE customer_id = ? AND business_id = ?',
				m.customerId,
				m.businessId,
			)
		}
		this.notify({ kind: 'messages', customerId: m.customerId })
		return { seq, conversation: this.getConversation(m.customerId, m.businessId) }
	}

	recordMspResult(seq: number, status: number, response: string): void {
		this.sql.exec('UPDATE messages SET msp_status = ?, msp_response = ? WHERE seq = ?', status, response.slice(0, 2000), seq)
		const row = this.sql.exec<Row>('SELECT customer_id FROM messages WHERE seq = ?', seq).toArray()[0]
		if (row) this.notify({ kind: 'messages', customerId: String(row.customer_id) })
	}

	private insertMessage(m: NewBusinessMessage & { sender: Sender; mspStatus: number | null; mspResponse: string | null }): number {
		return this.sql
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

	listMessages(q: { customerId?: string; businessId?: string; sender?: Sender; sinceSeq?: number }): StoredMessage[] {
		const where: string[] = ['seq > ?']
		const args: SqlStorageValue[] = [q.sinceSeq ?? 0]
		if (q.customerId) (where.push('customer_id = ?'), args.push(q.customerId))
		if (q.businessId) (where.push('business_id = ?'), args.push(q.businessId))
		if (q.sender) (where.push('sender = ?'), args.push(q.sender))
		return this.sql
			.exec<Row>(`SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq`, ...args)
			.toArray()
			.map(messageFromRow)
	}

	getMessage(customerId: string, id: string): StoredMessage | null {
		const row = this.sql
			.exec<Row>('SELECT * FROM messages WHERE customer_id = ? AND id = ? ORDER BY seq DESC LIMIT 1', customerId, id)
			.toArray()[0]
		return row ? messageFromRow(row) : null
	}

	// ── MMCS blobs ──────────────────────────────────────────────────────────────────────

	reserveBlob(b: { id: string; url: string; owner: string; businessId: string | null; origin: BlobOrigin; expectedSize: number; meta?: Record<string, unknown> }): BlobRecord {
		const createdAt = Date.now()
		this.sql.exec(
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
	completeBlob(id: string, size: number, checksum: string): boolean {
		const res = this.sql.exec(
			"UPDATE blobs SET state = 'uploaded', size = ?, checksum = ? WHERE id = ? AND state = 'reserved'",
			size,
			checksum,
			id,
		)
		return res.rowsWritten > 0
	}

	getBlob(id: string): BlobRecord | null {
		const row = this.sql.exec<Row>('SELECT * FROM blobs WHERE id = ?', id).toArray()[0]
		return row ? blobFromRow(row) : null
	}

	findBlob(url: string): BlobRecord | null {
		const row = this.sql.exec<Row>('SELECT * FROM blobs WHERE url = ?', url).toArray()[0]
		return row ? blobFromRow(row) : null
	}

	listBlobs(): BlobRecord[] {
		return this.sql.exec<Row>('SELECT * FROM blobs ORDER BY created_at').toArray().map(blobFromRow)
	}

	// ── data refs (include-data-ref, spec core §4.8) ────────────────────────────────────

	storeDataRef(r: Omit<DataRefRecord, 'createdAt'>): void {
		this.sql.exec(
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

	getDataRef(url: string): DataRefRecord | null {
		const row = this.sql.exec<Row>('SELECT * FROM data_refs WHERE url = ?', url).toArray()[0]
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

	// ── rejection log ───────────────────────────────────────────────────────────────────

	logRejection(r: Omit<RejectionRecord, 'seq' | 'at'>): number {
		const seq = this.sql
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
		this.notify({ kind: 'rejections' })
		if (r.customerId) this.notify({ kind: 'messages', customerId: r.customerId })
		return seq
	}

	listRejections(q: { sinceSeq?: number; customerId?: string } = {}): RejectionRecord[] {
		const rows = q.customerId
			? this.sql.exec<Row>('SELECT * FROM rejections WHERE seq > ? AND customer_id = ? ORDER BY seq', q.sinceSeq ?? 0, q.customerId)
			: this.sql.exec<Row>('SELECT * FROM rejections WHERE seq > ? ORDER BY seq', q.sinceSeq ?? 0)
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

	clearRejections(): void {
		this.sql.exec('DELETE FROM rejections')
		this.notify({ kind: 'rejections' })
	}

	// ── business directory (names the device shows) ─────────────────────────────────────

	putBusiness(b: { id: string; name: string; webhookUrl: string | null }): BusinessRecord {
		const record = putBusiness(this.sql, b)
		// Open pages re-fetch their sidebar, where conversations are listed by business name.
		this.notify({ kind: 'customers' })
		return record
	}

	listBusinesses(): BusinessRecord[] {
		return listBusinesses(this.sql)
	}

	// ── switches ────────────────────────────────────────────────────────────────────────

	getSwitches(): Switches {
		const out: Record<string, unknown> = { ...DEFAULT_SWITCHES }
		for (const row of this.sql.exec<Row>('SELECT name, value FROM switches').toArray()) {
			out[String(row.name)] = json(row.value)
		}
		return out as unknown as Switches
	}

	setSwitches(patch: Partial<Switches>): Switches {
		for (const [name, value] of Object.entries(patch)) {
			if (value === undefined) continue
			this.sql.exec(
				'INSERT INTO switches (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
				name,
				JSON.stringify(value),
			)
		}
		return this.getSwitches()
	}

	/** Take one injected failure if any are left (atomic: one RPC call). */
	consumeInjectedFailure(): number | null {
		const s = this.getSwitches()
		if (s.failNextMessages <= 0) return null
		this.setSwitches({ failNextMessages: s.failNextMessages - 1 })
		return s.failureStatus
	}

	// ── Apple Pay merchant sessions ─────────────────────────────────────────────────────

	storeMerchantSession(s: Omit<MerchantSession, 'createdAt'>): void {
		this.sql.exec(
			'INSERT INTO merchant_sessions (id, initiative_context, body, created_at) VALUES (?, ?, ?, ?)',
			s.id,
			s.initiativeContext,
			JSON.stringify(s.body),
			Date.now(),
		)
	}

	getMerchantSession(id: string): MerchantSession | null {
		const row = this.sql.exec<Row>('SELECT * FROM merchant_sessions WHERE id = ?', id).toArray()[0]
		if (!row) return null
		return {
			id: String(row.id),
			initiativeContext: String(row.initiative_context),
			body: json(row.body),
			createdAt: Number(row.created_at),
		}
	}

	// ── webhook inbox ───────────────────────────────────────────────────────────────────

	storeInboxEvent(e: Omit<InboxEvent, 'seq' | 'at'>): number {
		const seq = this.sql
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
		this.notify({ kind: 'inbox' })
		return seq
	}

	listInbox(sinceSeq = 0): InboxEvent[] {
		return this.sql
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
}

function customerFromRow(row: Row): Customer {
	return {
		id: String(row.id),
		name: String(row.name),
		device: String(row.device) as DeviceKind,
		locale: String(row.locale),
		phoneNumber: row.phone == null ? null : String(row.phone),
		createdAt: Number(row.created_at),
	}
}

function conversationFromRow(row: Row): Conversation {
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

function messageFromRow(row: Row): StoredMessage {
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

function blobFromRow(row: Row): BlobRecord {
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
