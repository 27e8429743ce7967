/**
 * aesCtrPump: the same bytes as one WebCrypto call over the whole input, whatever the source
 * (byte stream read with BYOB, or a JavaScript stream in odd chunks) and chunk size; exact size
 * checks; which side failed; and buffers released after a native sink took them.
 */
import { describe, expect, it } from 'vitest'
import { AttachmentSizeError, aesCtrOneShot } from '../../src/apple/attachment-cipher'
import { CtrPumpError, aesCtrPump } from '../../src/apple/ctr-pump'

const MiB = 1024 * 1024
const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)

function bytes(n: number, seed = 1): Uint8Array {
	const out = new Uint8Array(n)
	let x = seed
	for (let i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) >>> 0
		out[i] = x >>> 24
	}
	return out
}

/** Byte-wise equality; vitest's deep equality is far too slow on megabytes. */
function same(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
	return true
}

/** A JavaScript (non-byte) stream in chunks of `chunk` bytes. */
function jsStream(data: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
	let off = 0
	return new ReadableStream<Uint8Array>({
		pull(ctl) {
			if (off >= data.length) return ctl.close()
			ctl.enqueue(data.slice(off, off + chunk))
			off += chunk
		},
	})
}

/** A byte stream, as request/response bodies are (BYOB reads). */
const byteStream = (data: Uint8Array) => new Response(data.slice()).body!

function collector(): { sink: WritableStream<Uint8Array>; bytes: () => Uint8Array } {
	const parts: Uint8Array[] = []
	return {
		sink: new WritableStream<Uint8Array>({ write: (c) => void parts.push(c.slice()) }),
		bytes: () => {
			const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
			let off = 0
			for (const p of parts) {
				out.set(p, off)
				off += p.length
			}
			return out
		},
	}
}

describe('aesCtrPump', () => {
	for (const size of [0, 1, 15, 16, 17, 4096 + 3, MiB - 1, MiB, MiB + 1, 3 * MiB + 5]) {
		it(`matches a one-shot encryption for ${size} bytes from a byte stream and from a JS stream`, async () => {
			const data = bytes(size, size + 1)
			const want = await aesCtrOneShot(key, data)
			for (const source of [byteStream(data), jsStream(data, 1000), jsStream(data, 65536 + 7)]) {
				const c = collector()
				expect(await aesCtrPump(source, c.sink, key, { expectedSize: size })).toBe(size)
				expect(same(c.bytes(), want)).toBe(true)
			}
		})
	}

	it('small chunk sizes keep the counter aligned', async () => {
		const data = bytes(10_000, 9)
		const want = await aesCtrOneShot(key, data)
		for (const chunkBytes of [16, 32, 4096]) {
			const c = collector()
			await aesCtrPump(jsStream(data, 77), c.sink, key, { chunkBytes })
			expect(same(c.bytes(), want)).toBe(true)
		}
		await expect(aesCtrPump(jsStream(data, 77), collector().sink, key, { chunkBytes: 20 })).rejects.toThrow(RangeError)
	})

	it('decrypts what it encrypted into a native sink that copies (buffers released after each write)', async () => {
		const data = bytes(2 * MiB + 333, 3)
		const fixed = new FixedLengthStream(data.length)
		const ciphertext = new Response(fixed.readable).arrayBuffer()
		await aesCtrPump(byteStream(data), fixed.writable, key, { expectedSize: data.length, sinkCopies: true })
		const back = collector()
		await aesCtrPump(byteStream(new Uint8Array(await ciphertext)), back.sink, key)
		expect(same(back.bytes(), data)).toBe(true)
	})

	it('fails on a short or long source with AttachmentSizeError and aborts the sink', async () => {
		const data = bytes(5000)
		let aborted: unknown = null
		const sink = () =>
			new WritableStream<Uint8Array>({
				abort: (r) => {
					aborted = r
				},
			})
		const short = await aesCtrPump(byteStream(data), sink(), key, { expectedSize: 5001 }).catch((e: unknown) => e)
		expect(short).toBeInstanceOf(AttachmentSizeError)
		expect(short).toMatchObject({ reason: 'truncated', expected: 5001, actual: 5000 })
		expect(aborted).toBe(short)
		const long = await aesCtrPump(jsStream(data, 100), sink(), key, { expectedSize: 4999 }).catch((e: unknown) => e)
		expect(long).toMatchObject({ reason: 'too_long', expected: 4999 })
	})

	it('names the failing side', async () => {
		let sent = false
		const broken = new ReadableStream<Uint8Array>({
			pull(ctl) {
				if (sent) return ctl.error(new TypeError('connection reset'))
				sent = true
				ctl.enqueue(new Uint8Array(100))
			},
		})
		const src = await aesCtrPump(broken, collector().sink, key).catch((e: unknown) => e)
		expect(src).toBeInstanceOf(CtrPumpError)
		expect(src).toMatchObject({ side: 'source' })

		const failingSink = new WritableStream<Uint8Array>({
			write() {
				throw new Error('R2 down')
			},
		})
		const snk = await aesCtrPump(byteStream(bytes(3 * MiB)), failingSink, key).catch((e: unknown) => e)
		expect(snk).toBeInstanceOf(CtrPumpError)
		expect(snk).toMatchObject({ side: 'sink' })
	})
})
