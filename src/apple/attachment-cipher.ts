/**
 * AES-256-CTR for Apple attachments and interactiveDataRef blobs (docs/apple-protocol.md §5.1,
 * §4.8): AES-256, CTR mode, no padding, an all-zero 16-byte initial counter block whose full
 * 128 bits count (Apple's sample uses `Counter.new(128, initial_value=0)`). Encryption and
 * decryption are the same operation, and ciphertext length == plaintext length.
 *
 * WebCrypto's AES-CTR is one-shot, and one call over a 100 MiB attachment needs ~300 MiB, far
 * over the 128 MB isolate limit (docs/performance.md "Big bodies"). So we cut the stream
 * into ~1 MiB blocks (a multiple of 16 bytes) and encrypt each with the counter advanced by
 * the number of 16-byte AES blocks already processed (docs/platform-limits.md §7 (a)).
 * That yields exactly the bytes a single call would.
 *
 * Pure module: imports nothing outside src/apple/.
 */
import { bytesToHex, hexToBytes } from './encoding'

/** AES block size; CTR counters advance once per block. */
const AES_BLOCK_BYTES = 16
/** AES-256 key size. */
export const ATTACHMENT_KEY_BYTES = 32
/** docs/performance.md: ~1 MiB per WebCrypto call is the sweet spot for throughput and memory. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024

/** All-zero initial counter block (docs/apple-protocol.md §5.1). */
const ZERO_COUNTER = new Uint8Array(AES_BLOCK_BYTES)

/** The `key` of an attachment / interactiveDataRef is not `"00"` + 64 hex characters. */
export class AttachmentKeyError extends Error {
	constructor(message: string) {
		super(message)
		this.name = 'AttachmentKeyError'
	}
}

/**
 * The byte count of a download differs from the announced `size` (docs/apple-protocol.md §5.3 step 5:
 * Apple's sample raises on mismatch). A truncated download must fail cleanly instead of
 * handing a business a silently shortened file.
 */
export class AttachmentSizeError extends Error {
	constructor(
		readonly expected: number,
		/** Bytes seen when the mismatch was detected (for `too_long`, at least expected + 1). */
		readonly actual: number,
		readonly reason: 'truncated' | 'too_long',
	) {
		super(
			reason === 'truncated'
				? `attachment size mismatch: expected ${expected} bytes, stream ended after ${actual}`
				: `attachment size mismatch: expected ${expected} bytes, got more (at least ${actual})`,
		)
		this.name = 'AttachmentSizeError'
	}
}

/**
 * Parse the JSON key form `"00"` + 64 hex characters (docs/apple-protocol.md §5.1). Hex is decoded
 * case-insensitively: Apple's sample emits lowercase, its docs show uppercase (docs/product.md
 * "Protocol decisions"). Anything else (no `00` prefix, wrong length, non-hex) is rejected:
 * decrypting with a wrong key would "succeed" and yield garbage.
 */
export function parseAttachmentKey(s: string): Uint8Array {
	if (typeof s !== 'string') throw new AttachmentKeyError('attachment key must be a string')
	if (s.length !== 2 + ATTACHMENT_KEY_BYTES * 2) {
		throw new AttachmentKeyError(`attachment key must be "00" followed by 64 hex characters (66 in all), got ${s.length} characters`)
	}
	if (!s.startsWith('00')) throw new AttachmentKeyError('attachment key must start with "00"')
	const hex = s.slice(2)
	if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
		throw new AttachmentKeyError('attachment key must be "00" followed by 64 hex characters (found a non-hex character)')
	}
	return hexToBytes(hex)
}

/** `"00"` + lowercase hex, as Apple's newest sample sends it (docs/apple-protocol.md §5.1, §5.2 step 4). */
export function formatAttachmentKey(raw: Uint8Array): string {
	assertKeyLength(raw)
	return '00' + bytesToHex(raw)
}

/** A fresh single-use key from the CSPRNG for every attachment (docs/apple-protocol.md §5.1). */
export function newAttachmentKey(): Uint8Array {
	return crypto.getRandomValues(new Uint8Array(ATTACHMENT_KEY_BYTES))
}

/**
 * The counter block for the AES block at `blockIndex`: `initial + blockIndex` as a 128-bit
 * big-endian integer, wrapping modulo 2^128 like WebCrypto's `length: 128` counter. With the
 * all-zero initial block (Apple's case) this is just the block index, but the carry is done
 * across all 16 bytes so the function is right for any initial block.
 */
export function counterBlock(blockIndex: bigint, initial: Uint8Array = ZERO_COUNTER): Uint8Array {
	if (initial.length !== AES_BLOCK_BYTES) throw new RangeError('counter block must be 16 bytes')
	if (blockIndex < 0n) throw new RangeError('block index must be non-negative')
	const out = new Uint8Array(AES_BLOCK_BYTES)
	let carry = blockIndex
	for (let i = AES_BLOCK_BYTES - 1; i >= 0; i--) {
		const sum = BigInt(initial[i] ?? 0) + (carry & 0xffn)
		out[i] = Number(sum & 0xffn)
		carry = (carry >> 8n) + (sum >> 8n)
	}
	// Any carry left over past byte 0 is the modulo-2^128 wrap-around: dropped on purpose.
	return out
}

/** Import the raw key for AES-CTR once; callers reuse the CryptoKey for every chunk. */
function importCtrKey(raw: Uint8Array): Promise<CryptoKey> {
	assertKeyLength(raw)
	return crypto.subtle.importKey('raw', raw, { name: 'AES-CTR' }, false, ['encrypt'])
}

async function ctrAt(key: CryptoKey, blockIndex: number, data: Uint8Array): Promise<Uint8Array> {
	const counter = counterBlock(BigInt(blockIndex))
	const out = await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 128 }, key, data)
	return new Uint8Array(out)
}

/**
 * A TransformStream that AES-256-CTR encrypts (== decrypts) the bytes flowing through it.
 *
 * Input chunks may have any size. Bytes are gathered into blocks of `chunkBytes` (default
 * 1 MiB, must be a positive multiple of 16 so that every block starts on an AES block
 * boundary) and each block is encrypted with one WebCrypto call whose counter is the zero IV
 * plus the number of AES blocks before it; the tail is flushed at the end (CTR needs no
 * padding). Input chunks that already cover whole blocks are encrypted in place (no copy).
 * Memory held: at most one `chunkBytes` buffer plus the input chunk being processed and its
 * output; the stream's default queuing strategy provides backpressure.
 */
export function aesCtrStream(key: Uint8Array, opts: { chunkBytes?: number } = {}): TransformStream<Uint8Array, Uint8Array> {
	assertKeyLength(key)
	const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES
	if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % AES_BLOCK_BYTES !== 0) {
		throw new RangeError(`chunkBytes must be a positive multiple of ${AES_BLOCK_BYTES}, got ${chunkBytes}`)
	}
	// Copy the key now: the caller may reuse or wipe its array before start() runs.
	const rawKey = key.slice()
	let cryptoKey: CryptoKey | undefined
	let pending: Uint8Array | undefined // lazily allocated, so short streams never hold 1 MiB
	let filled = 0
	let blocksDone = 0 // AES blocks already encrypted; a number is exact up to 2^53 blocks (128 PiB)

	const encryptNext = async (data: Uint8Array): Promise<Uint8Array> => {
		if (!cryptoKey) throw new Error('AES-CTR key not imported')
		const out = await ctrAt(cryptoKey, blocksDone, data)
		// Only the final call may have a partial block, so this stays exact.
		blocksDone += Math.ceil(data.length / AES_BLOCK_BYTES)
		return out
	}

	return new TransformStream<Uint8Array, Uint8Array>({
		async start() {
			cryptoKey = await importCtrKey(rawKey)
		},
		async transform(chunk, controller) {
			const input = asBytes(chunk)
			let offset = 0
			if (filled > 0) {
				// Top up the partial block first so the counter stays aligned.
				const buf = pending as Uint8Array
				const take = Math.min(chunkBytes - filled, input.length)
				buf.set(input.subarray(0, take), filled)
				filled += take
				offset = take
				if (filled < chunkBytes) return
				// WebCrypto copies its input, so the buffer can be reused right after the call.
				controller.enqueue(await encryptNext(buf))
				filled = 0
			}
			while (input.length - offset >= chunkBytes) {
				controller.enqueue(await encryptNext(input.subarray(offset, offset + chunkBytes)))
				offset += chunkBytes
			}
			if (offset < input.length) {
				pending ??= new Uint8Array(chunkBytes)
				pending.set(input.subarray(offset), 0)
				filled = input.length - offset
			}
		},
		async flush(controller) {
			if (filled > 0 && pending) {
				controller.enqueue(await encryptNext(pending.subarray(0, filled)))
				filled = 0
			}
			pending = undefined
		},
	})
}

/**
 * One-shot AES-256-CTR with the zero counter, for small payloads (interactiveDataRef blobs,
 * rich-link images, tests). Large attachments go through aesCtrStream.
 */
export async function aesCtrOneShot(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
	return ctrAt(await importCtrKey(key), 0, data)
}

/**
 * Passes bytes through unchanged and errors the stream with AttachmentSizeError if the total
 * differs from `expected`: as soon as it is exceeded, or at the end if it fell short (see
 * docs/apple-protocol.md §5.3 step 5, "size mismatch → clean failure"). `bytesSeen` reports progress.
 */
export class ExpectedSizeStream extends TransformStream<Uint8Array, Uint8Array> {
	readonly #state: { seen: number }

	constructor(readonly expected: number) {
		if (!Number.isSafeInteger(expected) || expected < 0) {
			throw new RangeError(`expected size must be a non-negative integer, got ${expected}`)
		}
		const state = { seen: 0 }
		super({
			transform(chunk, controller) {
				const bytes = asBytes(chunk)
				state.seen += bytes.length
				if (state.seen > expected) throw new AttachmentSizeError(expected, state.seen, 'too_long')
				controller.enqueue(bytes)
			},
			flush() {
				if (state.seen !== expected) throw new AttachmentSizeError(expected, state.seen, 'truncated')
			},
		})
		this.#state = state
	}

	get bytesSeen(): number {
		return this.#state.seen
	}
}

function assertKeyLength(key: Uint8Array): void {
	if (!(key instanceof Uint8Array) || key.length !== ATTACHMENT_KEY_BYTES) {
		throw new AttachmentKeyError(`attachment key must be ${ATTACHMENT_KEY_BYTES} bytes`)
	}
}

/** Streams are typed Uint8Array, but tolerate other BufferSources a producer might write. */
function asBytes(chunk: unknown): Uint8Array {
	if (chunk instanceof Uint8Array) return chunk
	if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk)
	if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
	throw new TypeError('attachment stream chunks must be bytes (Uint8Array)')
}
