/**
 * One Durable Object per business: its settings, hashed API keys, sealed webhook secrets,
 * the index of its conversations and the records of webhook deliveries that failed for
 * good (dead letters). Nothing on the inbound path waits on it beyond a cached read.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../context'
import { migrate } from '../lib/sql-migrations'
import type { BusinessRecord, BusinessSettings, WebhookSecret } from './schema'
import type { SettingsPatch } from './service'
import { runHostedHousekeeping, settleAndHandOver } from '../hosted/housekeeping'
import type { HostedOutcome } from '../hosted/outcome'
import {
	HOSTED_MIGRATION,
	claimAccountAlias,
	claimHostedRequest,
	dropHostedRequest,
	getAccountAlias,
	getHostedRequest,
	listAccountLinks,
	nextHostedWake,
	putHostedRequest,
	recordAccountLink,
	type AccountAlias,
	type AccountLink,
	type HostedClaim,
	type HostedKind,
	type HostedRequest,
	type HostedRequestInput,
} from '../hosted/store'

const MIGRATIONS = [
	`CREATE TABLE business (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
	 CREATE TABLE conversations (
		conversation_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
		started_at TEXT NOT NULL, last_activity_at TEXT NOT NULL);
	 CREATE INDEX conversations_activity ON conversations (last_activity_at, conversation_id);
	 CREATE TABLE dead_letters (
		id TEXT PRIMARY KEY, event_type TEXT NOT NULL, conversation_id TEXT,
		webhook_url TEXT NOT NULL, attempts INTEGER NOT NULL, last_status INTEGER,
		last_error TEXT, failed_at TEXT NOT NULL, replayed_at TEXT, queue_body TEXT NOT NULL);
	 CREATE INDEX dead_letters_failed ON dead_letters (failed_at, id);`,
	`CREATE TABLE templates (
		id TEXT PRIMARY KEY, name TEXT NOT NULL, message TEXT NOT NULL,
		data_ref TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);`,
	// Hosted flows: pending auth / Apple Pay requests and account links (src/hosted/store.ts).
	HOSTED_MIGRATION,
]

/**
 * A stored template as it crosses RPC: free-form JSON travels as text (`unknown` does not
 * survive RPC typing); templates/stored.ts parses it.
 */
export interface StoredTemplateRow {
	id: string
	name: string
	messageJson: string
	/** Apple's reusable reference for this template's large payload (docs/apple-protocol.md §4.8), if any. */
	dataRefJson: string | null
	createdAt: string
	updatedAt: string
}

interface TemplateRow {
	id: string
	name: string
	message: string
	data_ref: string | null
	created_at: string
	updated_at: string
	[k: string]: SqlStorageValue
}

const toTemplate = (r: TemplateRow): StoredTemplateRow => ({
	id: r.id,
	name: r.name,
	messageJson: r.message,
	dataRefJson: r.data_ref,
	createdAt: r.created_at,
	updatedAt: r.updated_at,
})

export interface DeadLetterInput {
	id: string
	eventType: string
	conversationId: string | null
	webhookUrl: string
	attempts: number
	lastStatus: number | null
	lastError: string | null
	queueBody: unknown
}

export interface DeadLetter extends Omit<DeadLetterInput, 'queueBody'> {
	failedAt: string
	replayedAt: string | null
}

interface DeadLetterRow {
	id: string
	event_type: string
	conversation_id: string | null
	webhook_url: string
	attempts: number
	last_status: number | null
	last_error: string | null
	failed_at: string
	replayed_at: string | null
	queue_body: string
	[k: string]: SqlStorageValue
}

const toDeadLetter = (r: DeadLetterRow): DeadLetter => ({
	id: r.id,
	eventType: r.event_type,
	conversationId: r.conversation_id,
	webhookUrl: r.webhook_url,
	attempts: r.attempts,
	lastStatus: r.last_status,
	lastError: r.last_error,
	failedAt: r.failed_at,
	replayedAt: r.replayed_at,
})

export class Business extends DurableObject<Env> {
	private readonly sql: SqlStorage

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		ctx.blockConcurrencyWhile(async () => migrate(this.sql, MIGRATIONS))
	}

	get(): BusinessRecord | null {
		const row = this.sql.exec<{ record: string }>('SELECT record FROM business WHERE id = 1').toArray()[0]
		return row ? (JSON.parse(row.record) as BusinessRecord) : null
	}

	private put(record: BusinessRecord): BusinessRecord {
		this.sql.exec('INSERT INTO business (id, record) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record', JSON.stringify(record))
		return record
	}

	/** Create; returns null when the business already exists (the caller answers 409). */
	create(input: { settings: BusinessSettings; apiKeyHash: string; webhookSecretSealed: string }): BusinessRecord | null {
		if (this.get()) return null
		const now = new Date().toISOString()
		return this.put({
			settings: input.settings,
			apiKeyHashes: [input.apiKeyHash],
			webhookSecrets: [{ sealed: input.webhookSecretSealed }],
			disabledEndpoints: [],
			createdAt: now,
			updatedAt: now,
		})
	}

	/** A settings change merged here, in one turn, so concurrent changes never lose each other's fields. */
	patch(change: SettingsPatch): BusinessRecord | null {
		const current = this.get()
		if (!current) return null
		const settings: BusinessSettings = { ...current.settings, ...change.set }
		for (const key of change.remove) delete settings[key]
		return this.update(settings)
	}

	update(settings: BusinessSettings): BusinessRecord | null {
		const current = this.get()
		if (!current) return null
		// A changed URL is a fresh endpoint: it starts enabled.
		const urls = new Set([settings.webhookUrl, ...settings.routes.map((r) => r.webhookUrl)])
		return this.put({
			...current,
			settings,
			disabledEndpoints: current.disabledEndpoints.filter((u) => urls.has(u)),
			updatedAt: new Date().toISOString(),
		})
	}

	/** Replace the API key: the old one stops working at once (it may have leaked). */
	rotateApiKey(apiKeyHash: string): BusinessRecord | null {
		const current = this.get()
		if (!current) return null
		return this.put({ ...current, apiKeyHashes: [apiKeyHash], updatedAt: new Date().toISOString() })
	}

	/**
	 * New webhook secret; the previous one keeps signing beside it for `overlapMs` so
	 * receivers can switch without dropping events (Standard Webhooks multi-signature).
	 */
	rotateWebhookSecret(sealed: string, overlapMs: number): BusinessRecord | null {
		const current = this.get()
		if (!current) return null
		const now = Date.now()
		const previous: WebhookSecret[] = current.webhookSecrets
			.filter((s) => s.expiresAt === undefined || s.expiresAt > now)
			.map((s) => ({ sealed: s.sealed, expiresAt: s.expiresAt ?? now + overlapMs }))
		return this.put({
			...current,
			webhookSecrets: [{ sealed }, ...previous],
			updatedAt: new Date().toISOString(),
		})
	}

	disableEndpoint(url: string): void {
		const current = this.get()
		if (!current || current.disabledEndpoints.includes(url)) return
		this.put({ ...current, disabledEndpoints: [...current.disabledEndpoints, url] })
	}

	async destroy(): Promise<boolean> {
		const existed = this.get() !== null
		await this.ctx.storage.deleteAll()
		// deleteAll drops the schema too; recreate it so this instance stays usable.
		migrate(this.sql, MIGRATIONS)
		return existed
	}

	noteConversation(conversationId: string, customerId: string, at: string): void {
		this.sql.exec(
			`INSERT INTO conversations (conversation_id, customer_id, started_at, last_activity_at)
			 VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET last_activity_at = excluded.last_activity_at`,
			conversationId,
			customerId,
			at,
			at,
		)
	}

	/** Index several conversations in one transaction (from a queue batch). */
	noteConversations(rows: { conversationId: string; customerId: string; at: string }[]): void {
		for (const r of rows) this.noteConversation(r.conversationId, r.customerId, r.at)
	}

	listConversations(limit: number, after: string | null): { conversationId: string; customerId: string; startedAt: string }[] {
		return this.sql
			.exec<{ conversation_id: string; customer_id: string; started_at: string }>(
				`SELECT conversation_id, customer_id, started_at FROM conversations
				 WHERE ? IS NULL OR conversation_id > ? ORDER BY conversation_id LIMIT ?`,
				after,
				after,
				limit,
			)
			.toArray()
			.map((r) => ({ conversationId: r.conversation_id, customerId: r.customer_id, startedAt: r.started_at }))
	}

	addDeadLetter(input: DeadLetterInput): void {
		this.sql.exec(
			`INSERT INTO dead_letters (id, event_type, conversation_id, webhook_url, attempts, last_status,
				last_error, failed_at, replayed_at, queue_body)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
			 ON CONFLICT (id) DO UPDATE SET attempts = excluded.attempts, last_status = excluded.last_status,
				last_error = excluded.last_error, failed_at = excluded.failed_at, replayed_at = NULL,
				webhook_url = excluded.webhook_url`,
			input.id,
			input.eventType,
			input.conversationId,
			input.webhookUrl,
			input.attempts,
			input.lastStatus,
			input.lastError,
			new Date().toISOString(),
			JSON.stringify(input.queueBody),
		)
	}

	/** Newest first; `before` is the cursor (failed_at|id of the last row seen). */
	listDeadLetters(limit: number, before: { failedAt: string; id: string } | null, includeReplayed: boolean): DeadLetter[] {
		return this.sql
			.exec<DeadLetterRow>(
				`SELECT * FROM dead_letters
				 WHERE (? = 1 OR replayed_at IS NULL)
				   AND (? IS NULL OR failed_at < ? OR (failed_at = ? AND id < ?))
				 ORDER BY failed_at DESC, id DESC LIMIT ?`,
				includeReplayed ? 1 : 0,
				before?.failedAt ?? null,
				before?.failedAt ?? null,
				before?.failedAt ?? null,
				before?.id ?? null,
				limit,
			)
			.toArray()
			.map(toDeadLetter)
	}

	/** Mark a dead letter replayed and hand back the queue body to send again. */
	takeForReplay(id: string): unknown | null {
		const row = this.sql.exec<DeadLetterRow>('SELECT * FROM dead_letters WHERE id = ?', id).toArray()[0]
		if (!row) return null
		this.sql.exec('UPDATE dead_letters SET replayed_at = ? WHERE id = ?', new Date().toISOString(), id)
		return JSON.parse(row.queue_body)
	}

	putTemplate(id: string, name: string, messageJson: string, create: boolean): StoredTemplateRow | null {
		const now = new Date().toISOString()
		const exists = this.sql.exec('SELECT 1 FROM templates WHERE id = ?', id).toArray().length > 0
		if (create === exists) return null
		if (create) {
			this.sql.exec('INSERT INTO templates (id, name, message, data_ref, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)', id, name, messageJson, now, now)
		} else {
			// New content invalidates Apple's stored reference to the old payload.
			this.sql.exec('UPDATE templates SET name = ?, message = ?, data_ref = NULL, updated_at = ? WHERE id = ?', name, messageJson, now, id)
		}
		return this.getTemplate(id)
	}

	getTemplate(id: string): StoredTemplateRow | null {
		const row = this.sql.exec<TemplateRow>('SELECT * FROM templates WHERE id = ?', id).toArray()[0]
		return row ? toTemplate(row) : null
	}

	listTemplates(limit: number, after: string | null): StoredTemplateRow[] {
		return this.sql.exec<TemplateRow>('SELECT * FROM templates WHERE ? IS NULL OR id > ? ORDER BY id LIMIT ?', after, after, limit).toArray().map(toTemplate)
	}

	deleteTemplate(id: string): boolean {
		return this.sql.exec('DELETE FROM templates WHERE id = ?', id).rowsWritten > 0
	}

	setTemplateDataRef(id: string, dataRefJson: string): void {
		this.sql.exec('UPDATE templates SET data_ref = ? WHERE id = ?', dataRefJson, id)
	}

	// --- Hosted flows (src/hosted/store.ts holds the SQL; these are the RPC surface). ---

	async putHostedRequest(input: HostedRequestInput): Promise<boolean> {
		const ok = putHostedRequest(this.sql, input, Date.now())
		if (ok) await this.armHostedAlarm()
		return ok
	}

	claimHostedRequest(requestId: string, kind: HostedKind, check: { nonce?: string; conversationId?: string }): HostedClaim {
		return claimHostedRequest(this.sql, requestId, kind, check, Date.now())
	}

	/** Settle, hand over to the conversation and mark emitted, in one call (hosted/housekeeping.ts). */
	async settleHostedRequest(input: {
		requestId: string
		sealed: string
		outcome: HostedOutcome
	}): Promise<{ first: boolean; emitted: boolean; request: HostedRequest } | null> {
		const settled = await settleAndHandOver(this.sql, this.env, input)
		// A hand-over that failed is the alarm's to retry.
		if (settled?.first && !settled.emitted) await this.armHostedAlarm()
		return settled
	}

	hostedRequest(requestId: string): HostedRequest | null {
		return getHostedRequest(this.sql, requestId)
	}

	dropHostedRequest(requestId: string): boolean {
		return dropHostedRequest(this.sql, requestId)
	}

	/** On the object named by a Messages for Business account id (landing page). */
	claimAccountAlias(businessId: string, linkedBy: string): { status: 'linked' | 'already' | 'conflict'; alias: AccountAlias } {
		return claimAccountAlias(this.sql, businessId, linkedBy, new Date().toISOString())
	}

	accountAlias(): AccountAlias | null {
		return getAccountAlias(this.sql)
	}

	recordAccountLink(link: AccountLink): { status: 'linked' | 'already'; link: AccountLink } {
		return recordAccountLink(this.sql, link)
	}

	accountLinks(): AccountLink[] {
		return listAccountLinks(this.sql)
	}

	private async armHostedAlarm(): Promise<void> {
		const next = nextHostedWake(this.sql, Date.now())
		if (next === null) return
		const current = await this.ctx.storage.getAlarm()
		if (current === null || current > next) await this.ctx.storage.setAlarm(next)
	}

	/** Only hosted requests use the alarm so far: expiry, outcome outbox, purge. */
	override async alarm(): Promise<void> {
		const next = await runHostedHousekeeping(this.sql, this.env)
		if (next !== null) await this.ctx.storage.setAlarm(next)
	}
}
