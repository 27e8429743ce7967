/**
 * Sending: a staged attachment becomes Apple's attachment dictionary (docs/apple-protocol.md
 * §4.4, §5.2):
 *
 *   fresh 32-byte key → GET /v1/preUpload (MMCS-Size) → R2 get → AES-256-CTR (aesCtrPump,
 *   1 MiB at a time) → POST upload-url (Content-Length) → singleFile.fileChecksum
 *
 * and `{name, mimeType, size (string), signature-base64, url = mmcs-url, owner = mmcs-owner,
 * key = "00"+hex}` with the short key names Apple's newest sample sends. The plaintext is
 * streamed from R2 through the cipher into the upload; CTR adds no padding, so the ciphertext
 * size is the file size and is known before the first byte.
 *
 * The caller pins the attachment before queueing the send (purge.ts) so the retention purge
 * cannot delete it mid-send.
 */
import { formatAttachmentKey, newAttachmentKey } from '../apple/attachment-cipher'
import { aesCtrPump } from '../apple/ctr-pump'
import type { MmcsClient } from '../apple/mmcs'
import { MmcsError } from '../apple/mmcs-types'
import type { Env } from '../context'
import { livePinUntil } from './purge'
import { DEFAULT_RETRY_DELAYS_MS } from './inbound'
import { ATTACHMENT_ID_RE, MAX_ATTACHMENT_BYTES, attachmentKey, decodeMeta } from './attachment-meta'
import { errorText } from '../lib/log'

/** Apple's attachment dictionary, outbound key names (docs/apple-protocol.md §4.4). */
export interface AppleAttachment {
	name: string
	mimeType: string
	/** A string: "has to be of type string" (A-SMP 04). */
	size: string
	'signature-base64': string
	url: string
	owner: string
	key: string
}

export type OutboundFailureCode = 'not_found' | 'expired' | 'too_large' | 'gateway' | 'upload_failed'

export class OutboundAttachmentError extends Error {
	constructor(
		readonly code: OutboundFailureCode,
		readonly retryable: boolean,
		message: string,
		/** Apple's HTTP status when it answered. */
		readonly status: number | null = null,
	) {
		super(message)
		this.name = 'OutboundAttachmentError'
	}
}

export interface PrepareOptions {
	now?: number
	/** Attempts within this call (each with a fresh slot and key); default 2, the DO retries beyond. */
	maxAttempts?: number
	retryDelaysMs?: readonly number[]
}

/**
 * Encrypt and upload one staged attachment of `businessId`; throws OutboundAttachmentError.
 * A missing or expired (and unpinned) attachment is final; gateway trouble is retryable as
 * MmcsError says.
 */
export async function prepareOutboundAttachment(
	env: Env,
	businessId: string,
	attachmentId: string,
	client: MmcsClient,
	opts: PrepareOptions = {},
): Promise<AppleAttachment> {
	if (!ATTACHMENT_ID_RE.test(attachmentId)) throw new OutboundAttachmentError('not_found', false, `no attachment ${attachmentId}`)
	const key = attachmentKey(businessId, attachmentId)
	const now = opts.now ?? Date.now()
	const head = await env.ATTACHMENTS.head(key)
	const meta = head && decodeMeta(head.customMetadata)
	if (!head || !meta) throw new OutboundAttachmentError('not_found', false, `no attachment ${attachmentId}`)
	if (meta.expiresAt <= now && (await livePinUntil(env, businessId, attachmentId, now)) === null) {
		throw new OutboundAttachmentError('expired', false, `attachment ${attachmentId} has expired`)
	}
	const size = head.size
	if (size > MAX_ATTACHMENT_BYTES) throw new OutboundAttachmentError('too_large', false, `attachment is over ${MAX_ATTACHMENT_BYTES} bytes`)

	const max = Math.max(1, opts.maxAttempts ?? 2)
	const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
	for (let n = 1; ; n++) {
		try {
			return await uploadOnce(env, key, attachmentId, size, meta.name, meta.mimeType, client)
		} catch (err) {
			const e = asOutboundError(err)
			if (!e.retryable || n >= max) throw e
			const delay = delays[Math.min(n - 1, delays.length - 1)] ?? 0
			if (delay > 0) await new Promise<void>((r) => setTimeout(r, delay))
		}
	}
}

async function uploadOnce(
	env: Env,
	key: string,
	attachmentId: string,
	size: number,
	name: string,
	mimeType: string,
	client: MmcsClient,
): Promise<AppleAttachment> {
	// A fresh single-use key per file and per attempt, from the CSPRNG (docs/apple-protocol.md §5.1).
	const rawKey = newAttachmentKey()
	const slot = await client.preUpload(size)
	const object = await env.ATTACHMENTS.get(key)
	if (!object) throw new OutboundAttachmentError('not_found', false, `attachment ${attachmentId} disappeared`)
	const receipt = await client.uploadCiphertext(slot.uploadUrl, (sink) => aesCtrPump(object.body, sink, rawKey, { expectedSize: size, sinkCopies: true }), size)
	if (receipt.size !== null && receipt.size !== size) {
		throw new OutboundAttachmentError('upload_failed', true, `MMCS stored ${receipt.size} bytes of ${size}`)
	}
	return {
		name,
		mimeType,
		size: String(size),
		'signature-base64': receipt.fileChecksum,
		url: slot.mmcsUrl,
		owner: slot.mmcsOwner,
		key: formatAttachmentKey(rawKey),
	}
}

function asOutboundError(err: unknown): OutboundAttachmentError {
	if (err instanceof OutboundAttachmentError) return err
	if (err instanceof MmcsError) {
		return new OutboundAttachmentError(err.operation === 'upload' ? 'upload_failed' : 'gateway', err.retryable, err.message, err.status)
	}
	// R2 read errors and the like: transient as far as we can tell.
	return new OutboundAttachmentError('upload_failed', true, errorText(err))
}

/**
 * The text `body` for a message with `count` attachments: one U+FFFC per attachment, the n-th
 * mapping to the n-th dictionary (docs/apple-protocol.md §4.4). A body that already places exactly `count` of
 * them is kept as the business wrote it; otherwise stray ones are removed and `count` are
 * appended, as T-DJ/T-AMB do.
 */
export function bodyWithAttachmentMarkers(text: string, count: number): string {
	const markers = text.match(/\uFFFC/g)?.length ?? 0
	if (markers === count) return text
	return text.replace(/\uFFFC/g, '') + '\uFFFC'.repeat(count)
}
