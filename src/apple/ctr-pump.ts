/**
 * AES-256-CTR from a byte stream straight into a sink, for the 100 MB attachment paths (see
 * docs/apple-protocol.md §5.1; docs/performance.md "Big bodies"): the bytes are read with a BYOB reader
 * into ONE reused ~1 MiB buffer, each full buffer is encrypted with one WebCrypto call (counter
 * = zero IV + AES blocks already done, so the output equals a one-shot encryption), and the
 * result is written to the sink while the next buffer is read.
 *
 * Why not `source.pipeThrough(aesCtrStream(key))`: a body read the default way arrives in
 * small, freshly allocated chunks, and V8 collects dead ArrayBuffers only when their total
 * passes ~64 MiB, so a 100 MiB transfer leaves the isolate ~64 MiB heavier at its peak. Here
 * the input buffer is reused, and the ciphertext chunks go to a native sink (FixedLengthStream
 * into R2 or into fetch), which takes their memory over and frees it as soon as it is sent.
 * Reading 1 MiB at a time is also ~5× faster than the default reader (docs/performance.md).
 *
 * Pure module: imports nothing outside src/apple/.
 */
import { AttachmentSizeError, DEFAULT_CHUNK_BYTES, counterBlock } from './attachment-cipher'

const AES_BLOCK_BYTES = 16

/** Which side failed: the source (download, R2 read) or the sink (R2 put, upload). */
export class CtrPumpError extends Error {
	constructor(
		readonly side: 'source' | 'sink',
		override readonly cause: unknown,
	) {
		super(`${side === 'source' ? 'reading' : 'writing'} the stream failed: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`)
		this.name = 'CtrPumpError'
	}
}

export interface CtrPumpOptions {
	/**
	 * Exact byte count the source must have (docs/apple-protocol.md §5.3 step 5). More bytes fail as soon as they
	 * are seen, fewer at the end, both with AttachmentSizeError, before the sink is closed — so
	 * the put or upload behind it fails instead of storing a wrong file.
	 */
	expectedSize?: number
	/** Positive multiple of 16; default 1 MiB. */
	chunkBytes?: number
	/**
	 * The sink copies what it is written (a native stream such as FixedLengthStream feeding R2
	 * or fetch): once a write completes, its ciphertext buffer is released at once
	 * (ArrayBuffer.prototype.transfer(0)) instead of waiting for V8 to notice ~64 MiB of dead
	 * buffers. Never set it for a sink that keeps references to its chunks.
	 */
	sinkCopies?: boolean
}

/** `ArrayBuffer.prototype.transfer` (ES2024; present in workerd's V8), feature-detected. */
function release(buffer: ArrayBufferLike): void {
	const transfer = (buffer as ArrayBuffer & { transfer?: (length?: number) => ArrayBuffer }).transfer
	if (typeof transfer === 'function' && buffer.byteLength > 0) transfer.call(buffer, 0)
}

/**
 * Encrypt (== decrypt) `source` into `sink` with AES-256-CTR, zero initial counter; returns the
 * byte count. On any failure the sink is aborted and the source cancelled, and the error is an
 * AttachmentSizeError or a CtrPumpError saying which side failed.
 */
export async function aesCtrPump(
	source: ReadableStream<Uint8Array>,
	sink: WritableStream<Uint8Array>,
	rawKey: Uint8Array,
	opts: CtrPumpOptions = {},
): Promise<number> {
	const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES
	if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % AES_BLOCK_BYTES !== 0) {
		throw new RangeError(`chunkBytes must be a positive multiple of ${AES_BLOCK_BYTES}`)
	}
	const expected = opts.expectedSize
	const key = await crypto.subtle.importKey('raw', rawKey, { name: 'AES-CTR' }, false, ['encrypt'])
	const writer = sink.getWriter()
	let byob: ReadableStreamBYOBReader | null = null
	let plain: ReadableStreamDefaultReader<Uint8Array> | null = null
	try {
		byob = source.getReader({ mode: 'byob' })
	} catch {
		// Not a byte stream (a stream built in JavaScript): read it chunk by chunk.
		plain = source.getReader()
	}

	let total = 0
	let blocks = 0
	// At most one write in flight: the next buffer is read and encrypted while it drains.
	let inFlight: Promise<void> | null = null
	let sinkError: unknown = null

	const count = (n: number) => {
		total += n
		if (expected !== undefined && total > expected) throw new AttachmentSizeError(expected, total, 'too_long')
	}
	const emit = async (data: Uint8Array) => {
		// Only the last piece may end inside an AES block, so the counter stays exact.
		const counter = counterBlock(BigInt(blocks))
		const out = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 128 }, key, data))
		blocks += Math.ceil(data.byteLength / AES_BLOCK_BYTES)
		if (inFlight) await inFlight
		if (sinkError) throw new CtrPumpError('sink', sinkError)
		inFlight = writer.write(out).then(
			() => {
				if (opts.sinkCopies) release(out.buffer)
			},
			(err: unknown) => {
				sinkError = err
			},
		)
	}
	const read = async <T>(p: Promise<T>): Promise<T> => {
		try {
			return await p
		} catch (err) {
			throw new CtrPumpError('source', err)
		}
	}

	try {
		if (byob) {
			let buf = new Uint8Array(chunkBytes)
			for (;;) {
				// Fills the whole buffer unless the stream ends first.
				const { done, value } = await read(byob.readAtLeast(chunkBytes, buf))
				if (value && value.byteLength > 0) {
					count(value.byteLength)
					if (value.byteLength % AES_BLOCK_BYTES !== 0 && value.byteLength < chunkBytes) {
						// A short read that is not the end would misalign the counter: read on to the end.
						const rest = await read(byob.read(new Uint8Array(AES_BLOCK_BYTES)))
						if (!rest.done && rest.value && rest.value.byteLength > 0) {
							throw new CtrPumpError('source', new Error('byte stream returned a short read before its end'))
						}
						await emit(value)
						break
					}
					// WebCrypto copies its input, so the buffer is free again once emit() has it.
					await emit(value)
					buf = new Uint8Array(value.buffer, 0, chunkBytes)
				}
				if (done) break
			}
		} else if (plain) {
			// Gather chunks into one reused buffer so every call but the last is a full block run.
			const buf = new Uint8Array(chunkBytes)
			let filled = 0
			for (;;) {
				const { done, value } = await read(plain.read())
				if (done) break
				count(value.byteLength)
				let off = 0
				while (off < value.byteLength) {
					const n = Math.min(chunkBytes - filled, value.byteLength - off)
					buf.set(value.subarray(off, off + n), filled)
					filled += n
					off += n
					if (filled === chunkBytes) {
						await emit(buf)
						filled = 0
					}
				}
			}
			if (filled > 0) await emit(buf.subarray(0, filled))
		}
		if (expected !== undefined && total !== expected) throw new AttachmentSizeError(expected, total, 'truncated')
		if (inFlight) await inFlight
		if (sinkError) throw new CtrPumpError('sink', sinkError)
		try {
			await writer.close()
		} catch (err) {
			throw new CtrPumpError('sink', err)
		}
		return total
	} catch (err) {
		await writer.abort(err).catch(() => {})
		await (byob ?? plain)?.cancel(err).catch(() => {})
		throw err
	}
}
