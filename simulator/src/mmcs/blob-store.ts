/**
 * Writes MMCS blobs to R2 as a stream, computing on the way the checksum Apple's upload
 * answers with: `fileChecksum` = base64(0x01 ‖ SHA-1(ciphertext)) — observed checksums are 21
 * bytes starting 0x01 (docs/apple-protocol.md §5.2; "1-byte type + SHA-1" is [U] but harmless).
 * The exact byte count is enforced while streaming (FixedLengthStream also gives R2 the length
 * it needs), so a 100 MB upload never sits in memory.
 */
import type { SimEnv } from '../env'
import { simConfig, simState } from '../env'
import { bytesToBase64, bytesToHex } from '../lib/platform-primitives'
import type { BlobOrigin, BlobRecord } from '../state/types'
import { mmcsUrl, newBlobId, newOwner } from './urls'

export const r2Key = (blobId: string) => `mmcs/${blobId}`

export class BlobSizeError extends Error {
	constructor(
		readonly expected: number,
		readonly seen: number,
		readonly tooLong: boolean,
	) {
		super(tooLong ? `more than the ${expected} bytes announced` : `${seen} bytes instead of the ${expected} announced`)
		this.name = 'BlobSizeError'
	}
}

export interface StoredBlob {
	size: number
	/** base64 of 0x01 ‖ SHA-1 — the upload's fileChecksum, an outbound attachment's `signature-base64`. */
	checksumBase64: string
	/** hex of the same 21 bytes — an inbound attachment's `signature` (docs/apple-protocol.md §5.3). */
	checksumHex: string
}

/**
 * Stream exactly `size` bytes into R2 under the blob's key; throws BlobSizeError otherwise.
 *
 * A wrong length must not abort the R2 write mid-stream (an aborted body makes the local R2
 * service log "Network connection lost"): past `size` the stream is cut at `size`, short of it
 * it is padded with zeros, the write completes, and the object is deleted again before the
 * error is thrown. The caller then refuses the upload; nothing stays stored.
 */
export async function putBlobStream(env: SimEnv, blobId: string, body: ReadableStream<Uint8Array>, size: number): Promise<StoredBlob> {
	const digest = new crypto.DigestStream('SHA-1')
	const digestWriter = digest.getWriter()
	let seen = 0
	let failure: BlobSizeError | null = null
	const meter = new TransformStream<Uint8Array, Uint8Array>({
		async transform(chunk, controller) {
			const room = size - seen
			seen += chunk.byteLength
			if (chunk.byteLength > room) {
				failure = new BlobSizeError(size, seen, true)
				if (room > 0) controller.enqueue(chunk.slice(0, room))
				// Ends the R2 body at exactly `size` bytes and cancels the rest of the upload.
				controller.terminate()
				return
			}
			await digestWriter.write(chunk)
			controller.enqueue(chunk)
		},
		async flush(controller) {
			if (seen < size) {
				failure = new BlobSizeError(size, seen, false)
				for (let left = size - seen; left > 0; left -= 65_536) controller.enqueue(new Uint8Array(Math.min(left, 65_536)))
				return
			}
			await digestWriter.close()
		},
	})
	const fixed = new FixedLengthStream(size)
	const piping = body
		.pipeThrough(meter)
		.pipeTo(fixed.writable)
		.catch(() => {})
	await Promise.all([piping, env.BLOBS.put(r2Key(blobId), fixed.readable)])
	if (failure) {
		await env.BLOBS.delete(r2Key(blobId))
		throw failure
	}
	const sha1 = new Uint8Array(await digest.digest)
	const checksum = new Uint8Array(21)
	checksum[0] = 0x01
	checksum.set(sha1, 1)
	return { size, checksumBase64: bytesToBase64(checksum), checksumHex: bytesToHex(checksum) }
}

/**
 * Store a blob that did not come through an upload URL (the device's attachments and
 * interactiveDataRef payloads, data refs): reserve, stream, seal, in one go.
 */
export async function storeBlob(
	env: SimEnv,
	opts: {
		businessId: string | null
		origin: BlobOrigin
		body: ReadableStream<Uint8Array> | Uint8Array
		size: number
		meta?: Record<string, unknown>
	},
): Promise<BlobRecord & StoredBlob> {
	const config = simConfig(env)
	const state = simState(env)
	const id = newBlobId()
	const rec = await state.reserveBlob({
		id,
		url: mmcsUrl(config, id),
		owner: newOwner(),
		businessId: opts.businessId,
		origin: opts.origin,
		expectedSize: opts.size,
		...(opts.meta ? { meta: opts.meta } : {}),
	})
	const stream = opts.body instanceof Uint8Array ? new Blob([opts.body]).stream() : opts.body
	const stored = await putBlobStream(env, id, stream, opts.size)
	await state.completeBlob(id, stored.size, stored.checksumBase64)
	return { ...rec, ...stored, state: 'uploaded', checksum: stored.checksumBase64 }
}
