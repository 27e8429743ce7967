/**
 * Attachments end to end inside workerd (issue 4): business uploads streamed into R2 (0 B,
 * 1 B, 5 MB, 100 MB; 413 above the limit with nothing stored), the send side (R2 → AES-CTR →
 * fake MMCS), the receive side (fake MMCS → preDownload → decrypt → R2) and its clean failure
 * paths, signed links and the retention purge. Big files are generated lazily and compared by
 * SHA-256, never held in memory.
 *
 * The failure-path tests make workerd log "Uncaught (in promise) … client disconnected" /
 * "Network connection lost": that is Miniflare's local R2 simulator noticing an aborted put
 * (a bare `put()` of an aborted stream logs the same), not an unhandled promise of ours.
 */
import { env, exports } from 'cloudflare:workers'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { newAttachmentKey } from '../../src/apple/attachment-cipher'
import { bytesToHex, base64ToBytes } from '../../src/apple/encoding'
import { InboundAttachmentSchema, InteractiveDataRefSchema } from '../../src/apple/inbound'
import { mmcsClientFor } from '../../src/attachments/client'
import { attachmentForEvent, fetchInteractiveDataRef, stageInboundAttachment, DataRefError } from '../../src/attachments/inbound'
import { signDownloadToken, signedDownloadUrl } from '../../src/attachments/links'
import { OutboundAttachmentError, bodyWithAttachmentMarkers, prepareOutboundAttachment } from '../../src/attachments/outbound'
import { pinAttachment, purgeExpiredAttachments, unpinAttachment } from '../../src/attachments/purge'
import { MAX_ATTACHMENT_BYTES, businessPrefix } from '../../src/attachments/r2-staging'
import type { AppBindings } from '../../src/context'
import { AppError, errorBody } from '../../src/lib/errors'
import { requireBusiness } from '../../src/routes/business-auth'
import { attachments, signedAttachments } from '../../src/routes/attachments'
import { FakeMmcs, fixedLengthBody, prngStream, sha256OfStream } from '../helpers/fake-mmcs'
import { createBusiness, type CreatedBusiness } from '../helpers/platform'

const MiB = 1024 * 1024
const ORIGIN = 'https://msp.test'

// --- the API under test: the Worker entry once the lead mounts the routes, else the same
// composition (error boundary, API-key middleware, these routers) in a local app. -----------

const local = new Hono<AppBindings>()
local.onError((err, c) => {
	if (err instanceof AppError) return c.json(errorBody(err), err.status)
	if (err instanceof HTTPException) return c.json({ error: { code: 'http_error', message: err.message } }, err.status)
	return c.json({ error: { code: 'internal', message: String(err) } }, 500)
})
const v1 = new Hono<AppBindings>()
v1.use('*', requireBusiness)
v1.route('/attachments', attachments)
local.route('/v1', v1)
local.route('/', signedAttachments)

let viaEntry = false
async function api(path: string, init: RequestInit = {}): Promise<Response> {
	const url = `${ORIGIN}${path}`
	return viaEntry ? exports.default.fetch(url, init) : local.request(url, init, env)
}

let biz: CreatedBusiness
let fake: FakeMmcs

beforeAll(async () => {
	biz = await createBusiness()
	// Mounted in the Worker entry? An unmounted path answers the app's "no such route" 404.
	const probe = await exports.default.fetch(`${ORIGIN}/v1/attachments/att_AAAAAAAAAAAAAAAAAAAAAA`, {
		headers: { authorization: `Bearer ${biz.apiKey}` },
	})
	viaEntry = !(probe.status === 404 && ((await probe.json()) as { error: { message: string } }).error.message === 'no such route')
	console.info(`attachments tests go through ${viaEntry ? 'the Worker entry' : 'a local app (routes not mounted yet)'}`)
})

beforeEach(() => {
	fake = new FakeMmcs().install()
})
afterEach(() => fake.restore())

const auth = () => ({ authorization: `Bearer ${biz.apiKey}` })

async function upload(size: number, seed: number, opts: { known?: boolean; type?: string; name?: string } = {}) {
	const headers: Record<string, string> = { ...auth() }
	if (opts.type) headers['content-type'] = opts.type
	let body: ReadableStream<Uint8Array> | null = prngStream(size, seed)
	if (opts.known ?? true) {
		headers['content-length'] = String(size)
		body = size === 0 ? null : fixedLengthBody(size, body)
	}
	const q = opts.name ? `?name=${encodeURIComponent(opts.name)}` : ''
	return api(`/v1/attachments${q}`, { method: 'POST', headers, body })
}

async function r2Keys(prefix: string): Promise<string[]> {
	const keys: string[] = []
	let cursor: string | undefined
	for (;;) {
		const page = await env.ATTACHMENTS.list({ prefix, ...(cursor ? { cursor } : {}) })
		keys.push(...page.objects.map((o) => o.key))
		if (!page.truncated) return keys
		cursor = page.cursor
	}
}

const expected = (size: number, seed: number) => sha256OfStream(prngStream(size, seed))
const client = (businessId = biz.businessId) => mmcsClientFor(env, businessId)
const inbound = (raw: unknown) => InboundAttachmentSchema.parse(raw)

const hexToB64 = (hex: string) => btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => parseInt(h, 16))))

/** Apple delivers the uploader's checksum as hex `signature` on the receiving side. */
function asReceived(att: { name: string; mimeType: string; size: string; key: string; url: string; owner: string; 'signature-base64': string }) {
	return inbound({ ...att, size: Number(att.size), signature: bytesToHex(base64ToBytes(att['signature-base64'])) })
}

describe('POST /v1/attachments and GET /v1/attachments/{id}', () => {
	for (const [label, size, known] of [
		['0 B', 0, true],
		['1 B', 1, true],
		['5 MB', 5 * MiB, true],
		['0 B chunked', 0, false],
		['1 B chunked', 1, false],
		['5 MB chunked', 5 * MiB, false],
		['20 MB chunked (multipart, 8 MiB parts + tail)', 20 * MiB + 12345, false],
	] as const) {
		it(`round-trips ${label} through R2`, async () => {
			const seed = size + 11
			const res = await upload(size, seed, { known, type: 'application/x-test' })
			expect(res.status).toBe(201)
			const created = (await res.json()) as { id: string; name: string; mimeType: string; size: number; expiresAt: string }
			expect(created).toMatchObject({ size, mimeType: 'application/x-test', name: 'attachment' })
			expect(created.id).toMatch(/^att_[A-Za-z0-9_-]{22}$/)
			const got = await api(`/v1/attachments/${created.id}`, { headers: auth() })
			expect(got.status).toBe(200)
			expect(got.headers.get('content-type')).toBe('application/x-test')
			expect(got.headers.get('content-disposition')).toBe(`attachment; filename="attachment"; filename*=UTF-8''attachment`)
			expect(got.headers.get('x-content-type-options')).toBe('nosniff')
			expect(await sha256OfStream(got.body!)).toEqual(await expected(size, seed))
		})
	}

	it('round-trips 100 MB: upload → R2 → encrypt → MMCS → preDownload → decrypt → R2 → download', { timeout: 180_000 }, async () => {
		const size = 100 * MiB
		const seed = 4242
		const want = await expected(size, seed)
		const res = await upload(size, seed, { type: 'video/quicktime', name: 'big movie.mov' })
		expect(res.status).toBe(201)
		const { id } = (await res.json()) as { id: string }

		// Send side: what the conversation does for a text with attachment ids.
		expect(await pinAttachment(env, { businessId: biz.businessId, attachmentId: id, holder: 'msg-1', untilMs: Date.now() + 3_600_000 })).toBe(true)
		const dict = await prepareOutboundAttachment(env, biz.businessId, id, client())
		expect(dict).toMatchObject({ name: 'big movie.mov', mimeType: 'video/quicktime', size: String(size) })
		expect(dict.key).toMatch(/^00[0-9a-f]{64}$/)
		// What reached MMCS is ciphertext, not the file.
		const ct = await fake.ciphertext(dict.url)
		expect((await sha256OfStream(ct!.body)).hex).not.toBe(want.hex)

		// Receive side: the same blob comes back as an inbound attachment.
		const staged = await stageInboundAttachment(env, {
			businessId: biz.businessId,
			conversationId: 'conv-1',
			attachment: asReceived(dict),
			client: client(),
		})
		expect(staged).toMatchObject({ status: 'ready', size, name: 'big movie.mov', mimeType: 'video/quicktime' })
		const back = await api(`/v1/attachments/${(staged as { id: string }).id}`, { headers: auth() })
		expect(back.status).toBe(200)
		expect(await sha256OfStream(back.body!)).toEqual(want)
	})

	it('refuses over 100 MB with 413 and stores nothing: declared Content-Length', async () => {
		const before = await r2Keys(businessPrefix(biz.businessId))
		const res = await upload(MAX_ATTACHMENT_BYTES + MiB, 1)
		expect(res.status).toBe(413)
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
		expect(await r2Keys(businessPrefix(biz.businessId))).toEqual(before)
	})

	it('refuses over 100 MB with 413 and stores nothing: chunked body that grows past the limit', { timeout: 180_000 }, async () => {
		const other = await createBusiness()
		const res = await api('/v1/attachments', {
			method: 'POST',
			headers: { authorization: `Bearer ${other.apiKey}` },
			body: prngStream(MAX_ATTACHMENT_BYTES + MiB, 2),
		})
		expect(res.status).toBe(413)
		expect(await r2Keys(businessPrefix(other.businessId))).toEqual([])
	})

	it('accepts exactly the limit', { timeout: 180_000 }, async () => {
		const res = await upload(MAX_ATTACHMENT_BYTES, 3, { known: false })
		expect(res.status).toBe(201)
		expect(((await res.json()) as { size: number }).size).toBe(MAX_ATTACHMENT_BYTES)
	})

	it('sniffs the type when none is given and names the file after it', async () => {
		const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
		const res = await api('/v1/attachments', { method: 'POST', headers: auth(), body: png })
		expect(await res.json()).toMatchObject({ mimeType: 'image/png', name: 'attachment.png', size: 12 })
		const pass = await api('/v1/attachments?name=ticket.pkpass', {
			method: 'POST',
			headers: { ...auth(), 'content-type': 'application/octet-stream' },
			body: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]),
		})
		expect(await pass.json()).toMatchObject({ mimeType: 'application/vnd.apple.pkpass', name: 'ticket.pkpass' })
	})

	it('keeps a Unicode name, served with an RFC 8187 filename*', async () => {
		const res = await api(`/v1/attachments?name=${encodeURIComponent('reçu "mars".pdf')}`, {
			method: 'POST',
			headers: { ...auth(), 'content-type': 'application/pdf; charset=binary' },
			body: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d]),
		})
		const { id, name, mimeType } = (await res.json()) as { id: string; name: string; mimeType: string }
		expect([name, mimeType]).toEqual(['reçu "mars".pdf', 'application/pdf'])
		const got = await api(`/v1/attachments/${id}`, { headers: auth() })
		expect(got.headers.get('content-disposition')).toBe(`attachment; filename="re_u _mars_.pdf"; filename*=UTF-8''re%C3%A7u%20%22mars%22.pdf`)
		await got.body?.cancel()
	})

	it('isolates tenants: another business gets 404 for the same id', async () => {
		const res = await upload(10, 5)
		const { id } = (await res.json()) as { id: string }
		const other = await createBusiness()
		const got = await api(`/v1/attachments/${id}`, { headers: { authorization: `Bearer ${other.apiKey}` } })
		expect(got.status).toBe(404)
		expect((await api(`/v1/attachments/not-an-id`, { headers: auth() })).status).toBe(404)
		expect((await api(`/v1/attachments/${id}`)).status).toBe(401)
	})
})

describe('sending: prepareOutboundAttachment', () => {
	it('builds the dictionary with short key names, a fresh key per file, and pins', async () => {
		const a = (await (await upload(1000, 7, { type: 'image/jpeg', name: 'a.jpg' })).json()) as { id: string }
		const first = await prepareOutboundAttachment(env, biz.businessId, a.id, client())
		const second = await prepareOutboundAttachment(env, biz.businessId, a.id, client())
		expect(Object.keys(first).sort()).toEqual(['key', 'mimeType', 'name', 'owner', 'signature-base64', 'size', 'url'])
		expect(first).toMatchObject({ name: 'a.jpg', mimeType: 'image/jpeg', size: '1000' })
		expect(first.key).not.toBe(second.key)
		const pre = fake.callsTo('/v1/preUpload')
		expect(pre[0]!.headers['mmcs-size']).toBe('1000')
		expect(pre[0]!.headers['source-id']).toBe(biz.businessId)
		expect(pre[0]!.headers.authorization).toMatch(/^Bearer ey/)
		expect(fake.calls.filter((c) => c.path.startsWith('/upload/'))[0]!.headers.authorization).toBeUndefined()
		expect(bodyWithAttachmentMarkers('Here you go', 2)).toBe('Here you go\uFFFC\uFFFC')
		expect(bodyWithAttachmentMarkers('a \uFFFC b \uFFFC', 2)).toBe('a \uFFFC b \uFFFC')
		expect(bodyWithAttachmentMarkers('\uFFFC', 0)).toBe('')
	})

	it('retries a transient upload failure with a new slot, and a 4xx is final', async () => {
		const a = (await (await upload(100, 8)).json()) as { id: string }
		fake.options.failures = { upload: [503] }
		const dict = await prepareOutboundAttachment(env, biz.businessId, a.id, client(), { retryDelaysMs: [0] })
		expect(dict.size).toBe('100')
		expect(fake.callsTo('/v1/preUpload')).toHaveLength(2)

		fake.options.failures = { preUpload: [400] }
		const err = await prepareOutboundAttachment(env, biz.businessId, a.id, client(), { retryDelaysMs: [0] }).catch((e: unknown) => e)
		expect(err).toBeInstanceOf(OutboundAttachmentError)
		expect(err).toMatchObject({ code: 'gateway', retryable: false, status: 400 })
	})

	it('refuses unknown, foreign and expired attachments', async () => {
		const a = (await (await upload(10, 9)).json()) as { id: string }
		const other = await createBusiness()
		await expect(prepareOutboundAttachment(env, other.businessId, a.id, client(other.businessId))).rejects.toMatchObject({ code: 'not_found' })
		await expect(prepareOutboundAttachment(env, biz.businessId, 'att_AAAAAAAAAAAAAAAAAAAAAA', client())).rejects.toMatchObject({ code: 'not_found' })
		const later = Date.now() + 31 * 86_400_000
		await expect(prepareOutboundAttachment(env, biz.businessId, a.id, client(), { now: later })).rejects.toMatchObject({ code: 'expired' })
	})
})

describe('receiving: stageInboundAttachment', () => {
	async function seeded(size: number, seed: number, extra: Record<string, unknown> = {}) {
		return fake.seed(prngStream(size, seed), size, newAttachmentKey(), extra)
	}
	const stage = (attachment: unknown, extra: { retryDelaysMs?: number[] } = {}) =>
		stageInboundAttachment(env, {
			businessId: biz.businessId,
			conversationId: 'conv-in',
			messageId: 'apple-msg-1',
			attachment: inbound(attachment),
			client: client(),
			retryDelaysMs: [0],
			...extra,
		})

	for (const size of [0, 1, 5 * MiB]) {
		it(`stages ${size} bytes decrypted, with name, type and size`, async () => {
			const att = await seeded(size, size + 3)
			const staged = await stage(att)
			expect(staged).toMatchObject({ status: 'ready', name: 'photo.jpg', mimeType: 'image/jpeg', size })
			const got = await api(`/v1/attachments/${(staged as { id: string }).id}`, { headers: auth() })
			expect(await sha256OfStream(got.body!)).toEqual(await expected(size, size + 3))
			const head = await env.ATTACHMENTS.head(`${businessPrefix(biz.businessId)}${(staged as { id: string }).id}`)
			expect(head?.customMetadata).toMatchObject({ direction: 'inbound', conversationId: 'conv-in', messageId: 'apple-msg-1', size: String(size) })
		})
	}

	it('sends MMCS-Signature as base64 of the hex signature, upper-case hex and key accepted', async () => {
		const att = await seeded(64, 1)
		const upper = { ...att, key: att.key.toUpperCase(), signature: att.signature.toUpperCase() }
		expect(await stage(upper)).toMatchObject({ status: 'ready' })
		const pre = fake.callsTo('/v1/preDownload')[0]!
		expect(pre.headers['mmcs-signature']).toBe(hexToB64(att.signature))
		expect(pre.headers['mmcs-url']).toBe(att.url)
		expect(pre.headers['mmcs-owner']).toBe(att.owner)
	})

	it('falls back to bare url/signature/owner when the gateway refuses MMCS-*', async () => {
		fake.options.preDownloadNames = 'bare-only'
		expect(await stage(await seeded(100, 2))).toMatchObject({ status: 'ready' })
		const pre = fake.callsTo('/v1/preDownload')
		expect(pre).toHaveLength(2)
		expect(pre[1]!.headers).toHaveProperty('signature')
	})

	it('legacy key names are accepted', async () => {
		const att = await seeded(100, 3)
		const legacy = {
			name: att.name,
			'mime-type': att.mimeType,
			'file-size': String(att.size),
			'decryption-key': att.key,
			'mmcs-url': att.url,
			'mmcs-owner': att.owner,
			signature: att.signature,
		}
		expect(await stage(legacy)).toMatchObject({ status: 'ready', size: 100, mimeType: 'image/jpeg' })
	})

	it('a wrong (well-formed) key stages different bytes: CTR has no integrity check', async () => {
		const att = await seeded(4096, 4)
		const staged = await stage({ ...att, key: `00${'ab'.repeat(32)}` })
		expect(staged.status).toBe('ready')
		const got = await api(`/v1/attachments/${(staged as { id: string }).id}`, { headers: auth() })
		expect((await sha256OfStream(got.body!)).hex).not.toBe((await expected(4096, 4)).hex)
	})

	it('a transient preDownload failure is retried and succeeds', async () => {
		fake.options.failures = { preDownload: [503] }
		expect(await stage(await seeded(100, 10))).toMatchObject({ status: 'ready' })
		expect(fake.callsTo('/v1/preDownload')).toHaveLength(2)
	})

	describe('clean failures: the message still goes out, the attachment is marked, R2 holds nothing', () => {
		let prefixBefore: string[]
		beforeEach(async () => {
			prefixBefore = await r2Keys(businessPrefix(biz.businessId))
		})
		afterEach(async () => {
			expect(await r2Keys(businessPrefix(biz.businessId))).toEqual(prefixBefore)
		})

		it('malformed key → invalid_key, final, nothing fetched', async () => {
			const att = await seeded(100, 5)
			fake.calls.length = 0
			for (const key of ['01' + 'ab'.repeat(32), '00' + 'ab'.repeat(31), '00' + 'zz'.repeat(32)]) {
				expect(await stage({ ...att, key })).toMatchObject({ status: 'failed', code: 'invalid_key', retryable: false, attempts: 0 })
			}
			expect(fake.calls).toHaveLength(0)
		})

		it('truncated download → retried, then failed "truncated" (retryable)', async () => {
			fake.options.download = 'cut'
			const staged = await stage(await seeded(3 * MiB, 6))
			expect(staged).toMatchObject({ status: 'failed', code: 'truncated', retryable: true, attempts: 3, size: 3 * MiB, name: 'photo.jpg' })
			expect(fake.callsTo('/v1/preDownload')).toHaveLength(3)
		})

		it('connection reset mid-download → download_failed (retryable)', async () => {
			fake.options.download = 'error'
			expect(await stage(await seeded(2 * MiB, 7))).toMatchObject({ status: 'failed', code: 'download_failed', retryable: true })
		})

		it('size mismatch: Content-Length differs from size → size_mismatch, final, no retry', async () => {
			const att = await seeded(1000, 8)
			expect(await stage({ ...att, size: 999 })).toMatchObject({ status: 'failed', code: 'size_mismatch', retryable: false, attempts: 1 })
		})

		it('size mismatch: more bytes than announced (no Content-Length) → size_mismatch', async () => {
			fake.options.download = 'extra'
			expect(await stage(await seeded(1 * MiB + 5, 9))).toMatchObject({ status: 'failed', code: 'size_mismatch', retryable: false })
		})

		it('a final preDownload refusal → predownload_failed', async () => {
			fake.options.failures = { preDownload: [404, 404] }
			expect(await stage(await seeded(100, 11))).toMatchObject({ status: 'failed', code: 'predownload_failed', retryable: false, attempts: 1 })
		})

		it('over 100 MB announced → too_large without a download', async () => {
			const att = await seeded(10, 12)
			fake.calls.length = 0
			expect(await stage({ ...att, size: MAX_ATTACHMENT_BYTES + 1 })).toMatchObject({ status: 'failed', code: 'too_large', retryable: false })
			expect(fake.calls).toHaveLength(0)
		})
	})

	it('event entries: a signed link for staged files, the reason for failed ones', async () => {
		const ok = await stage(await seeded(10, 13))
		const bad = await stage({ ...(await seeded(10, 14)), key: 'nope' })
		const okEntry = await attachmentForEvent(env, { origin: ORIGIN, businessId: biz.businessId, index: 0, staged: ok })
		const badEntry = await attachmentForEvent(env, { origin: ORIGIN, businessId: biz.businessId, index: 1, staged: bad })
		expect(okEntry).toMatchObject({ index: 0, status: 'ready', name: 'photo.jpg', mimeType: 'image/jpeg', size: 10 })
		expect(okEntry.url).toMatch(/^https:\/\/msp\.test\/attachments\/signed\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
		expect(badEntry).toMatchObject({ index: 1, status: 'failed', error: { code: 'invalid_key', retryable: false } })
		const dl = await api(new URL(okEntry.url as string).pathname)
		expect(dl.status).toBe(200)
		expect(await sha256OfStream(dl.body!)).toEqual(await expected(10, 13))
	})
})

describe('interactiveDataRef', () => {
	const dict = {
		bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
		data: {
			requestIdentifier: 'req-1',
			version: '1.0',
			replyMessage: { title: 'Picked' },
			listPicker: { sections: [{ items: Array.from({ length: 200 }, (_, i) => ({ identifier: `i${i}`, title: `Item ${i}`, image: 'x'.repeat(40) })) }] },
		},
		sessionIdentifier: 'sess-1',
	}
	const bytes = new TextEncoder().encode(JSON.stringify(dict))

	async function seededRef(extra: Record<string, unknown> = {}) {
		const att = await fake.seed(new Blob([bytes]).stream(), bytes.byteLength, newAttachmentKey())
		return InteractiveDataRefSchema.parse({
			bid: dict.bid,
			url: att.url,
			owner: att.owner,
			key: att.key,
			size: att.size,
			signature: att.signature,
			title: 'Pick one',
			...extra,
		})
	}

	it('downloads, decrypts and decodes a reply over 10 KB, as if it had come inline', async () => {
		expect(bytes.byteLength).toBeGreaterThan(10 * 1024)
		const ref = await seededRef()
		const decoded = await fetchInteractiveDataRef(env, ref, client())
		expect(decoded).toEqual(dict)
		const call = fake.callsTo('/v1/decodePayload')[0]!
		expect(call.headers.bid).toBe(dict.bid)
		expect(call.headers['source-id']).toBe(biz.businessId)
	})

	it('accepts the {interactiveData} answer shape and signature-base64 only', async () => {
		fake.options.decodeWrapped = true
		const ref = await seededRef()
		const b64Only = InteractiveDataRefSchema.parse({
			...ref,
			signature: undefined,
			'signature-base64': hexToB64(ref.signature!),
		})
		expect(await fetchInteractiveDataRef(env, b64Only, client())).toEqual(dict)
	})

	it('fails with a typed, classified error', async () => {
		const ref = await seededRef()
		fake.options.failures = { decodePayload: [403] }
		await expect(fetchInteractiveDataRef(env, ref, client(), { retryDelaysMs: [0] })).rejects.toMatchObject({ code: 'decode_failed', retryable: false })
		fake.options.download = 'cut'
		const err = await fetchInteractiveDataRef(env, ref, client(), { retryDelaysMs: [0] }).catch((e: unknown) => e)
		expect(err).toBeInstanceOf(DataRefError)
		expect(err).toMatchObject({ code: 'truncated', retryable: true })
	})
})

describe('signed links', () => {
	let id: string
	beforeAll(async () => {
		id = ((await (await upload(100, 21, { type: 'text/html' })).json()) as { id: string }).id
	})

	it('a valid link serves the file, sandboxed', async () => {
		const url = await signedDownloadUrl(env, ORIGIN, { businessId: biz.businessId, attachmentId: id, expiresAt: Date.now() + 60_000 })
		const res = await api(new URL(url).pathname)
		expect(res.status).toBe(200)
		expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
		expect(res.headers.get('content-disposition')).toMatch(/^attachment;/)
		expect(await sha256OfStream(res.body!)).toEqual(await expected(100, 21))
	})

	it('an expired link answers 410', async () => {
		const token = await signDownloadToken(env, { businessId: biz.businessId, attachmentId: id, expiresAt: Date.now() - 1000 })
		const res = await api(`/attachments/signed/${token}`)
		expect(res.status).toBe(410)
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe('link_expired')
	})

	it('a tampered link answers 403: payload, signature, or retargeted at another tenant', async () => {
		const token = await signDownloadToken(env, { businessId: biz.businessId, attachmentId: id, expiresAt: Date.now() + 60_000 })
		const [payload, sig] = token.split('.') as [string, string]
		const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
		const forged = btoa(`v1:${Math.ceil(Date.now() / 1000) + 60}:${id}:other-business`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
		for (const bad of [`${flip(payload, 3)}.${sig}`, `${payload}.${flip(sig, 5)}`, `${forged}.${sig}`, 'garbage', `${payload}.`]) {
			const res = await api(`/attachments/signed/${bad}`)
			expect(res.status, bad).toBe(403)
		}
	})
})

describe('retention purge', () => {
	it('deletes expired objects, keeps pinned and fresh ones, and is idempotent', async () => {
		const owner = await createBusiness()
		const put = async (seed: number) => {
			const res = await api('/v1/attachments', { method: 'POST', headers: { authorization: `Bearer ${owner.apiKey}` }, body: new Uint8Array([seed]) })
			return ((await res.json()) as { id: string }).id
		}
		const [expiredId, pinnedId, freshId] = [await put(1), await put(2), await put(3)]
		const now = Date.now()
		const later = now + 31 * 86_400_000 // past the default 30-day retention
		// The send pins before the object expires; a second holder unpins without undoing it.
		expect(await pinAttachment(env, { businessId: owner.businessId, attachmentId: pinnedId, holder: 'msg-a', untilMs: later + 3_600_000 })).toBe(true)
		expect(await pinAttachment(env, { businessId: owner.businessId, attachmentId: pinnedId, holder: 'msg-b', untilMs: later + 60_000 })).toBe(true)
		await unpinAttachment(env, { businessId: owner.businessId, attachmentId: pinnedId, holder: 'msg-b' })
		// A file uploaded "now" is still fresh at `later` if it was uploaded later: emulate with a late upload time.
		const freshKey = `${businessPrefix(owner.businessId)}${freshId}`
		const freshObj = await env.ATTACHMENTS.get(freshKey)
		await env.ATTACHMENTS.put(freshKey, await freshObj!.arrayBuffer(), {
			customMetadata: { ...freshObj!.customMetadata, expiresAt: String(later + 86_400_000) },
		})

		const stats = await purgeExpiredAttachments(env, later)
		expect(stats.deleted).toBeGreaterThanOrEqual(1)
		const left = await r2Keys(businessPrefix(owner.businessId))
		expect(left.sort()).toEqual([`${businessPrefix(owner.businessId)}${pinnedId}`, freshKey].sort())
		expect(left).not.toContain(`${businessPrefix(owner.businessId)}${expiredId}`)

		// A pinned, expired file can still be sent; an expired, unpinned one can no longer be pinned.
		await expect(prepareOutboundAttachment(env, owner.businessId, pinnedId, client(owner.businessId), { now: later })).resolves.toMatchObject({ size: '1' })
		expect(await pinAttachment(env, { businessId: owner.businessId, attachmentId: freshId, holder: 'x', untilMs: later, now: later + 2 * 86_400_000 })).toBe(false)

		// Cron may fire twice.
		const again = await purgeExpiredAttachments(env, later)
		expect(again.deleted).toBe(0)
		// Once the pin lapses, the purge takes the file and the stale pin.
		const final = await purgeExpiredAttachments(env, later + 2 * 3_600_000)
		expect(final.stalePinsRemoved).toBeGreaterThanOrEqual(1)
		expect(await r2Keys(businessPrefix(owner.businessId))).toEqual([freshKey])
		expect(await r2Keys(`pin/${owner.businessId}/`)).toEqual([])
	})

	it('an expired file is gone for the API before the purge runs', async () => {
		const id = ((await (await upload(5, 31)).json()) as { id: string }).id
		const key = `${businessPrefix(biz.businessId)}${id}`
		const obj = await env.ATTACHMENTS.get(key)
		await env.ATTACHMENTS.put(key, await obj!.arrayBuffer(), { customMetadata: { ...obj!.customMetadata, expiresAt: String(Date.now() - 1) } })
		expect((await api(`/v1/attachments/${id}`, { headers: auth() })).status).toBe(404)
	})
})
