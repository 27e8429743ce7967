/**
 * One Durable Object per business + customer: the unit of ordering (docs/ARCHITECTURE.md
 * "Conversation object"). The class keeps the RPC surface, the alarm and the runners; each
 * job lives in its own module of functions over `sql`:
 * record-inbound (dedupe, sequence, state, events), staging-line (attachments before their
 * event), outbox + courier (events until delivered or dead-lettered), send-accept +
 * send-line (idempotent accept, ordered sends to Apple), hosted-outcome, history, and
 * schedule (the alarm, derived from storage).
 */
import { DurableObject } from 'cloudflare:workers'
import type { BusinessMessage } from '../apple/outbound'
import { getConfig, type Env } from '../context'
import { conversationIndexStub } from '../business/directory'
import type { WebhookEvent } from '../delivery/queue-messages'
import type { HostedOutcomeInput } from '../hosted/outcome'
import { abandonHosted } from '../hosted'
import { Coalesced } from '../lib/coalesced'
import { AppError } from '../lib/errors'
import { errorText, log } from '../lib/log'
import { migrate } from '../lib/sql-migrations'
import { reportToHub } from '../live/hub-feed'
import { prepareSend } from '../messaging/prepare-send'
import { inboxSummary, inboxSummaryAfterInbound, threadPage } from './console-view'
import { deliverHead, reopenEvent, type BeforeAttempt, type CourierMode, type EventOwner } from './courier'
import { historyPage, type HistoryQuery } from './history'
import { recordHostedOutcome, type HostedRecordStatus } from './hosted-outcome'
import { recordInbound, storedRequest, type InboundRecord, type ReceiveResult } from './record-inbound'
import { handoffBodies, markRung, pendingEventCount } from './outbox'
import type { SendRequest, SendResult } from './outbound'
import { armFor, syncAlarm, earliestDue, type Due } from './schedule'
import { readRow, toState, FRESH_SCHEMA, MIGRATIONS, type ConversationState } from './schema'
import { accept, precheck, refusal } from './send-accept'
import { sendHead, unpinJobs } from './send-line'
import { stageHead } from './staging-line'
import { watchlistFor } from './watchlist-do'

export type { ConversationState } from './schema'
export type { InboundRecord, ReceiveResult } from './record-inbound'

/** How many rounds one alarm works through due heads before it re-arms. */
const ALARM_ROUNDS = 5

export class Conversation extends DurableObject<Env> {
	private readonly sql: SqlStorage
	private readonly transaction = <T>(fn: () => T): T => this.ctx.storage.transactionSync(fn)
	private readonly handoff = new Coalesced(() => this.handOffOnce())
	private readonly stager = new Coalesced(async () => {
		while (await stageHead({ env: this.env, sql: this.sql, transaction: this.transaction, storedRequest: (id) => storedRequest(this.sql, id) })) {
			// keep going while held messages are released
		}
	})
	private readonly pump = new Coalesced(async () => {
		const deps = {
			env: this.env,
			sql: this.sql,
			conversationId: this.conversationId,
			transaction: this.transaction,
			waitUntil: (p: Promise<unknown>) => this.ctx.waitUntil(p),
		}
		while (await sendHead(deps)) {
			// keep going while the head of the line was settled
		}
	})
	/**
	 * Events this object rang for itself, and events the consumer came back with: their index
	 * feed comes from the consumer's reading of the queue body. Memory only (docs/ARCHITECTURE.md
	 * "Delivery"); forgetting costs one extra index upsert.
	 */
	private readonly rung = new Set<string>()
	/** Set by the consumer's doorbell: events never attempted may go before their watchdog time. */
	private eager = false
	private readonly courier = new Coalesced(async () => {
		let mode: CourierMode = this.eager ? 'eager' : 'due'
		this.eager = false
		const deps = {
			env: this.env,
			sql: this.sql,
			owner: () => this.eventOwner(),
			beforeAttempt: (e: BeforeAttempt, m: CourierMode) => this.noteStarted(e, m),
		}
		while ((await deliverHead(deps, mode)) === 'continue') {
			// The line moves: events never tried go now, even those whose doorbell already rang
			// while they waited behind a retry.
			mode = 'eager'
		}
	})
	/**
	 * The business console's inbox hears of every change, after it is durable and off the
	 * caller's path; reports of this isolate's conversations go to the hub in batches
	 * (live/hub-feed.ts, docs/console.md "Live updates").
	 */
	private readonly consoleFeed = new Coalesced(async () => {
		try {
			const summary = inboxSummary(this.sql, this.conversationId)
			if (!summary) return
			reportToHub(this.env, (p) => this.ctx.waitUntil(p), readRow(this.sql)!.business_id, {
				conversationId: this.conversationId,
				sequence: summary.lastSequence,
				summary: JSON.stringify(summary),
			})
		} catch (err) {
			log.warn('console hub update failed', { conversationId: this.conversationId, error: errorText(err) })
		}
	})
	/** Sends being prepared, by Idempotency-Key: a concurrent duplicate waits for the first. */
	private readonly inflight = new Map<string, { hash: string; result: Promise<SendResult> }>()

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		ctx.blockConcurrencyWhile(async () => migrate(this.sql, MIGRATIONS, FRESH_SCHEMA))
	}

	get conversationId(): string {
		return this.ctx.id.toString()
	}

	state(): ConversationState | null {
		const r = readRow(this.sql)
		return r ? toState(this.conversationId, r) : null
	}

	// ── Inbound ─────────────────────────────────────────────────────────────────────────

	/**
	 * Record one inbound Apple message. Returns once the message, its events and the alarm
	 * are durable (the RPC reply waits on the output gate), with the doorbell the caller
	 * sends; a message that waits for staging rings from here once released.
	 */
	receive(rec: InboundRecord): ReceiveResult {
		const result = this.transaction(() => {
			const r = recordInbound(this.sql, this.conversationId, rec, (id) => storedRequest(this.sql, id))
			if (r.status === 'recorded') armFor(this.sql, this.ctx.storage, r.storedAlarm, r.addedDue, Date.now())
			return r
		})
		let summary: string | null = null
		if (result.status === 'recorded') {
			// The caller reports the inbox row, batched with other conversations' (live/hub-feed.ts).
			try {
				const s = result.recorded ? inboxSummaryAfterInbound(this.sql, this.conversationId, result.recorded) : null
				summary = s && JSON.stringify(s)
			} catch (err) {
				// The message is durable: the answer (and its doorbell) must not fail for the console's sake.
				log.warn('inbox summary failed; the next change reports', { conversationId: this.conversationId, error: errorText(err) })
			}
			if (result.staging) this.ctx.waitUntil(this.stageInbound())
		}
		return { conversationId: result.conversationId, status: result.status, sequence: result.sequence, doorbell: result.doorbell, summary }
	}

	async recordHostedOutcome(input: HostedOutcomeInput): Promise<{ status: HostedRecordStatus }> {
		const status = this.transaction(() => {
			const s = recordHostedOutcome(this.sql, this.conversationId, input)
			if (s === 'recorded') syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return s
		})
		if (status === 'recorded') {
			this.ctx.waitUntil(this.ringDoorbell())
			this.ctx.waitUntil(this.consoleFeed.run())
		}
		return { status }
	}

	private async stageInbound(): Promise<void> {
		await this.stager
			.run()
			.catch((err: unknown) => log.error('staging failed; the alarm retries', { conversationId: this.conversationId, error: errorText(err) }))
		this.ctx.waitUntil(this.consoleFeed.run())
		await this.ringDoorbell()
	}

	// ── Delivery ────────────────────────────────────────────────────────────────────────

	/** Hand new events to the queue; the consumer comes back through `deliver`. */
	private async ringDoorbell(): Promise<void> {
		await this.handoff
			.run()
			.catch((err: unknown) => log.warn('queue handoff failed; the alarm delivers', { conversationId: this.conversationId, error: errorText(err) }))
	}

	private async handOffOnce(): Promise<void> {
		const conv = readRow(this.sql)
		if (!conv) return
		const bodies = handoffBodies(this.sql, this.conversationId, conv.business_id, { intent: conv.intent, group: conv.grp }).filter(
			(b) => !this.rung.has(b.eventId),
		)
		if (bodies.length === 0) return
		await this.env.WEBHOOK_QUEUE.sendBatch(bodies.map((body) => ({ body, contentType: 'json' as const })))
		// The queue message is a doorbell, not the delivery: what the business received is the
		// event's stored state, written by the courier. The mark lets later events ride on this
		// ring; it joins the commit of the run's alarm sync (docs/ARCHITECTURE.md "Delivery").
		const ids = bodies.map((b) => b.eventId)
		markRung(this.sql, ids)
		this.remember(ids)
	}

	/**
	 * The consumer's doorbell: deliver what is pending, in order. Answers when this run is done.
	 * `eventIds` are the events whose queue bodies the consumer read (and fed the index from).
	 */
	async deliver(eventIds: string[] = []): Promise<void> {
		this.remember(eventIds.slice(0, 100))
		this.eager = true
		await this.runCourier()
	}

	private eventOwner(): EventOwner | null {
		const conv = readRow(this.sql)
		return conv ? { businessId: conv.business_id, route: { intent: conv.intent, group: conv.grp }, conversationId: this.conversationId } : null
	}

	private remember(eventIds: string[]): void {
		if (this.rung.size > 10_000) this.rung.clear()
		for (const id of eventIds) this.rung.add(id)
	}

	/**
	 * The consumer feeds the conversation index from the queue bodies it reads; a
	 * `conversation.started` whose body this object has not seen come back (the route's send
	 * failed, the queue lost it, the object was evicted meanwhile) notes itself. An upsert, so
	 * a second note is harmless.
	 */
	private async noteStarted(e: BeforeAttempt, mode: CourierMode): Promise<void> {
		if (e.type !== 'conversation.started' || (this.rung.has(e.eventId) && mode === 'eager')) return
		const conv = readRow(this.sql)
		if (!conv) return
		await conversationIndexStub(this.env, conv.business_id)
			.noteConversations([{ conversationId: this.conversationId, customerId: conv.customer_id, at: e.payload.timestamp }])
			.catch((err: unknown) => log.warn('conversation index update failed', { conversationId: this.conversationId, error: errorText(err) }))
	}

	/** A dead letter replayed by the business: delivered again with the same webhook-id. */
	async replay(eventId: string): Promise<boolean> {
		const found = this.transaction(() => {
			const ok = reopenEvent(this.sql, eventId)
			if (ok) syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return ok
		})
		if (found) {
			this.eager = true
			this.ctx.waitUntil(this.runCourier())
		}
		return found
	}

	private async runCourier(): Promise<void> {
		await this.courier
			.run()
			.catch((err: unknown) => log.error('delivery run failed; the alarm retries', { conversationId: this.conversationId, error: errorText(err) }))
		await this.afterRun()
	}

	/** Events not yet delivered, dead-lettered or dropped; for tests and health checks. */
	pendingEvents(): number {
		return pendingEventCount(this.sql)
	}

	// ── Outbound ────────────────────────────────────────────────────────────────────────

	/**
	 * One business message, in one call: the Idempotency-Key and the conversation are checked
	 * first (a replay prepares nothing), then the message is prepared (template, device
	 * fitting, images, preflight, hosted state) and accepted in one transaction.
	 */
	async sendMessage(req: SendRequest): Promise<SendResult> {
		const key = req.idempotencyKey
		if (key) {
			const running = this.inflight.get(key)
			if (running) {
				const first = await running.result
				if (running.hash !== req.requestHash) return { kind: 'idempotency_conflict' }
				return first.kind === 'accepted' ? { kind: 'replayed', response: first.response } : first
			}
		}
		const early = precheck(this.sql, req.business.settings.businessId, key, req.requestHash)
		if (early) return early
		const result = this.prepareAndAccept(req)
		if (!key) return result
		this.inflight.set(key, { hash: req.requestHash, result })
		try {
			return await result
		} finally {
			this.inflight.delete(key)
		}
	}

	private async prepareAndAccept(req: SendRequest): Promise<SendResult> {
		const businessId = req.business.settings.businessId
		const state = this.state()!
		let prepared
		try {
			prepared = await prepareSend(this.env, getConfig(this.env), req.business, state, req.message as BusinessMessage, req.origin)
		} catch (err) {
			const refused = err instanceof AppError ? refusal(err) : null
			if (refused) return refused
			throw err
		}
		const outcome = this.transaction(() => {
			const o = accept(this.sql, this.conversationId, {
				businessId,
				idempotencyKey: req.idempotencyKey,
				requestHash: req.requestHash,
				messageType: prepared.messageType,
				rendered: prepared.rendered,
				request: JSON.stringify(req.message),
				jobs: prepared.jobs,
			})
			if (o.kind === 'accepted') syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return o
		})
		if (outcome.kind === 'accepted') {
			this.ctx.waitUntil(this.pumpSends())
			this.ctx.waitUntil(this.consoleFeed.run())
			return outcome
		}
		// Never reaching Apple: no OAuth state, payment session or attachment pin may linger.
		if (prepared.hostedRequestId) await abandonHosted(this.env, businessId, prepared.hostedRequestId)
		await unpinJobs(this.env, businessId, prepared.jobs)
		return outcome
	}

	private async pumpSends(): Promise<void> {
		await this.pump
			.run()
			.catch((err: unknown) => log.error('send pump failed; the alarm retries', { conversationId: this.conversationId, error: errorText(err) }))
		this.ctx.waitUntil(this.consoleFeed.run())
		await this.ringDoorbell()
		await this.afterRun()
	}

	/** Messages in sequence order with their delivery state; a JSON string of a MessagePage. */
	messages(q: HistoryQuery): string {
		return JSON.stringify(historyPage(this.sql, q))
	}

	/** The console's view of the history: each message with its events' data (console-view.ts). */
	consoleThread(q: HistoryQuery): string {
		return JSON.stringify(threadPage(this.sql, q))
	}

	/** The console's inbox row, for a conversation the hub has not heard of yet. */
	consoleSummary(): string | null {
		const s = inboxSummary(this.sql, this.conversationId)
		return s ? JSON.stringify(s) : null
	}

	// ── Alarm and cron ──────────────────────────────────────────────────────────────────

	override async alarm(): Promise<void> {
		this.sql.exec('UPDATE conversation SET alarm_at = NULL WHERE id = 1')
		await this.workDue()
	}

	/** The hourly cron's re-drive of a watched conversation; false when nothing is left. */
	async redrive(): Promise<{ pending: boolean }> {
		await this.workDue()
		return { pending: earliestDue(this.sql).at !== null }
	}

	/** Everything due now, in the same invocation (a due head is handled, not re-armed). */
	private async workDue(): Promise<void> {
		for (let round = 0; round < ALARM_ROUNDS; round++) {
			await this.stager.run().catch((err: unknown) => log.error('staging failed', { conversationId: this.conversationId, error: errorText(err) }))
			await this.pump.run().catch((err: unknown) => log.error('send pump failed', { conversationId: this.conversationId, error: errorText(err) }))
			// Overdue events the courier takes itself; those released or emitted just now go by the doorbell.
			await this.courier.run().catch((err: unknown) => log.error('delivery run failed', { conversationId: this.conversationId, error: errorText(err) }))
			await this.ringDoorbell()
			const due = earliestDue(this.sql).at
			if (due === null || due > Date.now()) break
		}
		this.ctx.waitUntil(this.consoleFeed.run())
		await this.afterRun(true)
	}

	/** Re-arm from storage and keep the cron's watchlist in step with retrying work. */
	private async afterRun(inAlarm = false): Promise<void> {
		const due: Due = this.transaction(() => syncAlarm(this.sql, this.ctx.storage, Date.now(), inAlarm))
		const row = readRow(this.sql)
		if (!row) return
		try {
			if (due.retrying && row.watched === 0) {
				await watchlistFor(this.env, this.conversationId).watch(this.conversationId)
				this.sql.exec('UPDATE conversation SET watched = 1 WHERE id = 1')
			} else if (due.at === null && row.watched === 1) {
				await watchlistFor(this.env, this.conversationId).unwatch(this.conversationId)
				this.sql.exec('UPDATE conversation SET watched = 0 WHERE id = 1')
			}
		} catch (err) {
			log.warn('watchlist update failed; retried on the next run', { conversationId: this.conversationId, error: errorText(err) })
		}
	}
}
