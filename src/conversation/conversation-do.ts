/**
 * One Durable Object per business + customer: the unit of ordering. It dedupes Apple's
 * messages on `id` (and interactive replies on session + request), gives every message a
 * gapless `sequence`, keeps history and state in SQLite, and emits the business events
 * through an outbox: events are written in the same transaction as the message, then sent
 * to the queue; whatever is not yet enqueued is re-driven by the alarm, so nothing recorded
 * is lost (PRODUCT.md "Data flow" 1).
 */
import { DurableObject } from 'cloudflare:workers'
import type { InboundInteractive, InboundMessage, InboundText } from '../apple/inbound'
import type { Env } from '../context'
import { chooseRoute } from '../business/routing'
import type { Route } from '../business/schema'
import { INLINE_EVENT_LIMIT, type DeliverWebhook, type WebhookEvent } from '../delivery/queue-messages'
import { Coalesced } from '../lib/coalesced'
import { migrate } from '../lib/sql-migrations'
import { makeEvent } from './events'
import { eventsFor, interactiveDedupeKey, type StoredRequest } from './inbound-events'
import { stageOnce, type StagingJob, type StagingResult } from './inbound-staging'
import { mmcsClientFor } from '../attachments/client'
import { bodyWithAttachmentMarkers, OutboundAttachmentError, prepareOutboundAttachment, type AppleAttachment } from '../attachments/outbound'
import { unpinAttachment } from '../attachments/purge'
import {
	IDEMPOTENCY_TTL_MS,
	nextSendAttemptAt,
	type OutboundJob,
	type SendInput,
	type SendOutcome,
	type SendResponse,
	type MessageRecord,
	type MessagePage,
} from './outbound'
import { getConfig } from '../context'
import type { HostedOutcomeInput } from '../hosted/outcome'
import { outboundToken } from '../lib/outbound-token'
import { sendToApple, type AppleSendResult } from '../apple/gateway-client'

const MIGRATIONS = [
	`CREATE TABLE conversation (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		business_id TEXT NOT NULL, customer_id TEXT NOT NULL,
		status TEXT NOT NULL, capabilities TEXT, device_agent TEXT, locale TEXT,
		intent TEXT, grp TEXT, route TEXT,
		last_seq INTEGER NOT NULL DEFAULT 0,
		started_at TEXT NOT NULL, updated_at TEXT NOT NULL, closed_at TEXT);
	 CREATE TABLE messages (
		seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, direction TEXT NOT NULL,
		type TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
		dedupe_key TEXT UNIQUE, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
	 CREATE TABLE message_aliases (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
	 CREATE TABLE events (
		event_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, type TEXT NOT NULL,
		payload TEXT NOT NULL, enqueued INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
	 CREATE INDEX events_pending ON events (enqueued, created_at) WHERE enqueued = 0;`,
	`CREATE TABLE outbound (
		seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, job TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT);
	 CREATE TABLE idempotency (
		key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);`,
	`CREATE TABLE requests (
		request_id TEXT PRIMARY KEY, message_id TEXT NOT NULL, template_id TEXT,
		request TEXT NOT NULL, created_at TEXT NOT NULL);`,
	`ALTER TABLE events ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
	 CREATE TABLE staging (
		seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, job TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT);`,
	// The Apple-facing business id (a linked account id may differ from ours; spec core §6.2).
	`ALTER TABLE conversation ADD COLUMN apple_business_id TEXT;`,
]

/** Staging retries: 5 s, 30 s, 2 min, 10 min, then the event leaves with the failure marked. */
const STAGING_RETRY_MS = [5_000, 30_000, 120_000, 600_000] as const

/** When the background enqueue has not confirmed, the alarm re-drives after this long. */
export const OUTBOX_RETRY_MS = 30_000
const OUTBOX_MAX_BACKOFF_MS = 5 * 60_000

export interface InboundRecord {
	businessId: string
	customerId: string
	messageId: string
	receivedAt: string
	/** Latest `capability-list`, or null when the request carried none. */
	capabilities: string[] | null
	deviceAgent: string | null
	message: InboundMessage
	routing: { webhookUrl: string; routes: Route[] }
	/** Public origin of the Worker, for signed attachment links. */
	origin: string
	/** The business's attachmentRetentionDays. */
	retentionDays: number
	/** A reply to one of our hosted requests: its outcome event (src/hosted) replaces the raw one. */
	hostedReply?: boolean
	/** The `destination-id` Apple used: our business id, or an account id linked to it. */
	appleBusinessId?: string
}

export interface ReceiveResult {
	conversationId: string
	status: 'recorded' | 'duplicate'
	sequence: number | null
}

interface ConversationRow {
	business_id: string
	customer_id: string
	status: 'open' | 'closed'
	capabilities: string | null
	device_agent: string | null
	locale: string | null
	intent: string | null
	grp: string | null
	route: string | null
	last_seq: number
	started_at: string
	updated_at: string
	closed_at: string | null
	apple_business_id: string | null
	[k: string]: SqlStorageValue
}

export interface ConversationState {
	conversationId: string
	businessId: string
	customerId: string
	status: 'open' | 'closed'
	capabilities: string[] | null
	deviceAgent: string | null
	locale: string | null
	intent: string | null
	group: string | null
	route: { rule: number | null; webhookUrl: string } | null
	lastSequence: number
	startedAt: string
	updatedAt: string
	closedAt: string | null
	/** The id Apple knows the business by in this conversation (`sourceId` of our sends). */
	appleBusinessId: string
}

const newEventId = () => `msg_${crypto.randomUUID().replace(/-/g, '')}`

export class Conversation extends DurableObject<Env> {
	private readonly sql: SqlStorage
	private readonly outbox = new Coalesced(() => this.flushOnce())
	private readonly stager = new Coalesced(async () => {
		while (await this.stageHead()) {
			// keep going while staged messages are released
		}
	})
	private readonly pump = new Coalesced(async () => {
		while (await this.sendHead()) {
			// keep going while the head of the line was settled
		}
	})
	/**
	 * Events the queue accepted whose `enqueued` mark is not written yet. The mark rides on
	 * the next write (the next message's transaction, or the alarm) instead of costing a
	 * transaction of its own; if the object dies first, the alarm sends them again with the
	 * same webhook-id, which at-least-once delivery allows.
	 */
	private sentUnmarked = new Set<string>()
	/** Mirror of the stored alarm, so arming never pushes an earlier alarm later. */
	private alarmAt: number | null = null

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		ctx.blockConcurrencyWhile(async () => {
			migrate(this.sql, MIGRATIONS)
			this.alarmAt = await ctx.storage.getAlarm()
		})
	}

	get conversationId(): string {
		return this.ctx.id.toString()
	}

	private row(): ConversationRow | null {
		return this.sql.exec<ConversationRow>('SELECT * FROM conversation WHERE id = 1').toArray()[0] ?? null
	}

	state(): ConversationState | null {
		const r = this.row()
		if (!r) return null
		return {
			conversationId: this.conversationId,
			businessId: r.business_id,
			customerId: r.customer_id,
			status: r.status,
			capabilities: r.capabilities === null ? null : (JSON.parse(r.capabilities) as string[]),
			deviceAgent: r.device_agent,
			locale: r.locale,
			intent: r.intent,
			group: r.grp,
			route: r.route === null ? null : JSON.parse(r.route),
			lastSequence: r.last_seq,
			startedAt: r.started_at,
			updatedAt: r.updated_at,
			closedAt: r.closed_at,
			appleBusinessId: r.apple_business_id ?? r.business_id,
		}
	}

	/**
	 * Record one inbound Apple message. Returns once the message and its events are durable
	 * (the RPC reply waits on the output gate); enqueueing happens after, retried by alarm.
	 */
	async receive(rec: InboundRecord): Promise<ReceiveResult> {
		const result = this.ctx.storage.transactionSync(() => this.recordInbound(rec))
		if (result.status === 'recorded') {
			this.armAlarm(Date.now() + OUTBOX_RETRY_MS)
			// A failure here is fine: the events stay in the outbox and the alarm re-drives them.
			this.ctx.waitUntil(
				result.staging
					? this.stageInbound()
					: this.flushOutbox().catch((err: unknown) => console.warn('outbox enqueue deferred to alarm:', String(err))),
			)
		}
		return { conversationId: this.conversationId, status: result.status, sequence: result.sequence }
	}

	private recordInbound(rec: InboundRecord): ReceiveResult & { started: boolean; staging?: boolean } {
		this.persistMarks()
		const dup = this.sql
			.exec<{ seq: number }>(
				'SELECT seq FROM messages WHERE id = ? UNION ALL SELECT seq FROM message_aliases WHERE id = ?',
				rec.messageId,
				rec.messageId,
			)
			.toArray()[0]
		if (dup) return { conversationId: this.conversationId, status: 'duplicate', sequence: dup.seq, started: false }

		const m = rec.message
		const dedupeKey = interactiveDedupeKey(m)
		if (dedupeKey) {
			const original = this.sql
				.exec<{ seq: number }>('SELECT seq FROM messages WHERE dedupe_key = ?', dedupeKey)
				.toArray()[0]
			if (original) {
				// Apple's repeated interactive reply (new id, same session + request): remember the
				// id so its own redelivery is recognised, emit nothing.
				this.sql.exec('INSERT INTO message_aliases (id, seq) VALUES (?, ?)', rec.messageId, original.seq)
				return { conversationId: this.conversationId, status: 'duplicate', sequence: original.seq, started: false }
			}
		}

		const now = rec.receivedAt
		let row = this.row()
		const isReopen = row !== null && row.status === 'closed' && m.type !== 'close'
		const isNew = row === null
		const intent = 'intent' in m && typeof m.intent === 'string' ? m.intent : null
		const group = 'group' in m && typeof m.group === 'string' ? m.group : null
		const locale = 'locale' in m && typeof m.locale === 'string' ? m.locale : null

		if (isNew || isReopen) {
			// intent/group (and so the route) belong to the conversation's start (core §3.1).
			const route = chooseRoute(rec.routing, { intent, group })
			if (isNew) {
				this.sql.exec(
					`INSERT INTO conversation (id, business_id, customer_id, status, capabilities, device_agent,
						locale, intent, grp, route, last_seq, started_at, updated_at)
					 VALUES (1, ?, ?, 'open', ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
					rec.businessId,
					rec.customerId,
					rec.capabilities === null ? null : JSON.stringify(rec.capabilities),
					rec.deviceAgent,
					locale,
					intent,
					group,
					JSON.stringify(route),
					now,
					now,
				)
			} else {
				this.sql.exec(
					`UPDATE conversation SET status = 'open', closed_at = NULL, intent = ?, grp = ?, route = ?, started_at = ?
					 WHERE id = 1`,
					intent,
					group,
					JSON.stringify(route),
					now,
				)
			}
			row = this.row()!
		}
		const conv = row!

		const seq = conv.last_seq + 1
		const capabilities = rec.capabilities === null ? conv.capabilities : JSON.stringify(rec.capabilities)
		const closing = m.type === 'close'
		this.sql.exec(
			`UPDATE conversation SET last_seq = ?, capabilities = ?, device_agent = COALESCE(?, device_agent),
				locale = COALESCE(?, locale), updated_at = ?, apple_business_id = COALESCE(?, apple_business_id),
				status = CASE WHEN ? THEN 'closed' ELSE status END,
				closed_at = CASE WHEN ? THEN ? ELSE closed_at END
			 WHERE id = 1`,
			seq,
			capabilities,
			rec.deviceAgent,
			locale,
			now,
			rec.appleBusinessId ?? null,
			closing ? 1 : 0,
			closing ? 1 : 0,
			now,
		)
		this.sql.exec(
			`INSERT INTO messages (seq, id, direction, type, payload, status, dedupe_key, created_at, updated_at)
			 VALUES (?, ?, 'inbound', ?, ?, 'received', ?, ?, ?)`,
			seq,
			rec.messageId,
			m.type,
			JSON.stringify(m),
			dedupeKey,
			now,
			now,
		)
		if (!['text', 'interactive', 'typing_start', 'typing_end', 'close'].includes(m.type)) {
			console.warn(`unknown Apple message type recorded without an event: ${m.type.slice(0, 64)}`)
		}

		const base = { businessId: rec.businessId, conversationId: this.conversationId, customerId: rec.customerId, sequence: seq }
		const at = new Date(now)
		const events: WebhookEvent[] = []
		if (isNew || isReopen) {
			const state = this.state()!
			events.push(
				makeEvent('conversation.started', base, {
					intent: state.intent,
					group: state.group,
					locale: state.locale,
					capabilities: state.capabilities ?? [],
					device: state.deviceAgent,
					reopened: isReopen,
				}, at),
			)
		}
		for (const e of eventsFor(m, rec.messageId, (id) => this.storedRequest(id))) {
			if (rec.hostedReply && e.type === 'interactive.received') continue
			events.push(makeEvent(e.type, base, e.data, at))
		}
		const staging = this.stagingFor(rec, m)
		for (const e of events) {
			// The event that waits for attachments / a by-reference reply is held, and with it every later one.
			const held = staging !== null && (e.type === 'message.received' || e.type === 'interactive.received')
			const eventId = this.insertEvent(seq, e, now, held)
			if (held) {
				this.sql.exec('INSERT INTO staging (seq, event_id, job, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?)', seq, eventId, JSON.stringify(staging), Date.now())
			}
		}
		return { conversationId: this.conversationId, status: 'recorded', sequence: seq, started: isNew || isReopen, staging: staging !== null }
	}

	private insertEvent(seq: number, e: WebhookEvent, now: string, blocked = false): string {
		const id = newEventId()
		this.sql.exec(
			'INSERT INTO events (event_id, seq, type, payload, enqueued, created_at, blocked) VALUES (?, ?, ?, ?, 0, ?, ?)',
			id,
			seq,
			e.type,
			JSON.stringify(e),
			now,
			blocked ? 1 : 0,
		)
		return id
	}

	/** The staging an inbound message needs before its event can leave, or null. */
	private stagingFor(rec: InboundRecord, m: InboundMessage): StagingJob | null {
		const common = {
			businessId: rec.businessId,
			appleBusinessId: rec.appleBusinessId ?? rec.businessId,
			conversationId: this.conversationId,
			messageId: rec.messageId,
			origin: rec.origin,
			retentionDays: rec.retentionDays,
		}
		if (m.type === 'text') {
			const attachments = (m as InboundText).attachments ?? []
			return attachments.length > 0 ? { ...common, kind: 'attachments', attachments } : null
		}
		if (m.type === 'interactive') {
			const ref = (m as InboundInteractive).interactiveDataRef
			return ref ? { ...common, kind: 'dataref', dataRef: ref } : null
		}
		return null
	}

	/** Stage the oldest held message. True when it was released (its event can leave). */
	private async stageHead(): Promise<boolean> {
		const head = this.sql
			.exec<{ seq: number; event_id: string; job: string; attempts: number; next_attempt_at: number }>(
				'SELECT seq, event_id, job, attempts, next_attempt_at FROM staging ORDER BY seq LIMIT 1',
			)
			.toArray()[0]
		if (!head) return false
		if (head.next_attempt_at > Date.now()) {
			this.armAlarm(head.next_attempt_at)
			return false
		}
		const attempts = head.attempts + 1
		const finalAttempt = attempts > STAGING_RETRY_MS.length
		let result: StagingResult
		try {
			result = await stageOnce(this.env, JSON.parse(head.job) as StagingJob, finalAttempt, (id) => this.storedRequest(id))
		} catch (err) {
			result = { done: false, reason: String(err) }
			if (finalAttempt) result = { done: true, patch: { stagingError: String(err).slice(0, 500) } }
		}
		if (!result.done) {
			const at = Date.now() + STAGING_RETRY_MS[attempts - 1]!
			this.sql.exec('UPDATE staging SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?', attempts, at, result.reason.slice(0, 1000), head.seq)
			this.armAlarm(at)
			return false
		}
		const patch = result.patch
		this.ctx.storage.transactionSync(() => {
			const row = this.sql.exec<{ payload: string }>('SELECT payload FROM events WHERE event_id = ?', head.event_id).toArray()[0]
			if (row) {
				const event = JSON.parse(row.payload) as WebhookEvent
				event.data = { ...event.data, ...patch }
				this.sql.exec('UPDATE events SET payload = ?, blocked = 0 WHERE event_id = ?', JSON.stringify(event), head.event_id)
			}
			this.sql.exec('DELETE FROM staging WHERE seq = ?', head.seq)
		})
		return true
	}

	/** Stage held inbound messages in order, then send what was released. */
	async stageInbound(): Promise<void> {
		try {
			await this.stager.run()
		} catch (err) {
			console.error('staging failed; the alarm retries', String(err))
		}
		await this.flushOutbox().catch((err: unknown) => console.warn('outbox enqueue deferred to alarm:', String(err)))
	}

	private armAlarm(at: number): void {
		if (this.alarmAt !== null && this.alarmAt <= at) return
		this.alarmAt = at
		// Not awaited: with no await in between, the alarm commits atomically with the rows.
		void this.ctx.storage.setAlarm(at)
	}

	/** The interactive request we sent with this requestIdentifier, for matching a reply. */
	private storedRequest(requestId: string): StoredRequest | null {
		const row = this.sql
			.exec<{ message_id: string; template_id: string | null; request: string }>('SELECT message_id, template_id, request FROM requests WHERE request_id = ?', requestId)
			.toArray()[0]
		return row ? { messageId: row.message_id, templateId: row.template_id, request: JSON.parse(row.request) as unknown } : null
	}

	/**
	 * A hosted flow's outcome (src/hosted/outcome.ts): authentication or Apple Pay settled
	 * outside Apple's /message (our redirect URI, the payment gateway, or the decrypted
	 * legacy token). Recorded once per (kind, request) as `interactive.received`, sequenced
	 * and delivered like any inbound event. The Business object retries until this answers.
	 */
	async recordHostedOutcome(input: HostedOutcomeInput): Promise<{ status: 'recorded' | 'duplicate' | 'no_conversation' }> {
		const status = this.ctx.storage.transactionSync((): 'recorded' | 'duplicate' | 'no_conversation' => {
			this.persistMarks()
			const conv = this.row()
			if (!conv) return 'no_conversation'
			const dedupeKey = `hosted\u0000${input.kind}\u0000${input.requestId}`
			if (this.sql.exec('SELECT 1 FROM messages WHERE dedupe_key = ?', dedupeKey).toArray().length > 0) return 'duplicate'
			const seq = conv.last_seq + 1
			const messageId = `hosted_${input.kind}_${input.requestId}`
			this.sql.exec('UPDATE conversation SET last_seq = ?, updated_at = ? WHERE id = 1', seq, input.at)
			// The history keeps the outcome, not an access token the business may have asked for.
			const { accessToken: _token, ...summary } = input.data
			this.sql.exec(
				`INSERT INTO messages (seq, id, direction, type, payload, status, dedupe_key, created_at, updated_at)
				 VALUES (?, ?, 'inbound', 'interactive', ?, 'received', ?, ?, ?)`,
				seq,
				messageId,
				JSON.stringify({ hostedOutcome: summary }),
				dedupeKey,
				input.at,
				input.at,
			)
			const base = { businessId: conv.business_id, conversationId: this.conversationId, customerId: conv.customer_id, sequence: seq }
			this.insertEvent(seq, makeEvent('interactive.received', base, { messageId, ...input.data }, new Date(input.at)), input.at)
			return 'recorded'
		})
		if (status === 'recorded') {
			this.armAlarm(Date.now() + OUTBOX_RETRY_MS)
			this.ctx.waitUntil(this.flushOutbox().catch((err: unknown) => console.warn('outbox enqueue deferred to alarm:', String(err))))
		}
		return { status }
	}

	/** One event, for a consumer whose queue body carried it by reference. */
	event(eventId: string): WebhookEvent | null {
		const row = this.sql.exec<{ payload: string }>('SELECT payload FROM events WHERE event_id = ?', eventId).toArray()[0]
		return row ? (JSON.parse(row.payload) as WebhookEvent) : null
	}

	/** Send pending events to the queue in sequence order; one flush at a time. */
	flushOutbox(): Promise<void> {
		return this.outbox.run()
	}

	private async flushOnce(): Promise<void> {
		const pending = this.sql
			.exec<{ event_id: string; seq: number; type: string; payload: string; blocked: number }>(
				'SELECT event_id, seq, type, payload, blocked FROM events WHERE enqueued = 0 ORDER BY seq, rowid LIMIT 200',
			)
			.toArray()
			.filter((p) => !this.sentUnmarked.has(p.event_id))
		// Events leave in sequence order: nothing passes a message still being staged.
		const firstHeld = pending.findIndex((p) => p.blocked === 1)
		if (firstHeld !== -1) pending.splice(firstHeld)
		pending.splice(100)
		if (pending.length === 0) return
		const state = this.sql
			.exec<{ businessId: string; intent: string | null; group: string | null }>('SELECT business_id AS businessId, intent, grp AS "group" FROM conversation WHERE id = 1')
			.toArray()[0]
		if (!state) return
		const bodies: DeliverWebhook[] = pending.map((p) => ({
			kind: 'webhook.deliver',
			eventId: p.event_id,
			eventType: p.type,
			businessId: state.businessId,
			conversationId: this.conversationId,
			route: { intent: state.intent, group: state.group },
			event: p.payload.length <= INLINE_EVENT_LIMIT ? (JSON.parse(p.payload) as WebhookEvent) : null,
		}))
		await this.env.WEBHOOK_QUEUE.sendBatch(bodies.map((body) => ({ body, contentType: 'json' as const })))
		for (const p of pending) this.sentUnmarked.add(p.event_id)
		if (pending.length === 100) this.outbox.again()
	}

	private persistMarks(): void {
		if (this.sentUnmarked.size === 0) return
		const ids = [...this.sentUnmarked]
		// ≤ 100 bound parameters per statement (workers-limits.md §4).
		for (let i = 0; i < ids.length; i += 90) {
			const part = ids.slice(i, i + 90)
			this.sql.exec(`UPDATE events SET enqueued = 1 WHERE event_id IN (${part.map(() => '?').join(',')})`, ...part)
		}
		this.sentUnmarked.clear()
	}

	override async alarm(info?: AlarmInvocationInfo): Promise<void> {
		this.alarmAt = null
		this.persistMarks()
		await this.stageInbound()
		await this.pumpSends()
		try {
			await this.flushOutbox()
			this.persistMarks()
		} catch (err) {
			console.error('outbox enqueue failed; retrying by alarm', String(err))
			const retry = info?.retryCount ?? 0
			this.armAlarm(Date.now() + Math.min(OUTBOX_RETRY_MS * 2 ** retry, OUTBOX_MAX_BACKOFF_MS))
			return
		}
		if (this.pendingEvents() > 0) this.armAlarm(Date.now() + OUTBOX_RETRY_MS)
	}

	/** Pending (not yet enqueued) events; for tests and health checks. */
	pendingEvents(): number {
		const rows = this.sql.exec<{ event_id: string }>('SELECT event_id FROM events WHERE enqueued = 0').toArray()
		return rows.filter((r) => !this.sentUnmarked.has(r.event_id)).length
	}

	// ── Outbound (business → customer) ────────────────────────────────────────────────────

	/**
	 * Accept one business message for this customer. Sends are serialised here: each gets the
	 * next sequence and reaches Apple strictly after the ones accepted before it (PRODUCT.md
	 * "Data flow" 3). The Idempotency-Key is answered from storage for 24 h.
	 */
	send(input: SendInput): SendOutcome {
		const outcome = this.ctx.storage.transactionSync((): SendOutcome => {
			this.persistMarks()
			const now = Date.now()
			if (input.idempotencyKey) {
				this.sql.exec('DELETE FROM idempotency WHERE created_at < ?', now - IDEMPOTENCY_TTL_MS)
				const prior = this.sql
					.exec<{ request_hash: string; response: string }>('SELECT request_hash, response FROM idempotency WHERE key = ?', input.idempotencyKey)
					.toArray()[0]
				if (prior) {
					return prior.request_hash === input.requestHash
						? { kind: 'replayed', response: JSON.parse(prior.response) as SendResponse }
						: { kind: 'idempotency_conflict' }
				}
			}
			const conv = this.row()
			if (!conv || conv.business_id !== input.businessId) return { kind: 'no_conversation' }
			if (conv.status === 'closed') return { kind: 'closed' }
			const at = new Date(now).toISOString()
			const first = conv.last_seq + 1
			input.jobs.forEach((job, i) => {
				const seq = first + i
				const content = i === 0
					? { request: JSON.parse(input.request) as unknown, rendered: input.rendered, apple: job.appleBody }
					: { rendered: job.rendered, apple: job.appleBody }
				this.sql.exec(
					`INSERT INTO messages (seq, id, direction, type, payload, status, dedupe_key, created_at, updated_at)
					 VALUES (?, ?, 'outbound', ?, ?, 'queued', NULL, ?, ?)`,
					seq,
					job.messageId,
					job.messageType,
					JSON.stringify(content),
					at,
					at,
				)
				this.sql.exec('INSERT INTO outbound (seq, message_id, job, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?)', seq, job.messageId, JSON.stringify(job), now)
				const requestId = job.request?.requestIdentifier
				if (typeof requestId === 'string') {
					// What the customer's reply will be matched against (interactive §2.3).
					this.sql.exec(
						'INSERT OR REPLACE INTO requests (request_id, message_id, template_id, request, created_at) VALUES (?, ?, ?, ?, ?)',
						requestId,
						job.messageId,
						job.templateId ?? null,
						JSON.stringify(job.request),
						at,
					)
				}
			})
			this.sql.exec('UPDATE conversation SET last_seq = ?, updated_at = ? WHERE id = 1', first + input.jobs.length - 1, at)
			const [primary, ...links] = input.jobs
			const response: SendResponse = {
				id: primary!.messageId,
				conversationId: this.conversationId,
				sequence: first,
				status: 'queued',
				rendered: input.rendered,
				richLinks: links.map((l, i) => ({ id: l.messageId, sequence: first + 1 + i, url: String((l.appleBody.richLinkData as { url?: unknown } | undefined)?.url ?? '') })),
			}
			if (input.idempotencyKey) {
				this.sql.exec(
					'INSERT INTO idempotency (key, request_hash, response, created_at) VALUES (?, ?, ?, ?)',
					input.idempotencyKey,
					input.requestHash,
					JSON.stringify(response),
					now,
				)
			}
			return { kind: 'accepted', response }
		})
		if (outcome.kind === 'accepted') {
			// The alarm is the safety net if this object dies before the pump runs.
			this.armAlarm(Date.now() + OUTBOX_RETRY_MS)
			this.ctx.waitUntil(this.pumpSends())
		}
		return outcome
	}

	/** Send queued messages to Apple in sequence order; one pump at a time, then flush events. */
	async pumpSends(): Promise<void> {
		try {
			await this.pump.run()
		} catch (err) {
			console.error('send pump failed; the alarm retries', String(err))
		}
		await this.flushOutbox().catch((err: unknown) => console.warn('outbox enqueue deferred to alarm:', String(err)))
	}

	/** Attempt the oldest queued send. True when it was settled (sent or failed for good). */
	private async sendHead(): Promise<boolean> {
		const head = this.sql
			.exec<{ seq: number; job: string; attempts: number; next_attempt_at: number }>(
				'SELECT seq, job, attempts, next_attempt_at FROM outbound ORDER BY seq LIMIT 1',
			)
			.toArray()[0]
		if (!head) return false
		if (head.next_attempt_at > Date.now()) {
			this.armAlarm(head.next_attempt_at)
			return false
		}
		const job = JSON.parse(head.job) as OutboundJob
		const config = getConfig(this.env)
		let result: AppleSendResult
		try {
			const prepared = await this.withAttachments(head.seq, job)
			result =
				'outcome' in prepared
					? prepared
					: await sendToApple({
							gatewayUrl: config.APPLE_GATEWAY_URL,
							token: await outboundToken(config),
							body: prepared.body,
							autoReply: job.autoReply,
							includeDataRef: job.includeDataRef,
							...(job.endpoint ? { path: job.endpoint } : {}),
						})
		} catch (err) {
			result = { outcome: 'retryable', status: null, error: String(err), retryAfterSeconds: null }
		}
		const attempts = head.attempts + 1
		const retryAt = result.outcome === 'retryable' ? nextSendAttemptAt(attempts, result.retryAfterSeconds, Date.now()) : null
		this.ctx.storage.transactionSync(() => {
			if (result.outcome === 'retryable' && retryAt !== null) {
				this.sql.exec(
					'UPDATE outbound SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?',
					attempts,
					retryAt,
					`${result.status ?? 'network'}: ${result.error}`.slice(0, 1000),
					head.seq,
				)
				this.sql.exec("UPDATE messages SET status = 'retrying', updated_at = ? WHERE seq = ?", new Date().toISOString(), head.seq)
				return
			}
			this.sql.exec('DELETE FROM outbound WHERE seq = ?', head.seq)
			if (job.attachmentIds?.length) this.ctx.waitUntil(this.unpin(job))
			const sent = result.outcome === 'accepted'
			const at = new Date()
			this.sql.exec('UPDATE messages SET status = ?, updated_at = ? WHERE seq = ?', sent ? 'sent' : 'failed', at.toISOString(), head.seq)
			const conv = this.row()!
			const base = { businessId: conv.business_id, conversationId: this.conversationId, customerId: conv.customer_id, sequence: head.seq }
			const common = { messageId: job.messageId, type: job.messageType, rendered: job.rendered, attempts }
			const event = result.outcome === 'accepted'
				? makeEvent('message.sent', base, { ...common, dataRef: result.dataRef }, at)
				: makeEvent('message.failed', base, {
						...common,
						appleStatus: result.status,
						appleBody: result.error,
						reason: result.outcome === 'rejected' ? 'apple_rejected' : 'retries_exhausted',
					}, at)
			this.insertEvent(head.seq, event, at.toISOString())
			this.armAlarm(Date.now() + OUTBOX_RETRY_MS)
		})
		if (result.outcome === 'accepted' && result.dataRef && job.templateId) {
			// Keep Apple's reference with the template so the next send reuses it (spec core §4.8).
			const businessId = this.row()!.business_id
			await this.env.BUSINESS.getByName(businessId)
				.setTemplateDataRef(job.templateId, JSON.stringify(result.dataRef))
				.catch((err: unknown) => console.warn('template dataRef not stored', String(err)))
		}
		if (retryAt !== null) {
			this.armAlarm(retryAt)
			return false
		}
		return true
	}

	/**
	 * The Apple body of a job, with its attachments encrypted and uploaded (spec core §5.2) on
	 * the first attempt and kept for retries; or a final/retryable failure to settle with.
	 */
	private async withAttachments(seq: number, job: OutboundJob): Promise<{ body: OutboundJob['appleBody'] } | AppleSendResult> {
		const ids = job.attachmentIds ?? []
		if (ids.length === 0) return { body: job.appleBody }
		if (!job.preparedAttachments) {
			const conv = this.row()!
			const businessId = conv.business_id
			// MMCS calls carry the id Apple knows the business by (Source-Id; spec core §5.2).
			const client = mmcsClientFor(this.env, conv.apple_business_id ?? businessId)
			const prepared: AppleAttachment[] = []
			for (const id of ids) {
				try {
					prepared.push(await prepareOutboundAttachment(this.env, businessId, id, client, { maxAttempts: 1 }))
				} catch (err) {
					if (!(err instanceof OutboundAttachmentError)) throw err
					return err.retryable
						? { outcome: 'retryable', status: err.status, error: `attachment ${id}: ${err.message}`, retryAfterSeconds: null }
						: { outcome: 'rejected', status: err.status ?? 0, error: `attachment ${id}: ${err.message}` }
				}
			}
			job.preparedAttachments = prepared
			this.sql.exec('UPDATE outbound SET job = ? WHERE seq = ?', JSON.stringify(job), seq)
		}
		const text = typeof job.appleBody.body === 'string' ? job.appleBody.body : ''
		return {
			body: { ...job.appleBody, body: bodyWithAttachmentMarkers(text, ids.length), attachments: job.preparedAttachments },
		}
	}

	private async unpin(job: OutboundJob): Promise<void> {
		const businessId = this.row()?.business_id
		if (!businessId) return
		await Promise.all((job.attachmentIds ?? []).map((attachmentId) => unpinAttachment(this.env, { businessId, attachmentId, holder: job.messageId }))).catch(
			(err: unknown) => console.warn('unpin failed; the pin expires by itself', String(err)),
		)
	}

	/**
	 * Messages in sequence order, both directions, with status; cursor = sequence. Returned
	 * as a JSON string of a MessagePage: free-form content does not survive RPC typing.
	 */
	messages(opts: { limit: number; after: number | null; before: number | null; order: 'asc' | 'desc' }): string {
		const rows = this.sql
			.exec<{ seq: number; id: string; direction: string; type: string; payload: string; status: string; created_at: string; updated_at: string }>(
				`SELECT seq, id, direction, type, payload, status, created_at, updated_at FROM messages
				 WHERE (? IS NULL OR seq > ?) AND (? IS NULL OR seq < ?)
				 ORDER BY seq ${opts.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
				opts.after,
				opts.after,
				opts.before,
				opts.before,
				opts.limit + 1,
			)
			.toArray()
		const page = rows.slice(0, opts.limit).map(
			(r): MessageRecord => ({
				id: r.id,
				sequence: r.seq,
				direction: r.direction as MessageRecord['direction'],
				type: r.type,
				status: r.status,
				content: JSON.parse(r.payload) as unknown,
				createdAt: r.created_at,
				updatedAt: r.updated_at,
			}),
		)
		const result: MessagePage = { data: page, hasMore: rows.length > opts.limit }
		return JSON.stringify(result)
	}
}
