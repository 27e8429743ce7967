/**
 * A fake of Apple's gateway blob endpoints (`http://apple.test/v1/preUpload|preDownload|
 * decodePayload`) and of the MMCS host (`http://mmcs.test/upload|download/<id>`), installed by
 * replacing globalThis.fetch for `*.test` hosts only (the runner fetches its own modules; see
 * webhook-receiver.ts). Blobs are stored in the test's R2 bucket under `fake-mmcs/`, never in
 * memory, so 100 MB files pass through it as streams. Every request is recorded with its
 * headers for exact assertions.
 */
import { env } from 'cloudflare:workers'
import { aesCtrStream, formatAttachmentKey } from '../../src/apple/attachment-cipher'
import { bytesToBase64, bytesToHex, base64ToBytes } from '../../src/apple/encoding'

export const GATEWAY = 'http://apple.test'
export const MMCS = 'http://mmcs.test'
const PREFIX = 'fake-mmcs/'
const TEST_HOST = /(\.localhost|\.test|^localhost|^127\.0\.0\.1)$/

export interface RecordedCall {
	method: string
	url: string
	path: string
	headers: Record<string, string>
}

interface Blob {
	size: number
	owner: string
	/** base64 of 0x01 + SHA-1(ciphertext), the shape Apple's fileChecksum seems to have (docs/apple-protocol.md §5.2 [U]). */
	checksum: string | null
}

export type DownloadMode = 'ok' | 'cut' | 'error' | 'extra' | 'wrong-length'

export interface FakeOptions {
	/** 'bare-only' answers 400 to MMCS-* names, like a gateway that wants url/signature/owner. */
	preDownloadNames: 'mmcs' | 'bare-only'
	download: DownloadMode
	/** Answer decodePayload as `{interactiveData: …}` (PYX1) instead of the bare dictionary. */
	decodeWrapped: boolean
	/** Statuses to answer, in order, before behaving normally, per operation. */
	failures: Partial<Record<'preUpload' | 'upload' | 'preDownload' | 'download' | 'decodePayload', number[]>>
}

export class FakeMmcs {
	readonly calls: RecordedCall[] = []
	readonly blobs = new Map<string, Blob>()
	options: FakeOptions = { preDownloadNames: 'mmcs', download: 'ok', decodeWrapped: false, failures: {} }
	private original = globalThis.fetch
	private n = 0

	install(): this {
		// Chained, not spied: a webhook receiver installed earlier keeps working behind us.
		this.original = globalThis.fetch
		globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
			const req = new Request(input as RequestInfo, init)
			const url = new URL(req.url)
			// Only the blob endpoints are ours; anything else (the runner's module fetches, a
			// webhook receiver or fake /v1/message installed before us) goes to the previous fetch.
			const ours = url.origin === MMCS || (url.origin === GATEWAY && url.pathname !== '/v1/message')
			if (!TEST_HOST.test(url.hostname) || !ours) return this.original(input as RequestInfo, init)
			this.calls.push({ method: req.method, url: req.url, path: url.pathname, headers: Object.fromEntries(req.headers) })
			return this.handle(req, url)
		}) as typeof fetch
		return this
	}

	restore(): void {
		globalThis.fetch = this.original
	}

	callsTo(path: string): RecordedCall[] {
		return this.calls.filter((c) => c.path.startsWith(path))
	}

	/**
	 * Store `plaintext` encrypted with `rawKey` as a blob a customer's device uploaded, and
	 * return the attachment dictionary Apple would put in the inbound message (hex signature).
	 */
	async seed(plaintext: ReadableStream<Uint8Array>, size: number, rawKey: Uint8Array, extra: Record<string, unknown> = {}) {
		const id = this.newId()
		const owner = `owner-${id}`
		this.blobs.set(id, { size, owner, checksum: null })
		const checksum = await this.store(id, plaintext.pipeThrough(aesCtrStream(rawKey)), size)
		this.blobs.get(id)!.checksum = checksum
		return {
			name: 'photo.jpg',
			mimeType: 'image/jpeg',
			size,
			key: formatAttachmentKey(rawKey),
			url: `${MMCS}/object/${id}`,
			owner,
			signature: bytesToHex(base64ToBytes(checksum)),
			...extra,
		}
	}

	/** The stored ciphertext of a blob, by its mmcs url. */
	async ciphertext(mmcsUrl: string): Promise<R2ObjectBody | null> {
		return env.ATTACHMENTS.get(PREFIX + idOf(mmcsUrl))
	}

	private newId(): string {
		return `b${++this.n}${crypto.randomUUID().slice(0, 8)}`
	}

	private failure(op: keyof FakeOptions['failures']): Response | null {
		const status = this.options.failures[op]?.shift()
		return status === undefined ? null : Response.json({ error: `injected ${status}` }, { status })
	}

	private async handle(req: Request, url: URL): Promise<Response> {
		const gw = url.origin === GATEWAY
		if (gw && url.pathname === '/v1/preUpload') {
			const injected = this.failure('preUpload')
			if (injected) return injected
			const size = Number(req.headers.get('mmcs-size'))
			if (!req.headers.get('authorization')?.startsWith('Bearer ') || !req.headers.get('source-id') || !Number.isInteger(size)) {
				return new Response('bad preUpload', { status: 400 })
			}
			const id = this.newId()
			this.blobs.set(id, { size, owner: `owner-${id}`, checksum: null })
			return Response.json({ 'upload-url': `${MMCS}/upload/${id}`, 'mmcs-url': `${MMCS}/object/${id}`, 'mmcs-owner': `owner-${id}` })
		}
		if (url.origin === MMCS && req.method === 'POST' && url.pathname.startsWith('/upload/')) {
			const injected = this.failure('upload')
			if (injected) {
				await req.body?.cancel()
				return injected
			}
			const id = url.pathname.slice('/upload/'.length)
			const blob = this.blobs.get(id)
			if (!blob || blob.checksum !== null || !req.body) return new Response('no slot', { status: 404 })
			try {
				blob.checksum = await this.store(id, req.body, blob.size)
			} catch (err) {
				return new Response(`upload failed: ${String(err)}`, { status: 400 })
			}
			return Response.json({ singleFile: { fileChecksum: blob.checksum, size: blob.size, receipt: 'r' } })
		}
		if (gw && url.pathname === '/v1/preDownload') {
			const injected = this.failure('preDownload')
			if (injected) return injected
			const h = req.headers
			const mmcsNames = h.has('mmcs-url') || h.has('mmcs-signature') || h.has('mmcs-owner')
			if (mmcsNames && this.options.preDownloadNames === 'bare-only') return new Response('unknown headers', { status: 400 })
			const mmcsUrl = h.get('mmcs-url') ?? h.get('url')
			const signature = h.get('mmcs-signature') ?? h.get('signature')
			const owner = h.get('mmcs-owner') ?? h.get('owner')
			if (!h.get('authorization')?.startsWith('Bearer ') || !h.get('source-id') || !mmcsUrl || !signature || !owner) {
				return new Response('missing headers', { status: 400 })
			}
			const id = idOf(mmcsUrl)
			const blob = this.blobs.get(id)
			if (!blob || blob.owner !== owner) return new Response('unknown blob', { status: 404 })
			if (signature !== blob.checksum) return new Response('signature mismatch (hex instead of base64?)', { status: 400 })
			return Response.json({ 'download-url': `${MMCS}/download/${id}` })
		}
		if (url.origin === MMCS && req.method === 'GET' && url.pathname.startsWith('/download/')) {
			const injected = this.failure('download')
			if (injected) return injected
			const id = url.pathname.slice('/download/'.length)
			const obj = await env.ATTACHMENTS.get(PREFIX + id)
			if (!obj) return new Response('gone', { status: 404 })
			return this.downloadResponse(obj)
		}
		if (gw && url.pathname === '/v1/decodePayload') {
			const injected = this.failure('decodePayload')
			if (injected) return injected
			if (!req.headers.get('bid') || !req.headers.get('source-id')) return new Response('missing headers', { status: 400 })
			let decoded: unknown
			try {
				decoded = JSON.parse(await req.text())
			} catch {
				return new Response('not a payload', { status: 400 })
			}
			return Response.json(this.options.decodeWrapped ? { interactiveData: decoded } : decoded)
		}
		return new Response(`fake MMCS: no route for ${req.method} ${req.url}`, { status: 404 })
	}

	private downloadResponse(obj: R2ObjectBody): Response {
		const size = obj.size
		const mode = this.options.download
		if (mode === 'ok') return new Response(obj.body, { headers: { 'content-length': String(size) } })
		if (mode === 'wrong-length') return new Response(obj.body, { headers: { 'content-length': String(size + 1) } })
		if (mode === 'extra') return new Response(concatStreams(obj.body, new Uint8Array(10)))
		// 'cut' and 'error': half the bytes, then end (or fail) without saying how long it is.
		const half = Math.floor(size / 2)
		let sent = 0
		const reader = obj.body.getReader()
		return new Response(
			new ReadableStream<Uint8Array>({
				async pull(ctl) {
					const { done, value } = await reader.read()
					if (done || sent >= half) {
						await reader.cancel().catch(() => {})
						if (mode === 'error') ctl.error(new TypeError('connection reset'))
						else ctl.close()
						return
					}
					const part = value.subarray(0, Math.max(0, half - sent))
					sent += part.byteLength
					if (part.byteLength > 0) ctl.enqueue(part)
				},
			}),
		)
	}

	/** Stream into R2 (exact length) while hashing; returns the base64 checksum. */
	private async store(id: string, source: ReadableStream<Uint8Array>, size: number): Promise<string> {
		const digest = new crypto.DigestStream('SHA-1')
		const digestWriter = digest.getWriter()
		const tap = new TransformStream<Uint8Array, Uint8Array>({
			async transform(chunk, ctl) {
				await digestWriter.write(chunk)
				ctl.enqueue(chunk)
			},
			async flush() {
				await digestWriter.close()
			},
		})
		// A zero-length FixedLengthStream can hang in workerd: buffer the (empty) file instead.
		const [, put] =
			size === 0
				? [null, await env.ATTACHMENTS.put(PREFIX + id, await new Response(source.pipeThrough(tap)).arrayBuffer())]
				: await (async () => {
						const fixed = new FixedLengthStream(size)
						return Promise.all([source.pipeThrough(tap).pipeTo(fixed.writable), env.ATTACHMENTS.put(PREFIX + id, fixed.readable)])
					})()
		if (!put) throw new Error('fake MMCS put failed')
		const sha1 = new Uint8Array(await digest.digest)
		const out = new Uint8Array(21)
		out[0] = 0x01
		out.set(sha1, 1)
		return bytesToBase64(out)
	}
}

function idOf(mmcsUrl: string): string {
	return new URL(mmcsUrl).pathname.split('/').pop() ?? ''
}

function concatStreams(a: ReadableStream<Uint8Array>, tail: Uint8Array): ReadableStream<Uint8Array> {
	const reader = a.getReader()
	let tailSent = false
	return new ReadableStream<Uint8Array>({
		async pull(ctl) {
			const { done, value } = await reader.read()
			if (!done) return ctl.enqueue(value)
			if (!tailSent) {
				tailSent = true
				ctl.enqueue(tail)
				return
			}
			ctl.close()
		},
	})
}

// --- lazily generated test data -------------------------------------------------------------

const MiB = 1024 * 1024

/**
 * `size` deterministic pseudo-random bytes (xorshift32 from `seed`) as a stream of 1 MiB
 * chunks, generated on demand: 100 MB never sits in memory.
 */
export function prngStream(size: number, seed: number, chunk = MiB): ReadableStream<Uint8Array> {
	let x = seed >>> 0 || 1
	let left = size
	return new ReadableStream<Uint8Array>(
		{
			pull(ctl) {
				if (left <= 0) {
					ctl.close()
					return
				}
				const n = Math.min(chunk, left)
				const out = new Uint8Array(Math.ceil(n / 4) * 4)
				const words = new Uint32Array(out.buffer)
				for (let i = 0; i < words.length; i++) {
					x ^= x << 13
					x ^= x >>> 17
					x ^= x << 5
					words[i] = x >>> 0
				}
				left -= n
				ctl.enqueue(n === out.length ? out : out.subarray(0, n))
			},
		},
		{ highWaterMark: 0 },
	)
}

/** SHA-256 (hex) of a stream, without keeping it. */
export async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<{ hex: string; size: number }> {
	const digest = new crypto.DigestStream('SHA-256')
	let size = 0
	await stream
		.pipeThrough(
			new TransformStream<Uint8Array, Uint8Array>({
				transform(chunk, ctl) {
					size += chunk.byteLength
					ctl.enqueue(chunk)
				},
			}),
		)
		.pipeTo(digest)
	return { hex: bytesToHex(new Uint8Array(await digest.digest)), size }
}

/** A known-length request body (Content-Length) from a lazy stream. */
export function fixedLengthBody(size: number, source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
	const fixed = new FixedLengthStream(size)
	source.pipeTo(fixed.writable).catch(() => {})
	return fixed.readable
}
