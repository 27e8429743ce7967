/**
 * Accepting a business message into the send line (docs/ARCHITECTURE.md "Life of a send"):
 * the Idempotency-Key answered from storage for 24 h, the conversation checked (ours, open),
 * and the message — then its rich links — given consecutive sequences and queued for the
 * send pump. `precheck` runs before any preparation, so a replay costs no image fetch, no
 * attachment pin and no hosted request; `accept` re-checks inside the transaction.
 */
import type { AppError } from '../lib/errors'
import { IDEMPOTENCY_TTL_MS, type SendInput, type SendOutcome, type SendRefusal, type SendResponse } from './outbound'
import { readRow } from './schema'

type Early = Exclude<SendOutcome, { kind: 'accepted' }> | null

export function precheck(sql: SqlStorage, businessId: string, idempotencyKey: string | null, requestHash: string, now = Date.now()): Early {
	if (idempotencyKey) {
		const prior = sql
			.exec<{ request_hash: string; response: string; created_at: number }>(
				'SELECT request_hash, response, created_at FROM idempotency WHERE key = ?',
				idempotencyKey,
			)
			.toArray()[0]
		if (prior && prior.created_at >= now - IDEMPOTENCY_TTL_MS) {
			return prior.request_hash === requestHash ? { kind: 'replayed', response: JSON.parse(prior.response) as SendResponse } : { kind: 'idempotency_conflict' }
		}
	}
	const conv = readRow(sql)
	if (!conv || conv.business_id !== businessId) return { kind: 'no_conversation' }
	if (conv.status === 'closed') return { kind: 'closed' }
	return null
}

export function accept(sql: SqlStorage, conversationId: string, input: SendInput, now = Date.now()): SendOutcome {
	if (input.idempotencyKey) sql.exec('DELETE FROM idempotency WHERE created_at < ?', now - IDEMPOTENCY_TTL_MS)
	const early = precheck(sql, input.businessId, input.idempotencyKey, input.requestHash, now)
	if (early) return early
	const conv = readRow(sql)!
	const at = new Date(now).toISOString()
	const first = conv.last_seq + 1
	input.jobs.forEach((job, i) => {
		const seq = first + i
		const content =
			i === 0
				? { request: JSON.parse(input.request) as unknown, rendered: input.rendered, apple: job.appleBody }
				: { rendered: job.rendered, apple: job.appleBody }
		sql.exec(
			`INSERT INTO messages (seq, id, direction, type, payload, status, dedupe_key, created_at, updated_at)
			 VALUES (?, ?, 'outbound', ?, ?, 'queued', NULL, ?, ?)`,
			seq,
			job.messageId,
			job.messageType,
			JSON.stringify(content),
			at,
			at,
		)
		sql.exec('INSERT INTO outbound (seq, message_id, job, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?)', seq, job.messageId, JSON.stringify(job), now)
		const requestId = job.request?.requestIdentifier
		if (typeof requestId === 'string') {
			// What the customer's reply will be matched against (docs/apple-protocol.md "Replies").
			sql.exec(
				'INSERT OR REPLACE INTO requests (request_id, message_id, template_id, request, created_at) VALUES (?, ?, ?, ?, ?)',
				requestId,
				job.messageId,
				job.templateId ?? null,
				JSON.stringify(job.request),
				at,
			)
		}
	})
	sql.exec('UPDATE conversation SET last_seq = ?, updated_at = ? WHERE id = 1', first + input.jobs.length - 1, at)
	const [primary, ...links] = input.jobs
	const response: SendResponse = {
		id: primary!.messageId,
		conversationId,
		sequence: first,
		status: 'queued',
		rendered: input.rendered,
		...(primary!.renderReason ? { renderReason: primary!.renderReason } : {}),
		...(primary!.warnings?.length ? { warnings: primary!.warnings } : {}),
		richLinks: links.map((l, i) => ({
			id: l.messageId,
			sequence: first + 1 + i,
			url: String((l.appleBody.richLinkData as { url?: unknown } | undefined)?.url ?? ''),
		})),
	}
	if (input.idempotencyKey) {
		sql.exec(
			'INSERT INTO idempotency (key, request_hash, response, created_at) VALUES (?, ?, ?, ?)',
			input.idempotencyKey,
			input.requestHash,
			JSON.stringify(response),
			now,
		)
	}
	return { kind: 'accepted', response }
}

/** A 4xx found while preparing travels back as a value (RPC keeps no error classes); anything else throws. */
export function refusal(err: AppError): SendRefusal | null {
	const status = ([400, 404, 409, 413, 422] as const).find((s) => s === err.status)
	if (status === undefined) return null
	return {
		kind: 'refused',
		status,
		code: err.code,
		message: err.message,
		...(Array.isArray(err.details) ? { details: err.details as { path: string; message: string }[] } : {}),
	}
}
