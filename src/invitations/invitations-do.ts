/**
 * One Durable Object per business for its invitations (docs/invitations.md "Storage"): the
 * opt-out check, the rate limit and the insert are one transaction, so two concurrent
 * invitations cannot both pass a limit or slip past an opt-out. Its events are business-level
 * (no conversation): the same outbox table and courier as a conversation's deliver them, the
 * webhook queue rings this object for events whose conversationId is null, and its alarm and
 * the cron's watchlist cover retries. The class keeps the RPC surface; store.ts and send.ts
 * do the work.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../context'
import { deliverHead, reopenEvent, type CourierMode, type EventOwner } from '../conversation/courier'
import { handoffBodies, markRung, pendingEventCount } from '../conversation/outbox'
import { watchlistStub, WATCH_SHARDS } from '../conversation/watchlist-do'
import { Coalesced } from '../lib/coalesced'
import { errorText, log } from '../lib/log'
import { migrate } from '../lib/sql-migrations'
import { invitationsWatchKey } from './directory'
import type { CreateOutcome, CreateRequest, Invitation, InvitationStatus, OptOut } from './schemas'
import { sendDue, syncAlarm, earliestDue } from './send'
import {
	MIGRATIONS,
	clearOptOut,
	createInvitation,
	findForAnswer,
	listInvitations,
	listOptOuts,
	priorAnswer,
	readInvitation,
	readMeta,
	recordOptOut,
	toInvitation,
	transition,
} from './store'

const ALARM_ROUNDS = 5

export class Invitations extends DurableObject<Env> {
	private readonly sql: SqlStorage
	private readonly transaction = <T>(fn: () => T): T => this.ctx.storage.transactionSync(fn)
	private readonly pump = new Coalesced(async () => {
		const deps = { env: this.env, sql: this.sql, transaction: this.transaction }
		while (await sendDue(deps)) {
			// next due invitation
		}
	})
	private eager = false
	private readonly courier = new Coalesced(async () => {
		let mode: CourierMode = this.eager ? 'eager' : 'due'
		this.eager = false
		while ((await deliverHead({ env: this.env, sql: this.sql, owner: () => this.owner() }, mode)) === 'continue') mode = 'eager'
	})
	private readonly handoff = new Coalesced(() => this.handOffOnce())
	/** Events already handed to the queue, in memory only, as a conversation does (conversation-do.ts). */
	private readonly rung = new Set<string>()

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		ctx.blockConcurrencyWhile(async () => migrate(this.sql, MIGRATIONS))
	}

	private owner(): EventOwner | null {
		const meta = readMeta(this.sql)
		// Business-level events follow the business's default route (no intent or group).
		return meta ? { businessId: meta.business_id, route: { intent: null, group: null }, conversationId: null } : null
	}

	// ── Business API ────────────────────────────────────────────────────────────────────

	create(req: CreateRequest): CreateOutcome {
		const outcome = this.transaction(() => {
			const o = createInvitation(this.sql, req)
			if (o.kind === 'created') syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return o
		})
		if (outcome.kind === 'created') this.ctx.waitUntil(this.work())
		return outcome
	}

	/** A repeated Idempotency-Key is answered before the logo is fetched again. */
	priorAnswer(key: string, requestHash: string): CreateOutcome | null {
		return priorAnswer(this.sql, key, requestHash)
	}

	get(id: string): Invitation | null {
		const row = readInvitation(this.sql, id)
		return row ? toInvitation(row) : null
	}

	list(q: { limit: number; cursor: string | null; status: InvitationStatus | null; phoneNumber: string | null }): Invitation[] {
		return listInvitations(this.sql, q)
	}

	optOuts(limit: number, after: string | null): OptOut[] {
		return listOptOuts(this.sql, limit, after)
	}

	clearOptOut(phoneNumber: string): boolean {
		return clearOptOut(this.sql, phoneNumber)
	}

	/** The business was deleted: its invitations and opt-outs (phone numbers) go with it. */
	async destroy(): Promise<void> {
		await this.ctx.storage.deleteAlarm()
		await this.ctx.storage.deleteAll()
		// deleteAll drops the schema too; recreate it so this instance stays usable.
		migrate(this.sql, MIGRATIONS)
		this.rung.clear()
	}

	// ── What the customer did (the Apple inbound route) ─────────────────────────────────

	/** The invitation an answer is for, without changing anything (the conversation records the answer first). */
	findForAnswer(m: { requestIdentifier: string | null; referenceId: string | null; phoneNumber: string | null }): { id: string } | null {
		const row = findForAnswer(this.sql, m)
		return row ? { id: row.id } : null
	}

	/** Accepted, with the conversation the answer started. Repeating it changes nothing. */
	markAccepted(id: string, a: { conversationId: string; customerId: string; choice: Invitation['choice'] }): boolean {
		const changed = this.transaction(() => {
			const row = readInvitation(this.sql, id)
			if (!row || (row.status !== 'submitting' && row.status !== 'submitted')) return false
			transition(this.sql, id, { status: 'accepted', conversationId: a.conversationId, customerId: a.customerId, choice: a.choice })
			syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return true
		})
		if (changed) this.ctx.waitUntil(this.work())
		return changed
	}

	recordOptOut(referenceIds: string[], customerId: string): { phones: number; declined: string[] } {
		const r = this.transaction(() => {
			const out = recordOptOut(this.sql, referenceIds, customerId)
			if (out.declined.length > 0) syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return out
		})
		if (r.declined.length > 0) this.ctx.waitUntil(this.work())
		return { phones: r.phones.length, declined: r.declined }
	}

	// ── Delivery (the webhook queue's doorbell, replays) ────────────────────────────────

	/** The consumer's doorbell; the event ids matter only to conversations (their index feed). */
	async deliver(_eventIds: string[] = []): Promise<void> {
		this.eager = true
		await this.courier.run().catch((err: unknown) => log.error('invitation delivery run failed; the alarm retries', { error: errorText(err) }))
		await this.afterRun()
	}

	async replay(eventId: string): Promise<boolean> {
		const found = this.transaction(() => {
			const ok = reopenEvent(this.sql, eventId)
			if (ok) syncAlarm(this.sql, this.ctx.storage, Date.now(), false)
			return ok
		})
		if (found) this.ctx.waitUntil(this.deliver())
		return found
	}

	pendingEvents(): number {
		return pendingEventCount(this.sql)
	}

	private async handOffOnce(): Promise<void> {
		const meta = readMeta(this.sql)
		if (!meta) return
		const bodies = handoffBodies(this.sql, null, meta.business_id, { intent: null, group: null }).filter((b) => !this.rung.has(b.eventId))
		if (bodies.length === 0) return
		await this.env.WEBHOOK_QUEUE.sendBatch(bodies.map((body) => ({ body, contentType: 'json' as const })))
		// The queue message is only a doorbell; the mark keeps a long line from ringing again
		// (an object evicted before it delivers the event itself when it falls due; the stored
		// state is what prevents duplicates).
		markRung(
			this.sql,
			bodies.map((b) => b.eventId),
		)
		if (this.rung.size > 10_000) this.rung.clear()
		for (const b of bodies) this.rung.add(b.eventId)
	}

	/** Sends that are due, then the doorbell for the events they (and the caller) wrote. */
	private async work(): Promise<void> {
		await this.pump.run().catch((err: unknown) => log.error('invitation send failed; the alarm retries', { error: errorText(err) }))
		await this.handoff.run().catch((err: unknown) => log.warn('queue handoff failed; the alarm delivers', { error: errorText(err) }))
		await this.afterRun()
	}

	// ── Alarm and cron ──────────────────────────────────────────────────────────────────

	override async alarm(): Promise<void> {
		this.sql.exec('UPDATE meta SET alarm_at = NULL WHERE id = 1')
		await this.workDue()
	}

	async redrive(): Promise<{ pending: boolean }> {
		await this.workDue()
		return { pending: earliestDue(this.sql).at !== null }
	}

	private async workDue(): Promise<void> {
		for (let round = 0; round < ALARM_ROUNDS; round++) {
			await this.pump.run().catch((err: unknown) => log.error('invitation send failed', { error: errorText(err) }))
			await this.courier.run().catch((err: unknown) => log.error('invitation delivery run failed', { error: errorText(err) }))
			await this.handoff.run().catch((err: unknown) => log.warn('queue handoff failed', { error: errorText(err) }))
			const due = earliestDue(this.sql).at
			if (due === null || due > Date.now()) break
		}
		await this.afterRun(true)
	}

	/** Re-arm from storage; while something waits on a retry, the cron's watchlist knows this object. */
	private async afterRun(inAlarm = false): Promise<void> {
		const due = this.transaction(() => syncAlarm(this.sql, this.ctx.storage, Date.now(), inAlarm))
		const meta = readMeta(this.sql)
		if (!meta) return
		const key = invitationsWatchKey(meta.business_id)
		const shard = WATCH_SHARDS[parseInt(this.ctx.id.toString()[0] ?? '0', 16)] ?? '0'
		try {
			if (due.retrying && meta.watched === 0) {
				await watchlistStub(this.env, shard).watch(key)
				this.sql.exec('UPDATE meta SET watched = 1 WHERE id = 1')
			} else if (due.at === null && meta.watched === 1) {
				await watchlistStub(this.env, shard).unwatch(key)
				this.sql.exec('UPDATE meta SET watched = 0 WHERE id = 1')
			}
		} catch (err) {
			log.warn('watchlist update failed; retried on the next run', { businessId: meta.business_id, error: errorText(err) })
		}
	}
}
