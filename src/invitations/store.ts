/**
 * The invitations object's storage (docs/invitations.md "Storage"): invitations with their
 * state and the Apple body kept for retries, the business's opt-outs, Idempotency-Keys, and
 * the event outbox (the same table shape as a conversation's, so the courier delivers it).
 * Every state change writes its `invitation.updated` event in the same transaction.
 * Functions over `sql`, called inside the object's transactions.
 */
import { notificationBody, type NotificationBody } from '../apple/notification'
import { IDEMPOTENCY_TTL_MS } from '../conversation/outbound'
import { insertEvent } from '../conversation/outbox'
import type { CreatedInvitation, CreateOutcome, CreateRequest, Invitation, InvitationStatus, OptOut } from './schemas'

export const MIGRATIONS = [
	`CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), business_id TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
		last_n INTEGER NOT NULL DEFAULT 0, alarm_at INTEGER, watched INTEGER NOT NULL DEFAULT 0);
	 CREATE TABLE invitations (
		id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, phone TEXT NOT NULL, template_id TEXT NOT NULL,
		reference_id TEXT NOT NULL, locale TEXT, brand_name TEXT, has_logo INTEGER NOT NULL,
		status TEXT NOT NULL, request_id TEXT NOT NULL, job TEXT, attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt_at INTEGER, apple_status INTEGER, apple_body TEXT, conversation_id TEXT, customer_id TEXT,
		choice TEXT, created_ms INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
	 CREATE INDEX invitations_created ON invitations (created_ms);
	 CREATE INDEX invitations_phone ON invitations (phone, n);
	 CREATE INDEX invitations_reference ON invitations (reference_id);
	 CREATE INDEX invitations_request ON invitations (request_id);
	 CREATE INDEX invitations_due ON invitations (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
	 CREATE TABLE opt_outs (phone TEXT PRIMARY KEY, reference_ids TEXT NOT NULL, opted_out_at TEXT NOT NULL);
	 CREATE TABLE idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);
	 CREATE TABLE events (
		event_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
		created_at TEXT NOT NULL, blocked INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending',
		attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL DEFAULT 0, handed_off INTEGER NOT NULL DEFAULT 0,
		last_status INTEGER, last_error TEXT, settled_at TEXT);
	 CREATE INDEX events_pending ON events (state, seq) WHERE state = 'pending';`,
] as const

export interface InvitationRow {
	id: string
	n: number
	phone: string
	template_id: string
	reference_id: string
	locale: string | null
	brand_name: string | null
	has_logo: number
	status: InvitationStatus
	request_id: string
	job: string | null
	attempts: number
	next_attempt_at: number | null
	apple_status: number | null
	apple_body: string | null
	conversation_id: string | null
	customer_id: string | null
	choice: string | null
	created_ms: number
	created_at: string
	updated_at: string
	[k: string]: SqlStorageValue
}

export interface MetaRow {
	business_id: string
	last_seq: number
	last_n: number
	alarm_at: number | null
	watched: number
	[k: string]: SqlStorageValue
}

export const readMeta = (sql: SqlStorage): MetaRow | null => sql.exec<MetaRow>('SELECT * FROM meta WHERE id = 1').toArray()[0] ?? null

export function toInvitation(r: InvitationRow): Invitation {
	return {
		id: r.id,
		status: r.status,
		phoneNumber: r.phone,
		templateId: r.template_id,
		referenceId: r.reference_id,
		locale: r.locale,
		brandName: r.brand_name,
		hasBrandLogo: r.has_logo === 1,
		appleStatus: r.apple_status,
		appleBody: r.apple_body,
		attempts: r.attempts,
		conversationId: r.conversation_id,
		customerId: r.customer_id,
		choice: r.choice ? (JSON.parse(r.choice) as Invitation['choice']) : null,
		createdAt: r.created_at,
		updatedAt: r.updated_at,
	}
}

const newId = () => `inv_${crypto.randomUUID().replace(/-/g, '')}`

/**
 * Idempotency-Key, opt-out and rate limit, in that order, then the invitation stored with its
 * Apple body and its first event. Nothing is written unless the invitation is created.
 */
export function createInvitation(sql: SqlStorage, req: CreateRequest, now = Date.now()): CreateOutcome {
	if (req.idempotencyKey) {
		sql.exec('DELETE FROM idempotency WHERE created_at < ?', now - IDEMPOTENCY_TTL_MS)
		const prior = priorAnswer(sql, req.idempotencyKey, req.requestHash, now)
		if (prior) return prior
	}
	if (isOptedOut(sql, req.phoneNumber)) return { kind: 'opted_out' }
	const windowMs = req.rateLimit.windowSeconds * 1000
	const recent = sql
		.exec<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(created_ms) AS oldest FROM invitations WHERE created_ms > ?', now - windowMs)
		.one()
	if (recent.n >= req.rateLimit.limit) {
		// The window slides: a slot frees when the oldest invitation in it leaves.
		const freeAt = (recent.oldest ?? now) + windowMs
		return { kind: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) }
	}
	let meta = readMeta(sql)
	if (!meta) {
		sql.exec('INSERT INTO meta (id, business_id) VALUES (1, ?)', req.businessId)
		meta = readMeta(sql)!
	}
	const id = newId()
	const referenceId = req.referenceId ?? id
	const requestId = crypto.randomUUID()
	const body = notificationBody({
		id: crypto.randomUUID(),
		sourceId: req.sourceId,
		phoneNumber: req.phoneNumber,
		requestIdentifier: requestId,
		templateId: req.templateId,
		referenceId,
		...(req.locale ? { locale: req.locale } : {}),
		...(req.brandName ? { brandName: req.brandName } : {}),
		...(req.brandLogo ? { brandLogo: req.brandLogo } : {}),
	})
	const at = new Date(now).toISOString()
	const n = meta.last_n + 1
	sql.exec(
		`INSERT INTO invitations (id, n, phone, template_id, reference_id, locale, brand_name, has_logo, status, request_id,
			job, attempts, next_attempt_at, created_ms, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'submitting', ?, ?, 0, ?, ?, ?, ?)`,
		id,
		n,
		req.phoneNumber,
		req.templateId,
		referenceId,
		req.locale,
		req.brandName,
		req.brandLogo ? 1 : 0,
		requestId,
		JSON.stringify(body),
		now,
		now,
		at,
		at,
	)
	sql.exec('UPDATE meta SET last_n = ? WHERE id = 1', n)
	emitUpdated(sql, readInvitation(sql, id)!, null, now)
	const response: CreatedInvitation = { id, status: 'submitting', referenceId }
	if (req.idempotencyKey) {
		sql.exec(
			'INSERT INTO idempotency (key, request_hash, response, created_at) VALUES (?, ?, ?, ?)',
			req.idempotencyKey,
			req.requestHash,
			JSON.stringify(response),
			now,
		)
	}
	return { kind: 'created', response }
}

/** The answer already given to this Idempotency-Key (within 24 h), or null. */
export function priorAnswer(
	sql: SqlStorage,
	key: string,
	requestHash: string,
	now = Date.now(),
): Extract<CreateOutcome, { kind: 'replayed' | 'idempotency_conflict' }> | null {
	const prior = sql
		.exec<{ request_hash: string; response: string }>(
			'SELECT request_hash, response FROM idempotency WHERE key = ? AND created_at >= ?',
			key,
			now - IDEMPOTENCY_TTL_MS,
		)
		.toArray()[0]
	if (!prior) return null
	return prior.request_hash === requestHash ? { kind: 'replayed', response: JSON.parse(prior.response) as CreatedInvitation } : { kind: 'idempotency_conflict' }
}

export const readInvitation = (sql: SqlStorage, id: string): InvitationRow | null =>
	sql.exec<InvitationRow>('SELECT * FROM invitations WHERE id = ?', id).toArray()[0] ?? null

/** `invitation.updated` for the row as it now is (docs/product.md "Webhooks"). */
function emitUpdated(sql: SqlStorage, row: InvitationRow, previous: InvitationStatus | null, now: number, reason?: string): void {
	const meta = readMeta(sql)!
	const seq = meta.last_seq + 1
	sql.exec('UPDATE meta SET last_seq = ? WHERE id = 1', seq)
	const inv = toInvitation(row)
	const at = new Date(now).toISOString()
	insertEvent(
		sql,
		seq,
		{
			type: 'invitation.updated',
			timestamp: at,
			data: {
				businessId: meta.business_id,
				conversationId: inv.conversationId,
				customerId: inv.customerId,
				sequence: seq,
				invitationId: inv.id,
				status: inv.status,
				previousStatus: previous,
				referenceId: inv.referenceId,
				phoneNumber: inv.phoneNumber,
				templateId: inv.templateId,
				...(inv.appleStatus !== null ? { appleStatus: inv.appleStatus, appleBody: inv.appleBody } : {}),
				...(inv.choice ? { choice: inv.choice } : {}),
				...(reason ? { reason } : {}),
			},
		},
		at,
		{ nowMs: now },
	)
}

export interface Transition {
	status: InvitationStatus
	appleStatus?: number | null
	appleBody?: string | null
	attempts?: number
	conversationId?: string
	customerId?: string
	choice?: Invitation['choice']
	reason?: string
}

/** Move an invitation to a new state, ending its sends, with its event. */
export function transition(sql: SqlStorage, id: string, t: Transition, now = Date.now()): void {
	const before = readInvitation(sql, id)
	if (!before) return
	const at = new Date(now).toISOString()
	// A settled send keeps no Apple body (it may hold a logo); retries need it until then.
	const settled = t.status !== 'submitting'
	sql.exec(
		`UPDATE invitations SET status = ?, apple_status = CASE WHEN ? THEN NULL ELSE COALESCE(?, apple_status) END,
			apple_body = CASE WHEN ? THEN NULL ELSE COALESCE(?, apple_body) END,
			attempts = COALESCE(?, attempts), conversation_id = COALESCE(?, conversation_id), customer_id = COALESCE(?, customer_id),
			choice = COALESCE(?, choice), job = CASE WHEN ? THEN NULL ELSE job END,
			next_attempt_at = CASE WHEN ? THEN NULL ELSE next_attempt_at END, updated_at = ? WHERE id = ?`,
		t.status,
		// Apple's status is kept for refusals; a send that got through forgets earlier failed attempts.
		t.status === 'submitted' ? 1 : 0,
		t.appleStatus ?? null,
		t.status === 'submitted' ? 1 : 0,
		t.appleBody ?? null,
		t.attempts ?? null,
		t.conversationId ?? null,
		t.customerId ?? null,
		t.choice ? JSON.stringify(t.choice) : null,
		settled ? 1 : 0,
		settled ? 1 : 0,
		at,
		id,
	)
	emitUpdated(sql, readInvitation(sql, id)!, before.status, now, t.reason)
}

/** The next invitation whose send to Apple is due, or null. */
export function dueSend(sql: SqlStorage, now: number): { id: string; phone: string; body: NotificationBody; attempts: number } | null {
	const r = sql
		.exec<{ id: string; phone: string; job: string; attempts: number }>(
			"SELECT id, phone, job, attempts FROM invitations WHERE status = 'submitting' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ? AND job IS NOT NULL ORDER BY next_attempt_at LIMIT 1",
			now,
		)
		.toArray()[0]
	return r ? { id: r.id, phone: r.phone, body: JSON.parse(r.job) as NotificationBody, attempts: r.attempts } : null
}

export const isOptedOut = (sql: SqlStorage, phone: string): boolean => sql.exec('SELECT 1 FROM opt_outs WHERE phone = ?', phone).toArray().length > 0

export function scheduleRetry(sql: SqlStorage, id: string, attempts: number, at: number, lastStatus: number | null, lastError: string): void {
	sql.exec(
		'UPDATE invitations SET attempts = ?, next_attempt_at = ?, apple_status = ?, apple_body = ?, updated_at = ? WHERE id = ?',
		attempts,
		at,
		lastStatus,
		lastError.slice(0, 2000),
		new Date().toISOString(),
		id,
	)
}

export function listInvitations(
	sql: SqlStorage,
	q: { limit: number; cursor: string | null; status: InvitationStatus | null; phoneNumber: string | null },
): Invitation[] {
	const before = q.cursor ? (sql.exec<{ n: number }>('SELECT n FROM invitations WHERE id = ?', q.cursor).toArray()[0]?.n ?? 0) : null
	return sql
		.exec<InvitationRow>(
			`SELECT * FROM invitations WHERE (? IS NULL OR n < ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR phone = ?)
			 ORDER BY n DESC LIMIT ?`,
			before,
			before,
			q.status,
			q.status,
			q.phoneNumber,
			q.phoneNumber,
			q.limit,
		)
		.toArray()
		.map(toInvitation)
}

// ——— answers and opt-outs ———

/**
 * The invitation an answer belongs to: by the request identifier we sent, else Apple's echo
 * of the reference id, else (a `tel:` sender) the latest one sent to that number.
 */
export function findForAnswer(
	sql: SqlStorage,
	m: { requestIdentifier: string | null; referenceId: string | null; phoneNumber: string | null },
): InvitationRow | null {
	const open = "status IN ('submitting', 'submitted', 'accepted')"
	if (m.requestIdentifier) {
		const r = sql.exec<InvitationRow>('SELECT * FROM invitations WHERE request_id = ?', m.requestIdentifier).toArray()[0]
		if (r) return r
	}
	if (m.referenceId) {
		const r = sql.exec<InvitationRow>(`SELECT * FROM invitations WHERE reference_id = ? AND ${open} ORDER BY n DESC LIMIT 1`, m.referenceId).toArray()[0]
		if (r) return r
	}
	if (m.phoneNumber) {
		return sql.exec<InvitationRow>(`SELECT * FROM invitations WHERE phone = ? AND ${open} ORDER BY n DESC LIMIT 1`, m.phoneNumber).toArray()[0] ?? null
	}
	return null
}

/**
 * A `close` with `referenceIds`: every number those invitations went to is opted out, and
 * the invitations still open are declined. Repeating it changes nothing.
 */
export function recordOptOut(sql: SqlStorage, referenceIds: string[], customerId: string, now = Date.now()): { phones: string[]; declined: string[] } {
	const rows = referenceIds.flatMap((ref) => sql.exec<InvitationRow>('SELECT * FROM invitations WHERE reference_id = ?', ref).toArray())
	const at = new Date(now).toISOString()
	const phones = [...new Set(rows.map((r) => r.phone))]
	for (const phone of phones) {
		const refs = [...new Set(rows.filter((r) => r.phone === phone).map((r) => r.reference_id))]
		const prior = sql.exec<{ reference_ids: string }>('SELECT reference_ids FROM opt_outs WHERE phone = ?', phone).toArray()[0]
		const merged = [...new Set([...(prior ? (JSON.parse(prior.reference_ids) as string[]) : []), ...refs])]
		sql.exec(
			'INSERT INTO opt_outs (phone, reference_ids, opted_out_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO UPDATE SET reference_ids = excluded.reference_ids',
			phone,
			JSON.stringify(merged),
			at,
		)
	}
	const declined: string[] = []
	for (const r of rows) {
		if (r.status !== 'submitting' && r.status !== 'submitted') continue
		transition(sql, r.id, { status: 'declined', customerId, reason: 'customer_opted_out' }, now)
		declined.push(r.id)
	}
	return { phones, declined }
}

export function listOptOuts(sql: SqlStorage, limit: number, after: string | null): OptOut[] {
	return sql
		.exec<{ phone: string; reference_ids: string; opted_out_at: string }>(
			'SELECT * FROM opt_outs WHERE ? IS NULL OR phone > ? ORDER BY phone LIMIT ?',
			after,
			after,
			limit,
		)
		.toArray()
		.map((r) => ({ phoneNumber: r.phone, referenceIds: JSON.parse(r.reference_ids) as string[], optedOutAt: r.opted_out_at }))
}

export const clearOptOut = (sql: SqlStorage, phone: string): boolean => sql.exec('DELETE FROM opt_outs WHERE phone = ?', phone).rowsWritten > 0
