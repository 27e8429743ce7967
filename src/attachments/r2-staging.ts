/**
 * Staging of attachment bytes in R2 (PRODUCT.md "Data flow" 1 and 3; workers-limits.md §5).
 *
 * Layout: `att/<businessId>/<attachmentId>` holds the plaintext, with its name, MIME type,
 * size, creation and expiry time and direction in customMetadata (R2 cannot change metadata
 * in place, so everything known at write time goes in then). Pins that keep an object alive
 * while a message is being sent live beside it under `pin/` (see purge.ts).
 *
 * Bytes are always streamed, never buffered whole: R2 `put()` only takes a stream of known
 * length (workers-limits.md §2), so a stream whose size we know goes through a
 * FixedLengthStream, and one whose size we do not know (a chunked business upload) goes in as
 * a multipart upload, one fixed-size part in memory at a time.
 */
import { z } from 'zod'
import { randomBytes } from '../lib/crypto'
import { bytesToBase64Url, concatBytes } from '../apple/encoding'
import type { Env } from '../context'

/**
 * Apple's per-file limit, "100 MB" (core §1.5), read as 100 MiB = 104,857,600 bytes like
 * T-DJ's check; the simulator allows the same plus slack. Above it: 413 / failed.
 */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
export const DEFAULT_RETENTION_DAYS = 30
const DAY_MS = 86_400_000
/**
 * Part size for uploads of unknown length: R2 wants all parts but the last the same size and
 * at least 5 MiB (workers-limits.md §5). 8 MiB keeps one part in memory and 13 parts per 100 MiB.
 */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024
/** Longest file name we keep (bytes of UTF-8 are capped again by R2's 8 KiB metadata limit). */
export const MAX_NAME_CHARS = 255

export type Direction = 'inbound' | 'outbound'

export interface AttachmentMeta {
	name: string
	mimeType: string
	size: number
	/** Unix ms. */
	createdAt: number
	/** Unix ms; after it the object is gone for the API and the purge may delete it. */
	expiresAt: number
	direction: Direction
	conversationId?: string
	messageId?: string
}

/** Attachment ids: `att_` + 128 random bits, base64url. */
export const ATTACHMENT_ID_RE = /^att_[A-Za-z0-9_-]{22}$/

export function newAttachmentId(): string {
	return `att_${bytesToBase64Url(randomBytes(16))}`
}

/** Business ids never contain `/` (BusinessIdSchema), so the prefix cannot bleed into another tenant. */
export function attachmentKey(businessId: string, attachmentId: string): string {
	if (!businessId || businessId.includes('/')) throw new Error('invalid business id for an attachment key')
	if (!ATTACHMENT_ID_RE.test(attachmentId)) throw new Error('invalid attachment id')
	return `att/${businessId}/${attachmentId}`
}

export const businessPrefix = (businessId: string) => `att/${businessId}/`

export function expiresAtFor(now: number, retentionDays = DEFAULT_RETENTION_DAYS): number {
	return now + retentionDays * DAY_MS
}

/**
 * A file name safe to store and show: no control characters or path separators, at most
 * MAX_NAME_CHARS, never empty.
 */
export function cleanName(raw: string | null | undefined, fallback = 'attachment'): string {
	const replaced = (raw ?? '')
		.normalize('NFC')
		.replace(/[\u0000-\u001f\u007f/\\]/g, '_')
		.trim()
	// Cut by code points and replace lone surrogates: they would break encodeURIComponent.
	const cleaned = Array.from(replaced.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))
		.slice(0, MAX_NAME_CHARS)
		.join('')
	return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : fallback
}

const StoredMeta = z.object({
	// Names may be any Unicode; stored URI-encoded so metadata stays ASCII on every R2 API.
	name: z.string().transform((s) => {
		try {
			return decodeURIComponent(s)
		} catch {
			return s
		}
	}),
	mimeType: z.string().min(1),
	size: z.string().regex(/^\d+$/).transform(Number),
	createdAt: z.string().regex(/^\d+$/).transform(Number),
	expiresAt: z.string().regex(/^\d+$/).transform(Number),
	direction: z.enum(['inbound', 'outbound']),
	conversationId: z.string().optional(),
	messageId: z.string().optional(),
})

export function encodeMeta(meta: AttachmentMeta): Record<string, string> {
	return {
		name: encodeURIComponent(meta.name),
		mimeType: meta.mimeType,
		size: String(meta.size),
		createdAt: String(meta.createdAt),
		expiresAt: String(meta.expiresAt),
		direction: meta.direction,
		...(meta.conversationId ? { conversationId: meta.conversationId } : {}),
		...(meta.messageId ? { messageId: meta.messageId } : {}),
	}
}

/** null for an object that is not ours or was written by a broken writer. */
export function decodeMeta(custom: Record<string, string> | undefined): AttachmentMeta | null {
	const parsed = StoredMeta.safeParse(custom ?? {})
	if (!parsed.success) return null
	const { conversationId, messageId, ...rest } = parsed.data
	return { ...rest, ...(conversationId ? { conversationId } : {}), ...(messageId ? { messageId } : {}) }
}

function putOptions(meta: AttachmentMeta): R2PutOptions {
	return { httpMetadata: { contentType: meta.mimeType }, customMetadata: encodeMeta(meta) }
}

/** The upload grew past its limit; nothing was stored. */
export class TooLargeError extends Error {
	constructor(readonly limit: number) {
		super(`attachment exceeds ${limit} bytes`)
		this.name = 'TooLargeError'
	}
}

/**
 * Store exactly `meta.size` bytes. `head` (already read from the front of the stream, e.g. to
 * sniff its type) is written first, then `rest` follows. A stream that ends early or runs long
 * fails the put, and no object is left behind.
 *
 * `direct: true` says `rest` is a request/response body of exactly `meta.size` bytes and there
 * is no head: R2 then takes the body itself (workerd's native path, no JavaScript per chunk).
 * Otherwise the bytes are pumped into a FixedLengthStream by hand: workerd cannot pipeTo()
 * from one of its identity streams into another ("Inter-TransformStream ReadableStream.pipeTo()
 * is not implemented"), and a request body may well be one.
 */
export async function putKnownLength(
	bucket: R2Bucket,
	key: string,
	source: { head?: Uint8Array; rest: ReadableStream<Uint8Array> | null; direct?: boolean },
	meta: AttachmentMeta,
): Promise<R2Object> {
	if (source.direct && source.rest && !source.head?.byteLength) {
		try {
			const object = await bucket.put(key, source.rest, putOptions(meta))
			if (!object) throw new Error('R2 put returned no object')
			return object
		} catch (err) {
			await bucket.delete(key).catch(() => {})
			throw err
		}
	}
	return putWritten(bucket, key, meta, (sink) => pump(source.head, source.rest, sink))
}

/**
 * Store exactly `meta.size` bytes that `write` produces into the sink it is given (e.g.
 * aesCtrPump decrypting a download). When `write` fails or writes the wrong amount, the put
 * fails, nothing is left behind, and the producer's error is rethrown (it says more than R2's).
 */
export async function putWritten(
	bucket: R2Bucket,
	key: string,
	meta: AttachmentMeta,
	write: (sink: WritableStream<Uint8Array>) => Promise<unknown>,
): Promise<R2Object> {
	if (meta.size === 0) {
		// workerd leaves a zero-length FixedLengthStream hanging when its source closes late;
		// an empty file needs no stream: check the producer writes nothing and store zero bytes.
		await write(new FixedLengthSink(0))
		const object = await bucket.put(key, new Uint8Array(0), putOptions(meta))
		if (!object) throw new Error('R2 put returned no object')
		return object
	}
	const fixed = new FixedLengthStream(meta.size)
	const putting = bucket.put(key, fixed.readable, putOptions(meta))
	const [fed, put] = await Promise.allSettled([write(fixed.writable), putting])
	if (fed.status === 'rejected' || put.status === 'rejected' || !put.value) {
		await bucket.delete(key).catch(() => {})
		if (fed.status === 'rejected') throw fed.reason
		if (put.status === 'rejected') throw put.reason
		throw new Error('R2 put returned no object')
	}
	return put.value
}

/** A sink that accepts at most `limit` bytes, for draining a source that must be that short. */
class FixedLengthSink extends WritableStream<Uint8Array> {
	constructor(limit: number) {
		let seen = 0
		super({
			write(chunk) {
				seen += chunk.byteLength
				if (seen > limit) throw new Error(`stream is longer than the declared ${limit} bytes`)
			},
		})
	}
}

/** Chunk size of the hand pump; ~1 MiB reads are what make big bodies fast (perf-floors.md). */
const PUMP_BYTES = 1024 * 1024
const PUMP_MIN_BYTES = 64 * 1024

/**
 * Copy `head` then `rest` into `writable`, with a BYOB reader in ~1 MiB reads when the
 * source is a byte stream (request/response bodies are), else chunk by chunk. Errors abort
 * the writable (so the put fails) and cancel the source.
 */
export async function pump(
	head: Uint8Array | undefined,
	rest: ReadableStream<Uint8Array> | null,
	writable: WritableStream<Uint8Array>,
): Promise<void> {
	const writer = writable.getWriter()
	let byob: ReadableStreamBYOBReader | null = null
	let plain: ReadableStreamDefaultReader<Uint8Array> | null = null
	try {
		if (head && head.byteLength > 0) await writer.write(head)
		if (rest) {
			try {
				byob = rest.getReader({ mode: 'byob' })
			} catch {
				plain = rest.getReader()
			}
			if (byob) {
				let buf = new Uint8Array(PUMP_BYTES)
				for (;;) {
					const { done, value } = await byob.readAtLeast(PUMP_MIN_BYTES, buf)
					if (value && value.byteLength > 0) {
						// Native sinks copy on write, so once the write is done the buffer is free to
						// reuse: no per-chunk garbage piling up until V8's next collection.
						await writer.write(value)
						buf = new Uint8Array(value.buffer, 0, PUMP_BYTES)
					}
					if (done) break
				}
			} else if (plain) {
				for (;;) {
					const { done, value } = await plain.read()
					if (done) break
					await writer.write(value)
				}
			}
		}
		await writer.close()
	} catch (err) {
		await writer.abort(err).catch(() => {})
		await (byob ?? plain)?.cancel(err).catch(() => {})
		throw err
	}
}

/**
 * Store a stream whose length is unknown (a business upload without Content-Length), up to
 * `limit` bytes. Up to one part it is a plain put; beyond, a multipart upload with parts of
 * MULTIPART_PART_BYTES, aborted (nothing stored) when the stream errors or passes `limit`.
 * `meta.size` is ignored and the real size is returned in the stored metadata.
 */
export async function putUnknownLength(
	bucket: R2Bucket,
	key: string,
	source: { head?: Uint8Array; rest: ReadableStream<Uint8Array> | null },
	meta: Omit<AttachmentMeta, 'size'>,
	limit = MAX_ATTACHMENT_BYTES,
	partBytes = MULTIPART_PART_BYTES,
): Promise<{ object: R2Object; size: number }> {
	// One part buffer, filled by BYOB reads straight into it when the body allows, and reused
	// once R2 has taken each part.
	let buf = new Uint8Array(partBytes)
	let filled = 0
	let total = 0
	// A holder object: TypeScript does not track assignments made inside closures.
	const state: { upload: R2MultipartUpload | null } = { upload: null }
	const parts: R2UploadedPart[] = []
	// The size is unknown until the end, but a multipart upload's metadata is fixed at its
	// start: those objects record size 0, and every reader takes the size from R2's own
	// `object.size` (headAttachment, openAttachment) rather than from the metadata.
	const withSize = (size: number): AttachmentMeta => ({ ...meta, size })

	const added = async (n: number): Promise<void> => {
		total += n
		if (total > limit) throw new TooLargeError(limit)
		filled += n
		if (filled === partBytes) {
			state.upload ??= await bucket.createMultipartUpload(key, putOptions(withSize(0)))
			parts.push(await state.upload.uploadPart(parts.length + 1, buf))
			filled = 0
		}
	}
	const copyIn = async (chunk: Uint8Array): Promise<void> => {
		let off = 0
		while (off < chunk.byteLength) {
			const n = Math.min(partBytes - filled, chunk.byteLength - off)
			buf.set(chunk.subarray(off, off + n), filled)
			off += n
			await added(n)
		}
	}

	let byob: ReadableStreamBYOBReader | null = null
	let plain: ReadableStreamDefaultReader<Uint8Array> | null = null
	try {
		if (source.head) await copyIn(source.head)
		if (source.rest) {
			try {
				byob = source.rest.getReader({ mode: 'byob' })
			} catch {
				plain = source.rest.getReader()
			}
		}
		if (byob) {
			for (;;) {
				const { done, value } = await byob.readAtLeast(partBytes - filled, buf.subarray(filled))
				if (value) {
					// The read transferred the buffer; the part buffer is the returned one.
					buf = new Uint8Array(value.buffer, 0, partBytes)
					if (value.byteLength > 0) await added(value.byteLength)
				}
				if (done) break
			}
		} else if (plain) {
			for (;;) {
				const { done, value } = await plain.read()
				if (done) break
				await copyIn(value)
			}
		}
		const mp = state.upload
		if (!mp) {
			// Everything fitted in one part: a plain put, with the true size in the metadata.
			const object = await bucket.put(key, buf.subarray(0, filled), putOptions(withSize(total)))
			if (!object) throw new Error('R2 put returned no object')
			return { object, size: total }
		}
		if (filled > 0) parts.push(await mp.uploadPart(parts.length + 1, buf.subarray(0, filled)))
		const object = await mp.complete(parts)
		return { object, size: total }
	} catch (err) {
		await (byob ?? plain)?.cancel(err).catch(() => {})
		await state.upload?.abort().catch(() => {})
		throw err
	}
}

/** Read up to `want` bytes from the front of a stream, for sniffing; the rest stays readable. */
export async function peek(
	stream: ReadableStream<Uint8Array> | null,
	want: number,
): Promise<{ head: Uint8Array; rest: ReadableStream<Uint8Array> | null; ended: boolean }> {
	if (!stream) return { head: new Uint8Array(), rest: null, ended: true }
	const reader = stream.getReader()
	const chunks: Uint8Array[] = []
	let total = 0
	let ended = false
	while (total < want) {
		const { done, value } = await reader.read()
		if (done) {
			ended = true
			break
		}
		chunks.push(value)
		total += value.byteLength
	}
	reader.releaseLock()
	const head = chunks.length === 1 ? chunks[0]! : concatBytes(chunks, total)
	return { head, rest: ended ? null : stream, ended }
}


export interface StoredAttachment {
	id: string
	key: string
	meta: AttachmentMeta
}

/** Metadata of a business's attachment, or null when it does not exist (or is not one). */
export async function headAttachment(env: Env, businessId: string, attachmentId: string): Promise<StoredAttachment | null> {
	if (!ATTACHMENT_ID_RE.test(attachmentId)) return null
	const key = attachmentKey(businessId, attachmentId)
	const object = await env.ATTACHMENTS.head(key)
	const meta = object && decodeMeta(object.customMetadata)
	return meta ? { id: attachmentId, key, meta: { ...meta, size: object.size } } : null
}

/**
 * The bytes of a business's attachment, or null when missing or expired (an expired object
 * may linger until the hourly purge, but the API treats it as gone).
 */
export async function openAttachment(
	env: Env,
	businessId: string,
	attachmentId: string,
	now = Date.now(),
): Promise<{ body: ReadableStream<Uint8Array>; meta: AttachmentMeta } | null> {
	if (!ATTACHMENT_ID_RE.test(attachmentId)) return null
	const object = await env.ATTACHMENTS.get(attachmentKey(businessId, attachmentId))
	if (!object) return null
	const meta = decodeMeta(object.customMetadata)
	if (!meta || meta.expiresAt <= now) {
		await object.body.cancel().catch(() => {})
		return null
	}
	return { body: object.body, meta: { ...meta, size: object.size } }
}
