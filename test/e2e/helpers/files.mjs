/**
 * Node-side file helpers for the attachment tests: reproducible pseudo-random bytes, small
 * valid PNGs, a streamed upload of any size that never holds the whole body in memory, and a
 * look at Miniflare's local R2 directory. Plain JS (typed by files.d.mts) for the same reason
 * as stack.mjs: the root tsconfig checks test/ against the Workers types, without Node's.
 */
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { deflateSync } from 'node:zlib'

/** `size` bytes from a seeded xorshift32: the same seed always gives the same bytes. */
export function pseudoRandomBytes(size, seed = 1) {
	const out = Buffer.allocUnsafe(size)
	let x = (seed * 2654435761) >>> 0 || 0x9e3779b9
	let i = 0
	for (; i + 4 <= size; i += 4) {
		x ^= x << 13
		x >>>= 0
		x ^= x >>> 17
		x ^= x << 5
		x >>>= 0
		out.writeUInt32LE(x, i)
	}
	for (; i < size; i++) {
		x ^= x << 13
		x >>>= 0
		x ^= x >>> 17
		x ^= x << 5
		x >>>= 0
		out[i] = x & 0xff
	}
	return out
}

export function sha256Hex(bytes) {
	return createHash('sha256').update(bytes).digest('hex')
}

/** A Buffer view of bytes (what playwright's setInputFiles and Node fetch want). */
export function toBuffer(bytes) {
	return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Everything a Node stream (e.g. a playwright Download's) yields, as one Buffer. */
export async function readAll(stream) {
	const chunks = []
	for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
	return Buffer.concat(chunks)
}

const CRC_TABLE = (() => {
	const t = new Uint32Array(256)
	for (let n = 0; n < 256; n++) {
		let c = n
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
		t[n] = c >>> 0
	}
	return t
})()

function crc32(bytes) {
	let c = 0xffffffff
	for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
	return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
	const head = Buffer.alloc(8)
	head.writeUInt32BE(data.length, 0)
	head.write(type, 4, 'latin1')
	const crc = Buffer.alloc(4)
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
	return Buffer.concat([head, data, crc])
}

/**
 * A valid RGB PNG of noise (incompressible, so its size is about width × height × 3 bytes);
 * different seeds give different images.
 */
export function noisePng(width, height, seed = 1) {
	const ihdr = Buffer.alloc(13)
	ihdr.writeUInt32BE(width, 0)
	ihdr.writeUInt32BE(height, 4)
	ihdr[8] = 8 // bit depth
	ihdr[9] = 2 // colour type: RGB
	const pixels = pseudoRandomBytes(width * height * 3, seed)
	const raw = Buffer.alloc(height * (1 + width * 3))
	for (let y = 0; y < height; y++) pixels.copy(raw, y * (1 + width * 3) + 1, y * width * 3, (y + 1) * width * 3)
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0)),
	])
}

/** `size` bytes, 1 MiB at a time from one shared block; `progress.sent` counts what was handed over. */
function generatedBody(size, progress) {
	const block = Buffer.alloc(1024 * 1024, 0x5a)
	async function* generate() {
		while (progress.sent < size) {
			const n = Math.min(block.length, size - progress.sent)
			progress.sent += n
			yield n === block.length ? block : block.subarray(0, n)
		}
	}
	return Readable.from(generate())
}

function parseJson(text) {
	try {
		return JSON.parse(text)
	} catch {
		return null
	}
}

/**
 * POST `size` bytes as a chunked body (length unknown to the server), generated 1 MiB at a
 * time: never the whole body in memory. Resolves to the status and body of the answer, or to
 * the error if the connection broke before one came.
 */
export async function postStream(url, { headers = {}, size }) {
	const progress = { sent: 0 }
	const started = Date.now()
	try {
		const res = await fetch(url, { method: 'POST', headers, body: generatedBody(size, progress), duplex: 'half' })
		const text = await res.text()
		return { status: res.status, text, json: parseJson(text), sentBytes: progress.sent, ms: Date.now() - started, error: null }
	} catch (err) {
		return { status: 0, text: '', json: null, sentBytes: progress.sent, ms: Date.now() - started, error: String(err?.cause ?? err) }
	}
}

/**
 * POST with `Content-Length: size` and `Expect: 100-continue` (node:http): the generated body
 * goes only if the server asks for it with 100 Continue. A server that refuses on the headers
 * answers before a byte is sent, so its answer cannot be lost to a reset of the half-sent body.
 */
export function postDeclared(url, { headers = {}, size }) {
	const progress = { sent: 0 }
	const started = Date.now()
	return new Promise((resolve) => {
		const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(size), expect: '100-continue' } })
		const fail = (err) => resolve({ status: 0, text: '', json: null, sentBytes: progress.sent, ms: Date.now() - started, error: String(err) })
		let sending = false
		const send = () => {
			if (sending) return
			sending = true
			generatedBody(size, progress).pipe(req)
		}
		// Like curl: a server that neither answers nor says 100 Continue within a second gets the body anyway.
		const timer = setTimeout(send, 1000)
		req.on('error', fail)
		req.on('continue', send)
		req.on('response', (res) => {
			clearTimeout(timer)
			const chunks = []
			res.on('data', (c) => chunks.push(c))
			res.on('error', fail)
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8')
				resolve({ status: res.statusCode ?? 0, text, json: parseJson(text), sentBytes: progress.sent, ms: Date.now() - started, error: null })
				req.destroy()
			})
		})
		req.flushHeaders()
	})
}

/** The blob files of one local R2 bucket (Miniflare keeps object and part bodies there). */
export function r2BlobFiles(stateDir, bucket) {
	try {
		return readdirSync(join(stateDir, 'v3', 'r2', bucket, 'blobs')).sort()
	} catch (err) {
		if (err && err.code === 'ENOENT') return []
		throw err
	}
}
