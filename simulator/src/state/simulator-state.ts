/**
 * SimulatorState: every piece of simulated state (customers, conversations, both directions of
 * messages, MMCS blob metadata, data refs, rejection log, switches, merchant sessions, webhook
 * inbox) and the hub of the device page's WebSockets (hibernation API, so idle pages cost
 * nothing). Blob bytes live in R2; only their metadata is here.
 *
 * Check-and-store decisions that depend on state (is the destination a known customer? is an
 * upload slot still open?) are made inside one RPC call so they are atomic.
 *
 * The methods are the RPC surface; each delegates to the module for its table(s).
 */
import { DurableObject } from 'cloudflare:workers'
import type { SimEnv } from '../env'
import type { Rejection } from '../lib/rejection'
import * as blobs from './blobs'
import * as directory from './business-directory'
import * as conversations from './conversations'
import * as customers from './customers'
import * as inbox from './inbox'
import * as merchantSessions from './merchant-sessions'
import * as messages from './messages'
import type { NewBusinessMessage, NewCustomerMessage } from './messages'
import { applyMigrations } from './migrations'
import type { Notice, Notify } from './notice'
import * as rejections from './rejections'
import * as switches from './switches'
import type {
	BlobOrigin,
	BlobRecord,
	BusinessRecord,
	Conversation,
	Customer,
	DataRefRecord,
	DeviceKind,
	InboxEvent,
	MerchantSession,
	RejectionRecord,
	Sender,
	StoredMessage,
	Switches,
} from './types'

export type { NewBusinessMessage, NewCustomerMessage } from './messages'
export type { Notice } from './notice'

export class SimulatorState extends DurableObject<SimEnv> {
	private readonly sql: SqlStorage
	private readonly announce: Notify = (notice) => this.notify(notice)

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

	// ── customers & conversations (customers.ts, conversations.ts) ──────────────────────

	createCustomer(c: { id: string; name: string; device: DeviceKind; locale: string; phoneNumber?: string | null }): Customer {
		return customers.createCustomer(this.sql, this.announce, c)
	}

	/** The phone directory: the customer an invitation to this number reaches (gateway/notification-rules.ts). */
	getCustomerByPhone(phoneNumber: string): Customer | null {
		return customers.getCustomerByPhone(this.sql, phoneNumber)
	}

	/**
	 * A notification (invitation) Apple delivers to the customer with this phone number: shown
	 * in that customer's thread with the business (opened for it), Accept / Decline on the device.
	 */
	storeNotification(m: {
		id: string
		businessId: string
		phoneNumber: string
		body: Record<string, unknown>
		headers: Record<string, string>
	}): { ok: true; seq: number } | { ok: false; rejection: Rejection } {
		return messages.storeNotification(this.sql, this.announce, m)
	}

	updateCustomer(id: string, patch: { device?: DeviceKind; locale?: string; name?: string }): Customer | null {
		return customers.updateCustomer(this.sql, this.announce, id, patch)
	}

	getCustomer(id: string): Customer | null {
		return customers.getCustomer(this.sql, id)
	}

	listCustomers(): Customer[] {
		return customers.listCustomers(this.sql)
	}

	/** Opening a chat from a link: stores intent/group for the first message (docs/apple-protocol.md §3.1). */
	startConversation(c: { customerId: string; businessId: string; intent?: string; group?: string }): Conversation | null {
		return conversations.startConversation(this.sql, this.announce, c)
	}

	getConversation(customerId: string, businessId: string): Conversation | null {
		return conversations.getConversation(this.sql, customerId, businessId)
	}

	listConversations(customerId: string): Conversation[] {
		return conversations.listConversations(this.sql, customerId)
	}

	setConversationClosed(customerId: string, businessId: string, closed: boolean, blocked: boolean): void {
		conversations.setConversationClosed(this.sql, this.announce, customerId, businessId, closed, blocked)
	}

	// ── messages (messages.ts) ──────────────────────────────────────────────────────────

	/**
	 * Accept a business → customer message if Apple could deliver it: the customer exists
	 * and has written to this business (only users start conversations, docs/apple-protocol.md §1.6),
	 * and has not blocked it (§4.6). Otherwise a 404 rejection, and nothing stored.
	 */
	storeBusinessMessage(m: NewBusinessMessage): { ok: true; seq: number } | { ok: false; rejection: Rejection } {
		return messages.storeBusinessMessage(this.sql, this.announce, m)
	}

	/** Record a customer → MSP message before it is posted (status filled in afterwards). */
	storeCustomerMessage(m: NewCustomerMessage): { seq: number; conversation: Conversation | null } {
		return messages.storeCustomerMessage(this.sql, this.announce, m)
	}

	recordMspResult(seq: number, status: number, response: string): void {
		messages.recordMspResult(this.sql, this.announce, seq, status, response)
	}

	listMessages(q: { customerId?: string; businessId?: string; sender?: Sender; sinceSeq?: number }): StoredMessage[] {
		return messages.listMessages(this.sql, q)
	}

	getMessage(customerId: string, id: string): StoredMessage | null {
		return messages.getMessage(this.sql, customerId, id)
	}

	// ── MMCS blobs (blobs.ts) ───────────────────────────────────────────────────────────

	reserveBlob(b: {
		id: string
		url: string
		owner: string
		businessId: string | null
		origin: BlobOrigin
		expectedSize: number
		meta?: Record<string, unknown>
	}): BlobRecord {
		return blobs.reserveBlob(this.sql, b)
	}

	/** Seal an upload exactly once; false if it was already sealed (a second POST). */
	completeBlob(id: string, size: number, checksum: string): boolean {
		return blobs.completeBlob(this.sql, id, size, checksum)
	}

	getBlob(id: string): BlobRecord | null {
		return blobs.getBlob(this.sql, id)
	}

	findBlob(url: string): BlobRecord | null {
		return blobs.findBlob(this.sql, url)
	}

	listBlobs(): BlobRecord[] {
		return blobs.listBlobs(this.sql)
	}

	// ── data refs (include-data-ref, docs/apple-protocol.md §4.8; blobs.ts) ──────────────────────────

	storeDataRef(r: Omit<DataRefRecord, 'createdAt'>): void {
		blobs.storeDataRef(this.sql, r)
	}

	getDataRef(url: string): DataRefRecord | null {
		return blobs.getDataRef(this.sql, url)
	}

	// ── rejection log (rejections.ts) ───────────────────────────────────────────────────

	logRejection(r: Omit<RejectionRecord, 'seq' | 'at'>): number {
		return rejections.logRejection(this.sql, this.announce, r)
	}

	listRejections(q: { sinceSeq?: number; customerId?: string } = {}): RejectionRecord[] {
		return rejections.listRejections(this.sql, q)
	}

	clearRejections(): void {
		rejections.clearRejections(this.sql, this.announce)
	}

	// ── business directory (names the device shows) ─────────────────────────────────────

	putBusiness(b: { id: string; name: string; webhookUrl: string | null }): BusinessRecord {
		const record = directory.putBusiness(this.sql, b)
		// Open pages re-fetch their sidebar, where conversations are listed by business name.
		this.notify({ kind: 'customers' })
		return record
	}

	listBusinesses(): BusinessRecord[] {
		return directory.listBusinesses(this.sql)
	}

	// ── switches (switches.ts) ──────────────────────────────────────────────────────────

	getSwitches(): Switches {
		return switches.getSwitches(this.sql)
	}

	setSwitches(patch: Partial<Switches>): Switches {
		return switches.setSwitches(this.sql, patch)
	}

	/** Take one injected failure if any are left (atomic: one RPC call). */
	consumeInjectedFailure(): number | null {
		return switches.consumeInjectedFailure(this.sql)
	}

	// ── Apple Pay merchant sessions (merchant-sessions.ts) ──────────────────────────────

	storeMerchantSession(s: Omit<MerchantSession, 'createdAt'>): void {
		merchantSessions.storeMerchantSession(this.sql, s)
	}

	getMerchantSession(id: string): MerchantSession | null {
		return merchantSessions.getMerchantSession(this.sql, id)
	}

	// ── webhook inbox (inbox.ts) ────────────────────────────────────────────────────────

	storeInboxEvent(e: Omit<InboxEvent, 'seq' | 'at'>): number {
		return inbox.storeInboxEvent(this.sql, this.announce, e)
	}

	listInbox(sinceSeq = 0): InboxEvent[] {
		return inbox.listInbox(this.sql, sinceSeq)
	}
}
