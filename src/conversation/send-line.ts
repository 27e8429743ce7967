/**
 * The send line: queued business messages go to Apple one at a time in sequence order
 * (docs/ARCHITECTURE.md "Life of a send"). 429, 5xx and timeouts are retried at the stored
 * time while later messages wait behind, so order holds; any other 4xx is final and becomes
 * `message.failed` with Apple's status and body. Attachments are encrypted and uploaded on
 * the first attempt and kept for retries.
 */
import { sendToApple, type AppleSendResult } from '../apple/gateway-client'
import { mmcsClientFor } from '../attachments/client'
import { bodyWithAttachmentMarkers, OutboundAttachmentError, prepareOutboundAttachment, type AppleAttachment } from '../attachments/outbound'
import { unpinAttachment } from '../attachments/purge'
import { businessStub } from '../business/directory'
import { getConfig, type Env } from '../context'
import { errorText, log } from '../lib/log'
import { outboundToken } from '../lib/outbound-token'
import { makeEvent } from './events'
import { doorbellToRide, insertEvent } from './outbox'
import { nextSendAttemptAt, type OutboundJob } from './outbound'
import { readRow } from './schema'

export interface SendLineDeps {
	env: Env
	sql: SqlStorage
	conversationId: string
	transaction: <T>(fn: () => T) => T
	waitUntil: (p: Promise<unknown>) => void
}

/** Attempt the oldest queued send. True when it was settled (the next may go). */
export async function sendHead(deps: SendLineDeps, now = Date.now()): Promise<boolean> {
	const { sql, env } = deps
	const head = sql
		.exec<{ seq: number; job: string; attempts: number; next_attempt_at: number }>(
			'SELECT seq, job, attempts, next_attempt_at FROM outbound ORDER BY seq LIMIT 1',
		)
		.toArray()[0]
	if (!head || head.next_attempt_at > now) return false
	const job = JSON.parse(head.job) as OutboundJob
	const config = getConfig(env)
	let result: AppleSendResult
	try {
		const prepared = await withAttachments(deps, head.seq, job)
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
		result = { outcome: 'retryable', status: null, error: errorText(err), retryAfterSeconds: null }
	}
	const attempts = head.attempts + 1
	const retryAt = result.outcome === 'retryable' ? nextSendAttemptAt(attempts, result.retryAfterSeconds, Date.now()) : null
	deps.transaction(() => {
		const at = new Date()
		if (result.outcome === 'retryable' && retryAt !== null) {
			sql.exec(
				'UPDATE outbound SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?',
				attempts,
				retryAt,
				`${result.status ?? 'network'}: ${result.error}`.slice(0, 1000),
				head.seq,
			)
			sql.exec("UPDATE messages SET status = 'retrying', updated_at = ? WHERE seq = ?", at.toISOString(), head.seq)
			return
		}
		sql.exec('DELETE FROM outbound WHERE seq = ?', head.seq)
		const sent = result.outcome === 'accepted'
		sql.exec('UPDATE messages SET status = ?, updated_at = ? WHERE seq = ?', sent ? 'sent' : 'failed', at.toISOString(), head.seq)
		const conv = readRow(sql)!
		const base = { businessId: conv.business_id, conversationId: deps.conversationId, customerId: conv.customer_id, sequence: head.seq }
		const common = {
			messageId: job.messageId,
			type: job.messageType,
			rendered: job.rendered,
			...(job.renderReason ? { renderReason: job.renderReason } : {}),
			...(job.warnings?.length ? { warnings: job.warnings } : {}),
			attempts,
		}
		const event =
			result.outcome === 'accepted'
				? makeEvent('message.sent', base, { ...common, dataRef: result.dataRef }, at)
				: makeEvent(
						'message.failed',
						base,
						{ ...common, appleStatus: result.status, appleBody: result.error, reason: result.outcome === 'rejected' ? 'apple_rejected' : 'retries_exhausted' },
						at,
					)
		// Behind a doorbell still coming it rides on it; otherwise the object rings after this run.
		const ridesUntil = doorbellToRide(sql, at.getTime())
		insertEvent(sql, head.seq, event, at.toISOString(), { handedOff: ridesUntil !== null, ridesUntil, nowMs: at.getTime() })
	})
	if (retryAt !== null) return false
	if (job.attachmentIds?.length) deps.waitUntil(unpinJob(deps, job))
	if (result.outcome === 'accepted' && result.dataRef && job.templateId) {
		// Keep Apple's reference with the template so the next send reuses it (docs/apple-protocol.md "dataRef").
		const businessId = readRow(sql)!.business_id
		await businessStub(env, businessId)
			.setTemplateDataRef(job.templateId, JSON.stringify(result.dataRef))
			.catch((err: unknown) => log.warn('template dataRef not stored', { businessId, error: errorText(err) }))
	}
	return true
}

/**
 * The Apple body of a job, with its attachments encrypted and uploaded on the first attempt
 * and kept for retries; or a final/retryable failure to settle with.
 */
async function withAttachments(deps: SendLineDeps, seq: number, job: OutboundJob): Promise<{ body: OutboundJob['appleBody'] } | AppleSendResult> {
	const ids = job.attachmentIds ?? []
	if (ids.length === 0) return { body: job.appleBody }
	if (!job.preparedAttachments) {
		const conv = readRow(deps.sql)!
		const businessId = conv.business_id
		// MMCS calls carry the id Apple knows the business by (Source-Id).
		const client = mmcsClientFor(deps.env, conv.apple_business_id ?? businessId)
		const prepared: AppleAttachment[] = []
		for (const id of ids) {
			try {
				prepared.push(await prepareOutboundAttachment(deps.env, businessId, id, client, { maxAttempts: 1 }))
			} catch (err) {
				if (!(err instanceof OutboundAttachmentError)) throw err
				return err.retryable
					? { outcome: 'retryable', status: err.status, error: `attachment ${id}: ${err.message}`, retryAfterSeconds: null }
					: { outcome: 'rejected', status: err.status ?? 0, error: `attachment ${id}: ${err.message}` }
			}
		}
		job.preparedAttachments = prepared
		deps.sql.exec('UPDATE outbound SET job = ? WHERE seq = ?', JSON.stringify(job), seq)
	}
	const text = typeof job.appleBody.body === 'string' ? job.appleBody.body : ''
	return { body: { ...job.appleBody, body: bodyWithAttachmentMarkers(text, ids.length), attachments: job.preparedAttachments } }
}

/** Release the attachment pins of jobs that will not be sent (or were sent). */
export async function unpinJobs(env: Env, businessId: string, jobs: OutboundJob[]): Promise<void> {
	const pins = jobs.flatMap((job) => (job.attachmentIds ?? []).map((attachmentId) => ({ attachmentId, holder: job.messageId })))
	await Promise.all(pins.map((p) => unpinAttachment(env, { businessId, ...p }))).catch((err: unknown) =>
		log.warn('unpin failed; the pin expires by itself', { businessId, error: errorText(err) }),
	)
}

async function unpinJob(deps: SendLineDeps, job: OutboundJob): Promise<void> {
	const businessId = readRow(deps.sql)?.business_id
	if (businessId) await unpinJobs(deps.env, businessId, [job])
}
