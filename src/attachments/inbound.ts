/**
 * Receiving: an inbound attachment or interactiveDataRef is fetched from Apple, decrypted as a
 * stream and staged in R2 (docs/apple-protocol.md §5.3; docs/apple-interactive.md §3.2):
 *
 *   preDownload → GET download-url → BYOB reads into one reused 1 MiB buffer → size check →
 *   AES-256-CTR (zero IV, counter advanced per chunk) → FixedLengthStream → R2 put
 *
 * Nothing is buffered whole (ctr-pump.ts says why this shape keeps the isolate's peak low). A transient failure (network, timeout, 5xx, a cut download) is
 * retried here a few times with a fresh preDownload each time (download URLs are short-lived,
 * §4.8); what still fails comes back as `{ status: 'failed', code, reason, retryable }` so the
 * message is delivered anyway with the attachment marked failed: the text is never lost.
 * A failed attempt leaves nothing in R2.
 */
import { AttachmentKeyError, AttachmentSizeError, parseAttachmentKey } from '../apple/attachment-cipher'
import { CtrPumpError, aesCtrPump } from '../apple/ctr-pump'
import type { InboundAttachment, InteractiveDataRef } from '../apple/inbound'
import { InboundInteractiveDataSchema, type InboundInteractiveData } from '../apple/inbound'
import type { MmcsClient } from '../apple/mmcs'
import { locatorSignature } from '../apple/mmcs-signature'
import { MmcsError } from '../apple/mmcs-types'
import type { Env } from '../context'
import { DEFAULT_LINK_TTL_MS, signedDownloadUrl } from './links'
import { GENERIC_MIME, declaredMime } from './sniff'
import { DEFAULT_RETENTION_DAYS, MAX_ATTACHMENT_BYTES, attachmentKey, cleanName, expiresAtFor, newAttachmentId, type AttachmentMeta } from './attachment-meta'
import { putWritten } from './r2-staging'
import { errorText } from '../lib/log'

/** Attempts per attachment within one call, and the pauses between them. */
export const DEFAULT_ATTEMPTS = 3
export const DEFAULT_RETRY_DELAYS_MS = [500, 2_000]
/** interactiveDataRef blobs are JSON-sized (> 10 KB, images included); decodePayload needs them whole. */
export const MAX_DATA_REF_BYTES = 10 * 1024 * 1024

export type InboundFailureCode =
	| 'invalid_key'
	| 'invalid_signature'
	| 'too_large'
	| 'size_mismatch'
	| 'truncated'
	| 'predownload_failed'
	| 'download_failed'
	| 'decode_failed'
	| 'storage_failed'

export type StagedInbound =
	| { status: 'ready'; id: string; name: string; mimeType: string; size: number; expiresAt: number }
	| {
			status: 'failed'
			name: string
			mimeType: string
			size: number
			code: InboundFailureCode
			reason: string
			/** True when a later retry (e.g. by the conversation's alarm) could still succeed. */
			retryable: boolean
			attempts: number
	  }

class Failure extends Error {
	constructor(
		readonly code: InboundFailureCode,
		readonly retryable: boolean,
		message: string,
	) {
		super(message)
		this.name = 'InboundAttachmentFailure'
	}
}

export interface RetryOptions {
	maxAttempts?: number
	retryDelaysMs?: readonly number[]
}

export interface StageInboundRequest extends RetryOptions {
	businessId: string
	conversationId: string
	/** Apple's message id, kept in the object's metadata for support. */
	messageId?: string
	attachment: InboundAttachment
	client: MmcsClient
	/** The business's `attachmentRetentionDays`. */
	retentionDays?: number
	/** Give a stable id (e.g. derived from message id + index) to make a re-run overwrite, not duplicate. */
	attachmentId?: string
	now?: number
}

export async function stageInboundAttachment(env: Env, req: StageInboundRequest): Promise<StagedInbound> {
	const a = req.attachment
	const name = cleanName(a.name)
	// Apple's type as given (e.g. its `image/jpg`), but only if it is a well-formed type: it
	// becomes a response header of the download endpoints.
	const mimeType = declaredMime(a.mimeType) ?? GENERIC_MIME
	const size = a.size
	const id = req.attachmentId ?? newAttachmentId()
	const key = attachmentKey(req.businessId, id)
	const now = req.now ?? Date.now()
	const meta: AttachmentMeta = {
		name,
		mimeType,
		size,
		createdAt: now,
		expiresAt: expiresAtFor(now, req.retentionDays ?? DEFAULT_RETENTION_DAYS),
		direction: 'inbound',
		conversationId: req.conversationId,
		...(req.messageId ? { messageId: req.messageId } : {}),
	}
	const failed = (f: Failure, attempts: number): StagedInbound => ({
		status: 'failed',
		name,
		mimeType,
		size,
		code: f.code,
		reason: f.message,
		retryable: f.retryable,
		attempts,
	})

	let rawKey: Uint8Array
	let signatureBase64: string
	try {
		if (size > MAX_ATTACHMENT_BYTES) throw new Failure('too_large', false, `attachment is ${size} bytes, over the ${MAX_ATTACHMENT_BYTES}-byte limit`)
		rawKey = decodeKey(a.key)
		signatureBase64 = decodeSignature(a)
	} catch (err) {
		return failed(classify(err), 0)
	}

	const outcome = await withRetries(req, async () => {
		const body = await download(req.client, { url: a.url, owner: a.owner, signatureBase64 }, size)
		try {
			await putWritten(env.ATTACHMENTS, key, meta, (sink) => aesCtrPump(body, sink, rawKey, { expectedSize: size, sinkCopies: true }))
		} catch (err) {
			// The pump says which side failed; an error from R2 itself is a storage failure.
			if (err instanceof AttachmentSizeError || (err instanceof CtrPumpError && err.side === 'source')) throw err
			throw new Failure('storage_failed', true, `staging in R2 failed: ${errorText(err)}`)
		}
	})
	if (outcome.ok) return { status: 'ready', id, name, mimeType, size, expiresAt: meta.expiresAt }
	return failed(outcome.failure, outcome.attempts)
}

/** An interactiveDataRef could not be resolved; `retryable` as for attachments. */
export class DataRefError extends Error {
	constructor(
		readonly code: InboundFailureCode,
		readonly retryable: boolean,
		message: string,
	) {
		super(message)
		this.name = 'DataRefError'
	}
}

/**
 * Resolve an interactiveDataRef (a reply over 10 KB; docs/apple-interactive.md §3.2) into the interactive
 * data dictionary, exactly as if it had arrived inline as `interactiveData`: download and
 * decrypt like an attachment (into memory: decodePayload needs the whole blob, and it is
 * small), then `POST /v1/decodePayload` with header `bid`. Throws DataRefError.
 */
export async function fetchInteractiveDataRef(
	_env: Env,
	ref: InteractiveDataRef,
	client: MmcsClient,
	opts: RetryOptions = {},
): Promise<InboundInteractiveData> {
	let rawKey: Uint8Array
	let signatureBase64: string
	try {
		if (ref.size > MAX_DATA_REF_BYTES) throw new Failure('too_large', false, `interactiveDataRef is ${ref.size} bytes, over ${MAX_DATA_REF_BYTES}`)
		rawKey = decodeKey(ref.key)
		signatureBase64 = decodeSignature({ signature: ref.signature, signatureBase64: ref['signature-base64'] })
	} catch (err) {
		const f = classify(err)
		throw new DataRefError(f.code, f.retryable, f.message)
	}
	let decoded: Record<string, unknown> | undefined
	const outcome = await withRetries(opts, async () => {
		const body = await download(client, { url: ref.url, owner: ref.owner, signatureBase64 }, ref.size)
		const plain = new Uint8Array(ref.size)
		let filled = 0
		await aesCtrPump(
			body,
			new WritableStream<Uint8Array>({
				write(chunk) {
					// The pump stops at ref.size already; this only guards the buffer.
					if (filled + chunk.byteLength > plain.byteLength) throw new AttachmentSizeError(ref.size, filled + chunk.byteLength, 'too_long')
					plain.set(chunk, filled)
					filled += chunk.byteLength
				},
			}),
			rawKey,
			{ expectedSize: ref.size },
		)
		try {
			decoded = await client.decodePayload(ref.bid, plain)
		} catch (err) {
			if (err instanceof MmcsError) throw new Failure('decode_failed', err.retryable, err.message)
			throw err
		}
	})
	if (!outcome.ok) throw new DataRefError(outcome.failure.code, outcome.failure.retryable, outcome.failure.message)
	const parsed = InboundInteractiveDataSchema.safeParse(decoded)
	if (!parsed.success) throw new DataRefError('decode_failed', false, 'decodePayload answered something that is not interactive data')
	return parsed.data
}

/**
 * One attachment of `message.received` (docs/product.md "Webhooks"): id, name, MIME type, size and
 * a signed, expiring link for a staged file; the reason for a failed one. The link expires
 * with the file at the latest.
 */
export async function attachmentForEvent(
	env: Env,
	opts: { origin: string; businessId: string; index: number; staged: StagedInbound; linkTtlMs?: number; now?: number },
): Promise<Record<string, unknown>> {
	const s = opts.staged
	if (s.status === 'failed') {
		return {
			index: opts.index,
			status: 'failed',
			name: s.name,
			mimeType: s.mimeType,
			size: s.size,
			error: { code: s.code, message: s.reason, retryable: s.retryable },
		}
	}
	const linkExpiresAt = Math.min((opts.now ?? Date.now()) + (opts.linkTtlMs ?? DEFAULT_LINK_TTL_MS), s.expiresAt)
	return {
		index: opts.index,
		status: 'ready',
		id: s.id,
		name: s.name,
		mimeType: s.mimeType,
		size: s.size,
		url: await signedDownloadUrl(env, opts.origin, { businessId: opts.businessId, attachmentId: s.id, expiresAt: linkExpiresAt }),
		urlExpiresAt: new Date(Math.ceil(linkExpiresAt / 1000) * 1000).toISOString(),
		expiresAt: new Date(s.expiresAt).toISOString(),
	}
}

// --- shared steps -----------------------------------------------------------------------

function decodeKey(key: string): Uint8Array {
	try {
		return parseAttachmentKey(key)
	} catch (err) {
		throw new Failure('invalid_key', false, err instanceof Error ? err.message : 'invalid key')
	}
}

function decodeSignature(sig: { signature?: string | undefined; signatureBase64?: string | undefined }): string {
	try {
		return locatorSignature(sig)
	} catch (err) {
		throw new Failure('invalid_signature', false, err instanceof Error ? err.message : 'invalid signature')
	}
}

/** preDownload + GET; a Content-Length that contradicts `size` fails before any byte is staged. */
async function download(
	client: MmcsClient,
	locator: { url: string; owner: string; signatureBase64: string },
	size: number,
): Promise<ReadableStream<Uint8Array>> {
	let downloadUrl: string
	try {
		;({ downloadUrl } = await client.preDownload(locator))
	} catch (err) {
		if (err instanceof MmcsError) throw new Failure('predownload_failed', err.retryable, err.message)
		throw err
	}
	let dl
	try {
		dl = await client.downloadCiphertext(downloadUrl)
	} catch (err) {
		if (err instanceof MmcsError) throw new Failure('download_failed', err.retryable, err.message)
		throw err
	}
	if (dl.contentLength !== null && dl.contentLength !== size) {
		await dl.body.cancel().catch(() => {})
		// Apple's sample raises on a mismatch (docs/apple-protocol.md §5.3 step 5); the same blob will not change.
		throw new Failure('size_mismatch', false, `download is ${dl.contentLength} bytes but the attachment says ${size}`)
	}
	return dl.body
}

async function withRetries(opts: RetryOptions, attempt: () => Promise<void>): Promise<{ ok: true } | { ok: false; failure: Failure; attempts: number }> {
	const max = Math.max(1, opts.maxAttempts ?? DEFAULT_ATTEMPTS)
	const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
	for (let n = 1; ; n++) {
		try {
			await attempt()
			return { ok: true }
		} catch (err) {
			const failure = classify(err)
			if (!failure.retryable || n >= max) return { ok: false, failure, attempts: n }
			const delay = delays[Math.min(n - 1, delays.length - 1)] ?? 0
			if (delay > 0) await sleep(delay)
		}
	}
}

function classify(err: unknown): Failure {
	if (err instanceof Failure) return err
	if (err instanceof AttachmentSizeError) {
		// A cut connection can succeed next time; a blob longer than announced will not.
		return err.reason === 'truncated' ? new Failure('truncated', true, err.message) : new Failure('size_mismatch', false, err.message)
	}
	if (err instanceof AttachmentKeyError) return new Failure('invalid_key', false, err.message)
	if (err instanceof CtrPumpError) {
		return err.side === 'source'
			? new Failure('download_failed', true, `download failed: ${errorText(err.cause)}`)
			: new Failure('storage_failed', true, err.message)
	}
	if (err instanceof MmcsError) return new Failure('download_failed', err.retryable, err.message)
	// Anything else came from reading the download (network reset, our timeout).
	return new Failure('download_failed', true, `download failed: ${errorText(err)}`)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
