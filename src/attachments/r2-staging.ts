/**
 * Staging of attachment bytes in R2 (docs/product.md "Data flow" 1 and 3; docs/platform-limits.md §5).
 *
 * Layout: `att/<businessId>/<attachmentId>` holds the plaintext, with its name, MIME type,
 * size, creation and expiry time and direction in customMetadata (R2 cannot change metadata
 * in place, so everything known at write time goes in then). Pins that keep an object alive
 * while a message is being sent live beside it under `pin/` (see purge.ts).
 *
 * Bytes are always streamed, never buffered whole: R2 `put()` only takes a stream of known
 * length (docs/platform-limits.md §2), so a stream whose size we know goes through a
 * FixedLengthStream, and one whose size we do not know (a chunked business upload) goes in as
 * a multipart upload, one fixed-size part in memory at a time.
 *
 * Ids, keys and metadata: attachment-meta.ts; reading back: stored-attachment.ts; the hand
 * pump: stream-pump.ts.
 */
import { MAX_ATTACHMENT_BYTES, encodeMeta, type AttachmentMeta } from './attachment-meta'
import { pump } from './stream-pump'

/**
 * Part size for uploads of unknown length: R2 wants all parts but the last the same size and
 * at least 5 MiB (docs/platform-limits.md §5). 8 MiB keeps one part in memory and 13 parts per 100 MiB.
 */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024

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
