/**
 * What an inbound message needs before its event can leave: attachments downloaded,
 * decrypted and staged in R2 (docs/apple-protocol.md §5.3), or an interactiveDataRef reply
 * fetched and decoded (docs/apple-interactive.md §3.2). The conversation object holds the message's event
 * (and every later one, so order stays Apple's) until this is done. A final failure still
 * delivers the message: the attachment is marked failed with its reason, the text is never lost.
 */
import type { InboundAttachment, InteractiveDataRef } from '../apple/inbound'
import { normaliseReply } from '../apple/replies'
import { bytesToBase64Url, utf8 } from '../apple/encoding'
import { mmcsClientFor } from '../attachments/client'
import { attachmentForEvent, DataRefError, fetchInteractiveDataRef, stageInboundAttachment, type StagedInbound } from '../attachments/inbound'
import type { Env } from '../context'

export interface StagingJob {
	kind: 'attachments' | 'dataref'
	businessId: string
	/** The id Apple knows the business by (source-id of blob calls); may be a linked account id. */
	appleBusinessId?: string
	conversationId: string
	messageId: string
	/** Public origin of this Worker, for signed download links. */
	origin: string
	retentionDays: number
	attachments?: InboundAttachment[]
	dataRef?: InteractiveDataRef
}

/** Outcome of one staging attempt: the event data to merge, or a retry. */
export type StagingResult = { done: true; patch: Record<string, unknown> } | { done: false; reason: string }

/** A stable attachment id per message and index, so a retried staging overwrites, never duplicates. */
async function stableAttachmentId(messageId: string, index: number): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(`${messageId}\u0000${index}`)))
	return `att_${bytesToBase64Url(digest).slice(0, 22)}`
}

export async function stageOnce(
	env: Env,
	job: StagingJob,
	finalAttempt: boolean,
	lookupRequest: (requestId: string) => { messageId: string; templateId: string | null; request: unknown } | null,
): Promise<StagingResult> {
	const client = mmcsClientFor(env, job.appleBusinessId ?? job.businessId)
	if (job.kind === 'attachments') {
		const staged: StagedInbound[] = []
		for (const [index, attachment] of (job.attachments ?? []).entries()) {
			staged.push(
				await stageInboundAttachment(env, {
					businessId: job.businessId,
					conversationId: job.conversationId,
					messageId: job.messageId,
					attachment,
					client,
					retentionDays: job.retentionDays,
					attachmentId: await stableAttachmentId(job.messageId, index),
					// The object retries on its own schedule (alarm); no sleeping inside one attempt.
					maxAttempts: 1,
				}),
			)
		}
		const retry = staged.find((s) => s.status === 'failed' && s.retryable)
		if (retry && retry.status === 'failed' && !finalAttempt) return { done: false, reason: `${retry.code}: ${retry.reason}` }
		const attachments = await Promise.all(
			staged.map((s, index) => attachmentForEvent(env, { origin: job.origin, businessId: job.businessId, index, staged: s })),
		)
		return { done: true, patch: { attachments } }
	}
	try {
		const decoded = await fetchInteractiveDataRef(env, job.dataRef!, client, { maxAttempts: 1 })
		const requestId = decoded.data?.requestIdentifier ?? decoded.sessionIdentifier ?? null
		const stored = requestId ? lookupRequest(requestId) : null
		return {
			done: true,
			patch: {
				...normaliseReply(decoded, stored?.request),
				requestMessageId: stored?.messageId ?? null,
				templateId: stored?.templateId ?? null,
				byReference: true,
				raw: decoded,
			},
		}
	} catch (err) {
		const e = err instanceof DataRefError ? err : null
		if (!finalAttempt && (e === null || e.retryable)) return { done: false, reason: err instanceof Error ? err.message : String(err) }
		return {
			done: true,
			patch: {
				kind: 'unknown',
				byReference: true,
				error: { code: e?.code ?? 'decode_failed', message: err instanceof Error ? err.message : String(err) },
				raw: job.dataRef ?? null,
			},
		}
	}
}
