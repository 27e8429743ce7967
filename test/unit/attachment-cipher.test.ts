import { describe, expect, it } from 'vitest'
import {
	AttachmentKeyError,
	AttachmentSizeError,
	DEFAULT_CHUNK_BYTES,
	ExpectedSizeStream,
	aesCtrOneShot,
	aesCtrStream,
	counterBlock,
	formatAttachmentKey,
	newAttachmentKey,
	parseAttachmentKey,
} from '../../src/apple/attachment-cipher'

const MiB = 1024 * 1024

// --- independent helpers (no product code) -------------------------------------------------

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const unhex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)))

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function prng(seed: number): (out: Uint8Array) => void {
	let x = seed >>> 0 || 1
	return (out) => {
		const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2)
		for (let i = 0; i < words.length; i++) {
			x ^= x << 13
			x ^= x >>> 17
			x ^= x << 5
			words[i] = x >>> 0
		}
		for (let i = words.length * 4; i < out.length; i++) {
			x ^= x << 13
			x ^= x >>> 17
			x ^= x << 5
			out[i] = x & 0xff
		}
	}
}

function randomBytes(n: number, seed: number): Uint8Array {
	// Uint32Array view needs a 4-aligned offset; a fresh buffer has offset 0.
	const out = new Uint8Array(n)
	prng(seed)(out)
	return out
}

/** Reference AES-256-CTR straight from WebCrypto: one call, zero counter, 128-bit counter. */
async function referenceCtr(rawKey: Uint8Array, data: Uint8Array, counter: Uint8Array = new Uint8Array(16)): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey('raw', rawKey, 'AES-CTR', false, ['encrypt'])
	return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 128 }, key, data))
}

/** `data` as a stream of `chunkSize` chunks, optionally after one big `lead` chunk. */
function sourceOf(data: Uint8Array, chunkSize: number, lead = 0): ReadableStream<Uint8Array> {
	let offset = 0
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (offset >= data.length) {
				controller.close()
				return
			}
			const n = offset === 0 && lead > 0 ? lead : chunkSize
			controller.enqueue(data.slice(offset, offset + n))
			offset += n
		},
	})
}

async function collect(readable: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; maxChunk: number }> {
	const parts: Uint8Array[] = []
	let total = 0
	let maxChunk = 0
	const reader = readable.getReader()
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		parts.push(value)
		total += value.length
		maxChunk = Math.max(maxChunk, value.length)
	}
	const bytes = new Uint8Array(total)
	let at = 0
	for (const p of parts) {
		bytes.set(p, at)
		at += p.length
	}
	return { bytes, maxChunk }
}

async function throughStream(
	key: Uint8Array,
	data: Uint8Array,
	inputChunk: number,
	chunkBytes?: number,
	lead = 0,
): Promise<{ bytes: Uint8Array; maxChunk: number }> {
	const opts = chunkBytes === undefined ? {} : { chunkBytes }
	return collect(sourceOf(data, inputChunk, lead).pipeThrough(aesCtrStream(key, opts)))
}

const KEY = unhex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')

// --- known answers ---------------------------------------------------------------------------

describe('AES-256-CTR known answers', () => {
	// Computed with OpenSSL (Python `cryptography` 48, Cipher(AES(key), CTR(16 zero bytes))): an
	// implementation independent of workerd's BoringSSL WebCrypto.
	const PLAIN = new Uint8Array(100).map((_, i) => (i * 7 + 3) & 0xff)
	const CIPHER = unhex(
		'f19a11ae356fb2e492b1d33a8a7012ec8327f726c52f02410d4422f18f0ce3e1ed5644264a2a8ea9138a80052f12d4d5' +
			'8119373b47f71dab0b0c2a236251e8ea8d953764f51455f2c8c178e5d6d04c629a3d00ae36271bc13bc446a6cdeedb784ac58fb2',
	)

	it('matches the OpenSSL vector one-shot and streamed at odd chunk sizes', async () => {
		expect(hex(await aesCtrOneShot(KEY, PLAIN))).toBe(hex(CIPHER))
		for (const inputChunk of [1, 7, 16, 33, 100]) {
			const { bytes } = await throughStream(KEY, PLAIN, inputChunk, 32)
			expect(hex(bytes)).toBe(hex(CIPHER))
		}
		expect(hex((await throughStream(KEY, PLAIN, 13)).bytes)).toBe(hex(CIPHER))
	})

	it('all-zero key: the keystream starts with AES-256_0(0^128), the FIPS-197-style value', async () => {
		// AES-256 with the zero key on the zero block is dc95c078…; blocks 1 and 2 are E(1), E(2).
		const out = await aesCtrOneShot(new Uint8Array(32), new Uint8Array(48))
		expect(hex(out)).toBe('dc95c078a2408989ad48a21492842087530f8afbc74536b9a963b4f1c4cb738bcea7403d4d606b6e074ec5d3baf39d18')
		const { bytes } = await throughStream(new Uint8Array(32), new Uint8Array(48), 5, 16)
		expect(hex(bytes)).toBe(hex(out))
	})
})

// --- stream == one shot at every chunking -------------------------------------------------------

describe('aesCtrStream equals a single WebCrypto call', () => {
	const inputChunks = [1, 15, 16, 17, 4095, 65536 + 3, MiB + 5]

	for (const chunkBytes of [undefined, 32] as const) {
		for (const inputChunk of inputChunks) {
			// Enough data to cross several cipher blocks. With 1 MiB blocks, a million 1-byte
			// chunks would take ~13 s of stream overhead in the test alone, so tiny input chunks
			// start after one unaligned lead chunk that stops 4093 bytes short of the first 1 MiB
			// boundary: the tiny chunks then fill the buffer across that boundary and into the
			// next block. With 32-byte blocks tiny chunks run from the start.
			const tiny = inputChunk < 4096
			const size = chunkBytes === 32 ? (tiny ? 4 * 1024 + 7 : 2 * MiB + 7) : tiny ? MiB + 4133 : 2.5 * MiB + 7
			const lead = chunkBytes === undefined && tiny ? MiB - 4093 : 0
			const label = lead ? ` after a ${lead} B lead chunk` : ''
			it(`input chunks of ${inputChunk} B${label}, chunkBytes ${chunkBytes ?? 'default'} (${size} B)`, async () => {
				const key = newAttachmentKey()
				const data = randomBytes(size, inputChunk * 31 + (chunkBytes ?? 0))
				const expected = await referenceCtr(key, data)
				const { bytes, maxChunk } = await throughStream(key, data, inputChunk, chunkBytes, lead)
				expect(bytes.length).toBe(size)
				// Compare with a digest: printing a 2 MiB diff helps nobody.
				expect(await sha256Hex(bytes)).toBe(await sha256Hex(expected))
				// Output is cut into cipher blocks, never bigger than one block.
				expect(maxChunk).toBeLessThanOrEqual(chunkBytes ?? DEFAULT_CHUNK_BYTES)
			}, 60_000)
		}
	}

	it('round trips 0 B, 1 B and 5 MB', async () => {
		for (const size of [0, 1, 5_000_000]) {
			const key = newAttachmentKey()
			const data = randomBytes(size, size + 1)
			const enc = await throughStream(key, data, 65536 + 3)
			expect(enc.bytes.length).toBe(size)
			if (size > 0) expect(hex(enc.bytes.subarray(0, 64))).not.toBe(hex(data.subarray(0, 64)))
			const dec = await throughStream(key, enc.bytes, 4095)
			expect(await sha256Hex(dec.bytes)).toBe(await sha256Hex(data))
			// The one-shot form is the same function.
			expect(await sha256Hex(await aesCtrOneShot(key, enc.bytes))).toBe(await sha256Hex(data))
		}
	}, 60_000)

	it('decrypting with the wrong key gives different bytes, not an error', async () => {
		const data = new TextEncoder().encode('hello, Messages for Business: '.repeat(10))
		const enc = await aesCtrOneShot(KEY, data)
		const wrong = KEY.slice()
		wrong[31] = (wrong[31] ?? 0) ^ 1
		const dec = await collect(sourceOf(enc, 17).pipeThrough(aesCtrStream(wrong)))
		expect(dec.bytes.length).toBe(data.length)
		expect(hex(dec.bytes)).not.toBe(hex(data))
		expect(hex(await aesCtrOneShot(KEY, enc))).toBe(hex(data))
	})

	it('accepts ArrayBuffer chunks written by a careless producer', async () => {
		const data = randomBytes(100, 5)
		const ts = aesCtrStream(KEY, { chunkBytes: 32 })
		const out = collect(ts.readable)
		const w = ts.writable.getWriter() as WritableStreamDefaultWriter<unknown>
		await w.write(data.slice(0, 40).buffer)
		await w.write(new DataView(data.slice(40).buffer))
		await w.close()
		expect(hex((await out).bytes)).toBe(hex(await referenceCtr(KEY, data)))
	})

	it('rejects bad keys and chunk sizes up front', () => {
		expect(() => aesCtrStream(new Uint8Array(16))).toThrow(AttachmentKeyError)
		expect(() => aesCtrStream(KEY, { chunkBytes: 0 })).toThrow(RangeError)
		expect(() => aesCtrStream(KEY, { chunkBytes: 33 })).toThrow(RangeError)
		expect(() => aesCtrStream(KEY, { chunkBytes: 1.5 })).toThrow(RangeError)
	})

	it('streams 100 MiB (+3 B) lazily; byte count and SHA-256 match a chunk-by-chunk reference', async () => {
		const chunk = 64 * 1024
		const fullChunks = 1600
		const tail = 3
		const total = fullChunks * chunk + tail
		const key = newAttachmentKey()

		// Lazily generated plaintext: one 64 KiB chunk at a time, never the whole file.
		const lazySource = (seed: number) => {
			const fill = prng(seed)
			let produced = 0
			return new ReadableStream<Uint8Array>({
				pull(controller) {
					if (produced >= total) return controller.close()
					const n = Math.min(chunk, total - produced)
					const out = new Uint8Array(n)
					fill(out)
					produced += n
					controller.enqueue(out)
				},
			})
		}

		const started = Date.now()
		const digest = new crypto.DigestStream('SHA-256')
		await lazySource(42).pipeThrough(new ExpectedSizeStream(total)).pipeThrough(aesCtrStream(key)).pipeTo(digest)
		const streamed = hex(new Uint8Array(await digest.digest))
		expect(Number(digest.bytesWritten)).toBe(total)
		const streamMs = Date.now() - started

		// Reference: the same plaintext chunks, each encrypted with its own WebCrypto call and
		// counter = 64 KiB chunk index × 4096 AES blocks (built here, not by the module).
		const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-CTR', false, ['encrypt'])
		const refDigest = new crypto.DigestStream('SHA-256')
		const writer = refDigest.getWriter()
		const reader = lazySource(42).getReader()
		for (let i = 0; ; i++) {
			const { done, value } = await reader.read()
			if (done) break
			const counter = new Uint8Array(16)
			new DataView(counter.buffer).setUint32(12, i * (chunk / 16))
			await writer.write(new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 128 }, cryptoKey, value)))
		}
		await writer.close()
		expect(streamed).toBe(hex(new Uint8Array(await refDigest.digest)))
		expect(Number(refDigest.bytesWritten)).toBe(total)
		console.log(`100 MiB through ExpectedSizeStream + aesCtrStream + SHA-256: ${streamMs} ms`)
	}, 120_000)
})

// --- counter arithmetic ------------------------------------------------------------------------

describe('counterBlock', () => {
	it('is the big-endian block index for the zero IV', () => {
		expect(hex(counterBlock(0n))).toBe('00'.repeat(16))
		expect(hex(counterBlock(65536n))).toBe('00'.repeat(13) + '010000')
		expect(hex(counterBlock(2n ** 64n + 1n))).toBe('00'.repeat(7) + '01' + '00'.repeat(7) + '01')
	})

	it('carries across the 64-bit boundary and wraps modulo 2^128', () => {
		const low64Full = unhex('00'.repeat(8) + 'ff'.repeat(8))
		expect(hex(counterBlock(1n, low64Full))).toBe('00'.repeat(7) + '01' + '00'.repeat(8))
		expect(hex(counterBlock(1n, new Uint8Array(16).fill(0xff)))).toBe('00'.repeat(16))
		expect(hex(counterBlock(2n ** 128n + 5n))).toBe('00'.repeat(15) + '05')
		expect(() => counterBlock(-1n)).toThrow(RangeError)
	})

	it('agrees with WebCrypto’s own 128-bit counter increment, carry included', async () => {
		// Encrypt 4 blocks in one call from an IV just below a 64-bit carry, then block 3 alone
		// from counterBlock(3n, iv): the keystreams must match.
		const iv = unhex('0123456789abcdef' + 'fffffffffffffffe')
		const zeros = new Uint8Array(64)
		const whole = await referenceCtr(KEY, zeros, iv)
		const third = await referenceCtr(KEY, new Uint8Array(16), counterBlock(3n, iv))
		expect(hex(third)).toBe(hex(whole.subarray(48, 64)))
	})
})

// --- key encoding -------------------------------------------------------------------------------

describe('attachment key encoding', () => {
	const raw = KEY
	const lower = '00' + hex(raw)

	it('parses lower- and upper-case hex with the 00 prefix', () => {
		expect(hex(parseAttachmentKey(lower))).toBe(hex(raw))
		expect(hex(parseAttachmentKey(lower.toUpperCase()))).toBe(hex(raw))
		expect(hex(parseAttachmentKey('00' + hex(raw).slice(0, 10).toUpperCase() + hex(raw).slice(10)))).toBe(hex(raw))
	})

	it('formats as "00" + lowercase hex and round trips', () => {
		expect(formatAttachmentKey(raw)).toBe(lower)
		const k = newAttachmentKey()
		expect(k.length).toBe(32)
		expect(formatAttachmentKey(k)).toMatch(/^00[0-9a-f]{64}$/)
		expect(hex(parseAttachmentKey(formatAttachmentKey(k)))).toBe(hex(k))
		expect(hex(newAttachmentKey())).not.toBe(hex(k))
		expect(() => formatAttachmentKey(new Uint8Array(31))).toThrow(AttachmentKeyError)
	})

	it('rejects a missing prefix, wrong lengths and non-hex', () => {
		const bad = [
			hex(raw), // 64 hex, no 00
			'11' + hex(raw), // wrong prefix
			'0x' + hex(raw),
			'00' + hex(raw).slice(2), // 31 bytes
			'00' + hex(raw) + 'ab', // 33 bytes
			'00' + hex(raw).slice(1), // odd length
			'00' + hex(raw).slice(0, 63) + 'g',
			' ' + lower.slice(1),
			'',
		]
		for (const s of bad) expect(() => parseAttachmentKey(s), s).toThrow(AttachmentKeyError)
		expect(() => parseAttachmentKey(hex(raw))).toThrow(/"00"/)
	})
})

// --- size checking --------------------------------------------------------------------------------

describe('ExpectedSizeStream', () => {
	it('passes exactly the expected number of bytes through', async () => {
		const data = randomBytes(1000, 9)
		const s = new ExpectedSizeStream(1000)
		const { bytes } = await collect(sourceOf(data, 333).pipeThrough(s))
		expect(hex(bytes)).toBe(hex(data))
		expect(s.bytesSeen).toBe(1000)
		expect((await collect(sourceOf(new Uint8Array(0), 1).pipeThrough(new ExpectedSizeStream(0)))).bytes.length).toBe(0)
	})

	it('errors on a truncated download', async () => {
		const data = randomBytes(999, 9)
		const err = await collect(sourceOf(data, 100).pipeThrough(new ExpectedSizeStream(1000))).then(
			() => undefined,
			(e: unknown) => e,
		)
		expect(err).toBeInstanceOf(AttachmentSizeError)
		expect(err).toMatchObject({ expected: 1000, actual: 999, reason: 'truncated' })
	})

	it('errors as soon as there are extra bytes', async () => {
		const data = randomBytes(1001, 9)
		const err = await collect(sourceOf(data, 100).pipeThrough(new ExpectedSizeStream(1000))).then(
			() => undefined,
			(e: unknown) => e,
		)
		expect(err).toBeInstanceOf(AttachmentSizeError)
		expect(err).toMatchObject({ expected: 1000, actual: 1001, reason: 'too_long' })
	})

	it('a truncated ciphertext through size check + decryption fails cleanly', async () => {
		const data = randomBytes(5000, 3)
		const enc = await aesCtrOneShot(KEY, data)
		const pipeline = sourceOf(enc.subarray(0, 4321), 1000)
			.pipeThrough(new ExpectedSizeStream(5000))
			.pipeThrough(aesCtrStream(KEY, { chunkBytes: 1024 }))
		await expect(collect(pipeline)).rejects.toBeInstanceOf(AttachmentSizeError)
	})

	it('rejects a nonsense expected size', () => {
		expect(() => new ExpectedSizeStream(-1)).toThrow(RangeError)
		expect(() => new ExpectedSizeStream(Number.NaN)).toThrow(RangeError)
	})
})

async function sha256Hex(b: Uint8Array): Promise<string> {
	return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b)))
}
