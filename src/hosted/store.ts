/**
 * Per-business storage of the hosted flows, run inside the Business Durable Object
 * (business-do.ts delegates to these functions): pending authentication and Apple Pay
 * requests, and Messages for Business account links (landing page).
 *
 * A hosted request is claimed at most once (OAuth `state` replay protection,
 * docs/apple-interactive.md §5.6; Apple Pay's payment gateway call, §5.5), settled with the
 * outcome the business receives, and emitted through an outbox: the outcome is stored
 * before it is sent to the conversation, and the object's alarm re-sends what did not go
 * out, so an outcome is never lost. A legacy flow's private key lives in `secret` only until
 * the request is claimed or expires (then the column is cleared).
 */
import { log } from '../lib/log'

/** Appended to the Business object's migrations (business-do.ts). */
export const HOSTED_MIGRATION = `CREATE TABLE hosted_requests (
		request_id TEXT PRIMARY KEY, kind TEXT NOT NULL, conversation_id TEXT NOT NULL,
		customer_id TEXT NOT NULL, nonce TEXT NOT NULL, detail TEXT NOT NULL, secret TEXT,
		status TEXT NOT NULL, outcome TEXT, emitted INTEGER NOT NULL DEFAULT 0,
		expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, claimed_at INTEGER, settled_at INTEGER);
	 CREATE INDEX hosted_requests_open ON hosted_requests (status, expires_at);
	 CREATE TABLE account_links (
		account_id TEXT PRIMARY KEY, name TEXT, logo_url TEXT, linked_by TEXT NOT NULL, linked_at TEXT NOT NULL);
	 CREATE TABLE account_alias (
		id INTEGER PRIMARY KEY CHECK (id = 1), business_id TEXT NOT NULL, linked_by TEXT NOT NULL, linked_at TEXT NOT NULL);`

export type HostedKind = 'authenticate' | 'applePay'
export type HostedStatus = 'pending' | 'claimed' | 'settled'

/** A claimed request whose worker died mid-exchange is expired after this long. */
export const CLAIM_TIMEOUT_MS = 5 * 60_000
/** Settled rows are kept this long so a replayed state or callback is still recognised. */
export const SETTLED_RETENTION_MS = 24 * 3600_000
/** Outbox retry interval when an outcome could not be sent to its conversation. */
export const EMIT_RETRY_MS = 60_000

export interface HostedRequestInput {
	requestId: string
	kind: HostedKind
	conversationId: string
	customerId: string
	/** The nonce in the state / path token; a token with another nonce is refused. */
	nonce: string
	/** Free-form JSON (RPC carries text; src/hosted parses it with zod). */
	detailJson: string
	/** Sealed secret (legacy private key), cleared on claim or expiry. */
	secret: string | null
	expiresAt: number
}

/** A stored request as read back: the input without its secret, plus its life cycle. */
export interface HostedRequest extends Omit<HostedRequestInput, 'secret'> {
	status: HostedStatus
	outcomeJson: string | null
	emitted: boolean
	createdAt: number
	settledAt: number | null
}

export type HostedClaim =
	| { status: 'claimed'; request: HostedRequest; secret: string | null }
	| { status: 'unknown' }
	| { status: 'mismatch' }
	| { status: 'replayed'; request: HostedRequest }
	| { status: 'expired'; request: HostedRequest }

interface Row {
	request_id: string
	kind: string
	conversation_id: string
	customer_id: string
	nonce: string
	detail: string
	secret: string | null
	status: string
	outcome: string | null
	emitted: number
	expires_at: number
	created_at: number
	claimed_at: number | null
	settled_at: number | null
	[k: string]: SqlStorageValue
}

const toRequest = (r: Row): HostedRequest => ({
	requestId: r.request_id,
	kind: r.kind as HostedKind,
	conversationId: r.conversation_id,
	customerId: r.customer_id,
	nonce: r.nonce,
	detailJson: r.detail,
	status: r.status as HostedStatus,
	outcomeJson: r.outcome,
	emitted: r.emitted === 1,
	expiresAt: r.expires_at,
	createdAt: r.created_at,
	settledAt: r.settled_at,
})

function row(sql: SqlStorage, requestId: string): Row | null {
	return sql.exec<Row>('SELECT * FROM hosted_requests WHERE request_id = ?', requestId).toArray()[0] ?? null
}

export function getHostedRequest(sql: SqlStorage, requestId: string): HostedRequest | null {
	const r = row(sql, requestId)
	return r ? toRequest(r) : null
}

/** False when the request id is taken (ids are fresh UUIDs: a clash is a caller bug). */
export function putHostedRequest(sql: SqlStorage, input: HostedRequestInput, now: number): boolean {
	const written = sql.exec(
		`INSERT INTO hosted_requests (request_id, kind, conversation_id, customer_id, nonce, detail, secret,
			status, expires_at, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (request_id) DO NOTHING`,
		input.requestId,
		input.kind,
		input.conversationId,
		input.customerId,
		input.nonce,
		input.detailJson,
		input.secret,
		input.expiresAt,
		now,
	).rowsWritten
	return written > 0
}

/**
 * Claim a pending request for the one caller that may complete it. A redirect proves
 * itself with the nonce of its state (already authenticated by the token's MAC, so the
 * comparison needs no constant time); a device reply with its conversation.
 */
export function claimHostedRequest(
	sql: SqlStorage,
	requestId: string,
	kind: HostedKind,
	check: { nonce?: string; conversationId?: string },
	now: number,
): HostedClaim {
	const r = row(sql, requestId)
	if (!r || r.kind !== kind) return { status: 'unknown' }
	if (check.nonce !== undefined && r.nonce !== check.nonce) return { status: 'mismatch' }
	if (check.conversationId !== undefined && r.conversation_id !== check.conversationId) return { status: 'mismatch' }
	if (r.status !== 'pending') return { status: 'replayed', request: toRequest(r) }
	if (r.expires_at <= now) return { status: 'expired', request: toRequest(r) }
	sql.exec("UPDATE hosted_requests SET status = 'claimed', claimed_at = ?, secret = NULL WHERE request_id = ?", now, requestId)
	return { status: 'claimed', request: toRequest({ ...r, status: 'claimed', claimed_at: now }), secret: r.secret }
}

/**
 * Record the outcome; only the first settlement counts (a late device reply must not
 * overwrite the redirect's result). `first` tells the caller whether its outcome is the
 * one stored (and so the one to emit). Null for an unknown id.
 */
export function settleHostedRequest(sql: SqlStorage, requestId: string, outcomeJson: string, now: number): { first: boolean; request: HostedRequest } | null {
	const written = sql.exec(
		`UPDATE hosted_requests SET status = 'settled', outcome = ?, settled_at = ?, secret = NULL
		 WHERE request_id = ? AND status != 'settled'`,
		outcomeJson,
		now,
		requestId,
	).rowsWritten
	const request = getHostedRequest(sql, requestId)
	return request ? { first: written > 0, request } : null
}

/** Delivered: keep only the summary (no token) for replay recognition. */
export function markHostedEmitted(sql: SqlStorage, requestId: string, summaryJson: string): void {
	sql.exec('UPDATE hosted_requests SET emitted = 1, outcome = ? WHERE request_id = ?', summaryJson, requestId)
}

/** A request whose message never reached Apple: forget it without an outcome. */
export function dropHostedRequest(sql: SqlStorage, requestId: string): boolean {
	return sql.exec("DELETE FROM hosted_requests WHERE request_id = ? AND status = 'pending'", requestId).rowsWritten > 0
}

/** Open requests whose time is up (pending past expiry, or claimed and abandoned). */
export function dueForExpiry(sql: SqlStorage, now: number): HostedRequest[] {
	return sql
		.exec<Row>(
			`SELECT * FROM hosted_requests
			 WHERE (status = 'pending' AND expires_at <= ?) OR (status = 'claimed' AND claimed_at <= ?)
			 LIMIT 100`,
			now,
			now - CLAIM_TIMEOUT_MS,
		)
		.toArray()
		.map(toRequest)
}

export function unemitted(sql: SqlStorage): HostedRequest[] {
	return sql.exec<Row>("SELECT * FROM hosted_requests WHERE status = 'settled' AND emitted = 0 LIMIT 100").toArray().map(toRequest)
}

/** Drop old settled rows; an outcome that never went out is dropped (and logged) after the retention too. */
export function purgeHosted(sql: SqlStorage, now: number): number {
	const stale = sql
		.exec<{ request_id: string }>(
			"SELECT request_id FROM hosted_requests WHERE status = 'settled' AND emitted = 0 AND settled_at <= ?",
			now - SETTLED_RETENTION_MS,
		)
		.toArray()
	for (const s of stale) log.error('hosted outcome could not be delivered to its conversation; dropped', { requestId: s.request_id })
	return sql.exec("DELETE FROM hosted_requests WHERE status = 'settled' AND settled_at <= ?", now - SETTLED_RETENTION_MS).rowsWritten
}

/** When the alarm should next run, or null when nothing is open. */
export function nextHostedWake(sql: SqlStorage, now: number): number | null {
	const r = sql
		.exec<{ pending: number | null; claimed: number | null; settled: number | null; unemitted: number }>(
			`SELECT
				(SELECT MIN(expires_at) FROM hosted_requests WHERE status = 'pending') AS pending,
				(SELECT MIN(claimed_at) FROM hosted_requests WHERE status = 'claimed') AS claimed,
				(SELECT MIN(settled_at) FROM hosted_requests WHERE status = 'settled') AS settled,
				(SELECT COUNT(*) FROM hosted_requests WHERE status = 'settled' AND emitted = 0) AS unemitted`,
		)
		.toArray()[0]
	if (!r) return null
	const candidates = [
		r.pending,
		r.claimed === null ? null : r.claimed + CLAIM_TIMEOUT_MS,
		r.settled === null ? null : r.settled + SETTLED_RETENTION_MS,
		r.unemitted > 0 ? now + EMIT_RETRY_MS : null,
	].filter((x): x is number => x !== null)
	return candidates.length === 0 ? null : Math.max(now + 1000, Math.min(...candidates))
}

// ---------------------------------------------------------------------------------------
// Account links (landing page, docs/apple-protocol.md §6.2).

export interface AccountLink {
	accountId: string
	name: string | null
	logoUrl: string | null
	linkedBy: string
	linkedAt: string
}

export interface AccountAlias {
	businessId: string
	linkedBy: string
	linkedAt: string
}

/**
 * On the object named by the Messages for Business account id: which business it routes
 * to. Idempotent for the same business; a different business is a conflict (the operator
 * must unlink first).
 */
export function claimAccountAlias(
	sql: SqlStorage,
	businessId: string,
	linkedBy: string,
	now: string,
): { status: 'linked' | 'already' | 'conflict'; alias: AccountAlias } {
	const current = getAccountAlias(sql)
	if (current) return { status: current.businessId === businessId ? 'already' : 'conflict', alias: current }
	sql.exec('INSERT INTO account_alias (id, business_id, linked_by, linked_at) VALUES (1, ?, ?, ?)', businessId, linkedBy, now)
	return { status: 'linked', alias: { businessId, linkedBy, linkedAt: now } }
}

export function getAccountAlias(sql: SqlStorage): AccountAlias | null {
	const r = sql
		.exec<{ business_id: string; linked_by: string; linked_at: string }>('SELECT business_id, linked_by, linked_at FROM account_alias WHERE id = 1')
		.toArray()[0]
	return r ? { businessId: r.business_id, linkedBy: r.linked_by, linkedAt: r.linked_at } : null
}

/** On the business's object: the accounts linked to it. Idempotent on the account id. */
export function recordAccountLink(sql: SqlStorage, link: AccountLink): { status: 'linked' | 'already'; link: AccountLink } {
	const written = sql.exec(
		`INSERT INTO account_links (account_id, name, logo_url, linked_by, linked_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (account_id) DO NOTHING`,
		link.accountId,
		link.name,
		link.logoUrl,
		link.linkedBy,
		link.linkedAt,
	).rowsWritten
	const stored = listAccountLinks(sql).find((l) => l.accountId === link.accountId) ?? link
	return { status: written > 0 ? 'linked' : 'already', link: stored }
}

export function listAccountLinks(sql: SqlStorage): AccountLink[] {
	return sql
		.exec<{ account_id: string; name: string | null; logo_url: string | null; linked_by: string; linked_at: string }>(
			'SELECT * FROM account_links ORDER BY linked_at, account_id',
		)
		.toArray()
		.map((r) => ({ accountId: r.account_id, name: r.name, logoUrl: r.logo_url, linkedBy: r.linked_by, linkedAt: r.linked_at }))
}
