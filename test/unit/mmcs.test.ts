/**
 * The MMCS client against scripted answers: exact headers (base64 signature, MMCS-* first and
 * bare names only after a 4xx), zod on every answer, and which failures are retryable.
 * globalThis.fetch is replaced for `*.test` hosts only; the runner's own fetches pass through.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MmcsClient } from '../../src/apple/mmcs'
import { locatorSignature, signatureHexToBase64 } from '../../src/apple/mmcs-signature'
import { MmcsError } from '../../src/apple/mmcs-types'

const GATEWAY = 'http://apple.test'
const TEST_HOST = /(\.localhost|\.test)$/

interface Seen {
	method: string
	url: string
	headers: Record<string, string>
	body: Uint8Array
}

type Script = (req: Request, seen: Seen) => Response | Promise<Response>

let seen: Seen[] = []
let script: Script[] = []
const original = globalThis.fetch

beforeEach(() => {
	seen = []
	script = []
	vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
		const req = new Request(input as RequestInfo, init)
		if (!TEST_HOST.test(new URL(req.url).hostname)) return original(input as RequestInfo, init)
		const entry: Seen = {
			method: req.method,
			url: req.url,
			headers: Object.fromEntries(req.headers),
			body: new Uint8Array(await req.arrayBuffer()),
		}
		seen.push(entry)
		const next = script.shift()
		if (!next) throw new TypeError(`unscripted test fetch: ${req.method} ${req.url}`)
		return next(req, entry)
	})
})

afterEach(() => {
	vi.restoreAllMocks()
	globalThis.fetch = original
})

const client = (over: Partial<ConstructorParameters<typeof MmcsClient>[0]> = {}) =>
	new MmcsClient({ gatewayUrl: GATEWAY, token: async () => 'jwt-token', businessId: 'biz-1', allowHttp: true, ...over })

const json =
	(body: unknown, status = 200, headers: Record<string, string> = {}) =>
	() =>
		Response.json(body, { status, headers })
const text =
	(body: string, status: number, headers: Record<string, string> = {}) =>
	() =>
		new Response(body, { status, headers })

async function failure(p: Promise<unknown>): Promise<MmcsError> {
	const err = await p.then(
		() => null,
		(e: unknown) => e,
	)
	expect(err).toBeInstanceOf(MmcsError)
	return err as MmcsError
}

// Apple's doc example signature shape: 21 bytes, first byte 0x01 (docs/apple-protocol.md §5.2).
const SIG_HEX = '01A9B0C1D2E3F405162738495A6B7C8D9EAFB0C1D2'
const SIG_B64 = btoa(String.fromCharCode(...(SIG_HEX.match(/../g) ?? []).map((h) => parseInt(h, 16))))

describe('signatures', () => {
	it('converts the hex signature to standard base64, case-insensitively', () => {
		expect(signatureHexToBase64('0102ab')).toBe('AQKr')
		expect(signatureHexToBase64('0102AB')).toBe('AQKr')
		expect(signatureHexToBase64(SIG_HEX)).toBe(SIG_B64)
		expect(signatureHexToBase64(SIG_HEX.toLowerCase())).toBe(SIG_B64)
	})

	it('refuses what is not hex, without retry', () => {
		for (const bad of ['', 'abc', 'zz', '01 02']) {
			let err: unknown
			try {
				signatureHexToBase64(bad)
			} catch (e) {
				err = e
			}
			expect(err).toBeInstanceOf(MmcsError)
			expect((err as MmcsError).retryable).toBe(false)
		}
	})

	it('prefers the hex signature and falls back to signature-base64', () => {
		expect(locatorSignature({ signature: SIG_HEX, signatureBase64: 'ignored' })).toBe(SIG_B64)
		expect(locatorSignature({ signatureBase64: SIG_B64 })).toBe(SIG_B64)
		expect(() => locatorSignature({})).toThrow(MmcsError)
	})
})

describe('preUpload', () => {
	it('sends exactly Authorization, Source-Id and MMCS-Size and returns the slot', async () => {
		script.push(json({ 'upload-url': 'https://upload.test/u/1', 'mmcs-url': 'https://p1-content.test/x', 'mmcs-owner': 'M123' }))
		const slot = await client().preUpload(67497)
		expect(slot).toEqual({ uploadUrl: 'https://upload.test/u/1', mmcsUrl: 'https://p1-content.test/x', mmcsOwner: 'M123' })
		expect(seen).toHaveLength(1)
		expect(seen[0]!.method).toBe('GET')
		expect(seen[0]!.url).toBe(`${GATEWAY}/v1/preUpload`)
		expect(seen[0]!.headers).toEqual({ authorization: 'Bearer jwt-token', 'source-id': 'biz-1', 'mmcs-size': '67497' })
	})

	it('classifies failures: 4xx final, 429/5xx/network/garbage retryable', async () => {
		script.push(text('bad', 400))
		const e400 = await failure(client().preUpload(1))
		expect([e400.status, e400.retryable, e400.operation]).toEqual([400, false, 'preUpload'])

		script.push(text('slow down', 429, { 'retry-after': '7' }))
		const e429 = await failure(client().preUpload(1))
		expect([e429.status, e429.retryable, e429.retryAfterSeconds]).toEqual([429, true, 7])

		script.push(text('oops', 503))
		expect((await failure(client().preUpload(1))).retryable).toBe(true)

		script.push(() => {
			throw new TypeError('network down')
		})
		const net = await failure(client().preUpload(1))
		expect([net.status, net.retryable]).toEqual([null, true])

		script.push(json({ 'upload-url': 'https://upload.test/u' })) // missing mmcs-url/owner: zod
		const bad = await failure(client().preUpload(1))
		expect(bad.retryable).toBe(true)
		expect(bad.message).toMatch(/mmcs-url/)

		script.push(text('<html>proxy</html>', 200))
		expect((await failure(client().preUpload(1))).message).toMatch(/not JSON/)
	})

	it('refuses an http upload URL outside development', async () => {
		script.push(json({ 'upload-url': 'http://upload.test/u', 'mmcs-url': 'm', 'mmcs-owner': 'o' }))
		const err = await failure(client({ allowHttp: false }).preUpload(1))
		expect(err.retryable).toBe(false)
	})

	it('times out a hanging gateway and calls it retryable', async () => {
		script.push(
			(req) =>
				new Promise<Response>((_, reject) => {
					req.signal.addEventListener('abort', () => reject(req.signal.reason))
				}),
		)
		const err = await failure(client({ gatewayTimeoutMs: 50 }).preUpload(1))
		expect([err.status, err.retryable]).toEqual([null, true])
	})

	it('a token that cannot be minted is final', async () => {
		const err = await failure(
			client({
				token: async () => {
					throw new Error('no secret')
				},
			}).preUpload(1),
		)
		expect(err.retryable).toBe(false)
		expect(seen).toHaveLength(0)
	})
})

describe('uploadCiphertext', () => {
	const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)
	const streamOf = (b: Uint8Array, chunk = 1000) => {
		let off = 0
		return new ReadableStream<Uint8Array>({
			pull(ctl) {
				if (off >= b.length) return ctl.close()
				ctl.enqueue(b.slice(off, off + chunk))
				off += chunk
			},
		})
	}

	it('POSTs the bytes without a JWT and returns the checksum', async () => {
		script.push(json({ singleFile: { fileChecksum: SIG_B64, size: 3000, receipt: 'r1' } }))
		const receipt = await client().uploadCiphertext('https://upload.test/u/1', streamOf(bytes), 3000)
		expect(receipt).toEqual({ fileChecksum: SIG_B64, size: 3000, receipt: 'r1' })
		expect(seen[0]!.method).toBe('POST')
		expect(seen[0]!.url).toBe('https://upload.test/u/1')
		expect(seen[0]!.headers.authorization).toBeUndefined()
		expect(seen[0]!.body).toEqual(bytes)
	})

	it('accepts size as a numeric string and no receipt', async () => {
		script.push(json({ singleFile: { fileChecksum: SIG_B64, size: '3000' } }))
		expect(await client().uploadCiphertext('https://upload.test/u/1', streamOf(bytes), 3000)).toEqual({
			fileChecksum: SIG_B64,
			size: 3000,
			receipt: null,
		})
	})

	it('fails when the stream is shorter than announced', async () => {
		script.push(json({ singleFile: { fileChecksum: SIG_B64 } }))
		const err = await failure(client().uploadCiphertext('https://upload.test/u/1', streamOf(bytes.subarray(0, 100)), 3000))
		expect(err.retryable).toBe(true)
	})

	it('reports a failing source as a retryable read failure', async () => {
		let sent = false
		const broken = new ReadableStream<Uint8Array>({
			pull(ctl) {
				if (!sent) {
					sent = true
					ctl.enqueue(new Uint8Array(10))
					return
				}
				ctl.error(new Error('R2 read failed'))
			},
		})
		script.push(json({ singleFile: { fileChecksum: SIG_B64 } }))
		const err = await failure(client().uploadCiphertext('https://upload.test/u/1', broken, 3000))
		expect(err.retryable).toBe(true)
		expect(err.operation).toBe('upload')
	})

	it('a 4xx from MMCS is final', async () => {
		script.push(text('expired slot', 403))
		const err = await failure(client().uploadCiphertext('https://upload.test/u/1', streamOf(bytes), 3000))
		expect([err.status, err.retryable]).toEqual([403, false])
	})
})

describe('preDownload', () => {
	const blob = { url: 'https://p1-content.test/obj', owner: 'M-owner', signatureBase64: SIG_B64 }

	it('sends MMCS-Url, MMCS-Signature (base64, not hex) and MMCS-Owner first', async () => {
		script.push(json({ 'download-url': 'https://dl.test/x?sig=1' }))
		const res = await client().preDownload(blob)
		expect(res).toEqual({ downloadUrl: 'https://dl.test/x?sig=1', headerStyle: 'mmcs' })
		expect(seen).toHaveLength(1)
		expect(seen[0]!.url).toBe(`${GATEWAY}/v1/preDownload`)
		expect(seen[0]!.headers).toEqual({
			authorization: 'Bearer jwt-token',
			'source-id': 'biz-1',
			'mmcs-url': 'https://p1-content.test/obj',
			'mmcs-signature': SIG_B64,
			'mmcs-owner': 'M-owner',
		})
		expect(seen[0]!.headers['mmcs-signature']).not.toMatch(/^[0-9a-fA-F]+$/)
	})

	it('retries once with bare url/signature/owner after a 4xx', async () => {
		script.push(text('unknown header', 400), json({ 'download-url': 'https://dl.test/y' }))
		const res = await client().preDownload(blob)
		expect(res).toEqual({ downloadUrl: 'https://dl.test/y', headerStyle: 'bare' })
		expect(seen).toHaveLength(2)
		expect(seen[1]!.headers).toEqual({
			authorization: 'Bearer jwt-token',
			'source-id': 'biz-1',
			url: 'https://p1-content.test/obj',
			signature: SIG_B64,
			owner: 'M-owner',
		})
	})

	it('gives up after the bare retry also fails with a 4xx (final)', async () => {
		script.push(text('no', 404), text('still no', 404))
		const err = await failure(client().preDownload(blob))
		expect([err.status, err.retryable]).toEqual([404, false])
		expect(seen).toHaveLength(2)
	})

	it('a bare retry that hits a 5xx is retryable', async () => {
		script.push(text('no', 400), text('down', 502))
		const err = await failure(client().preDownload(blob))
		expect([err.status, err.retryable]).toEqual([502, true])
	})

	it('does not retry under other names on 5xx or 429', async () => {
		script.push(text('down', 500))
		const e500 = await failure(client().preDownload(blob))
		expect([e500.status, e500.retryable]).toEqual([500, true])
		expect(seen).toHaveLength(1)

		script.push(text('later', 429))
		const e429 = await failure(client().preDownload(blob))
		expect([e429.status, e429.retryable]).toEqual([429, true])
		expect(seen).toHaveLength(2)
	})

	it('validates the answer', async () => {
		script.push(json({ url: 'https://dl.test/z' }))
		expect((await failure(client().preDownload(blob))).message).toMatch(/download-url/)
	})
})

describe('downloadCiphertext', () => {
	it('hands back the body unread with its Content-Length', async () => {
		script.push(() => new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-length': '3' } }))
		const dl = await client().downloadCiphertext('https://dl.test/x')
		expect(dl.contentLength).toBe(3)
		expect(new Uint8Array(await new Response(dl.body).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))
		expect(seen[0]!.headers).toEqual({})
	})

	it('classifies 4xx as final and 5xx as retryable', async () => {
		script.push(text('gone', 404), text('busy', 503))
		expect((await failure(client().downloadCiphertext('https://dl.test/x'))).retryable).toBe(false)
		expect((await failure(client().downloadCiphertext('https://dl.test/x'))).retryable).toBe(true)
	})
})

describe('decodePayload', () => {
	const payload = new TextEncoder().encode('{"opaque":"blob"}')
	const dict = { bid: 'com.apple.x', data: { requestIdentifier: 'r1', listPicker: { sections: [] } }, sessionIdentifier: 's1' }

	it('posts the decrypted bytes as-is with bid and source-id', async () => {
		script.push(json(dict))
		expect(await client().decodePayload('com.apple.x', payload)).toEqual(dict)
		expect(seen[0]!.method).toBe('POST')
		expect(seen[0]!.url).toBe(`${GATEWAY}/v1/decodePayload`)
		expect(seen[0]!.body).toEqual(payload)
		expect(seen[0]!.headers).toEqual({
			authorization: 'Bearer jwt-token',
			'source-id': 'biz-1',
			bid: 'com.apple.x',
			accept: '*/*',
			'accept-encoding': 'gzip, deflate',
			'content-type': 'application/octet-stream',
		})
	})

	it('unwraps {interactiveData: …} answers', async () => {
		script.push(json({ interactiveData: dict }))
		expect(await client().decodePayload('com.apple.x', payload)).toEqual(dict)
	})

	it('gunzips a gzip answer', async () => {
		const gz = await new Response(new Blob([JSON.stringify(dict)]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
		script.push(() => new Response(gz, { headers: { 'content-type': 'application/json' } }))
		expect(await client().decodePayload('com.apple.x', payload)).toEqual(dict)
	})

	it('403 is final', async () => {
		script.push(text('forbidden', 403))
		const err = await failure(client().decodePayload('com.apple.x', payload))
		expect([err.status, err.retryable, err.operation]).toEqual([403, false, 'decodePayload'])
	})
})
