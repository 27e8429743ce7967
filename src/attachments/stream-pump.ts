/**
 * Moving bytes between streams by hand, for staging (r2-staging.ts) and for sniffing a file's
 * type before it is stored (routes/attachments.ts).
 */
import { concatBytes } from '../apple/encoding'

/** Chunk size of the hand pump; ~1 MiB reads are what make big bodies fast (docs/performance.md). */
const PUMP_BYTES = 1024 * 1024
const PUMP_MIN_BYTES = 64 * 1024

/**
 * Copy `head` then `rest` into `writable`, with a BYOB reader in ~1 MiB reads when the
 * source is a byte stream (request/response bodies are), else chunk by chunk. Errors abort
 * the writable (so the put fails) and cancel the source.
 */
export async function pump(head: Uint8Array | undefined, rest: ReadableStream<Uint8Array> | null, writable: WritableStream<Uint8Array>): Promise<void> {
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
