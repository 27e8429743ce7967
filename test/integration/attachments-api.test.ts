/**
 * Attachments end to end inside workerd (issue 4), the business API: uploads streamed into R2
 * (0 B, 1 B, 5 MB, 100 MB; 413 above the limit with nothing stored), downloads, signed links
 * and the retention purge. The send and receive sides through MMCS are in
 * attachments-mmcs.test.ts; the shared setup is test/helpers/attachments-harness.ts. Big files
 * are generated lazily and compared by SHA-256, never held in memory.
 *
 * The failure-path tests make workerd log "Uncaught (in promise) … client disconnected" /
 * "Network connection lost": that is Miniflare's local R2 simulator noticing an aborted put
 * (a bare `put()` of an aborted stream logs the same), not an unhandled promise of ours.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_ATTACHMENT_BYTES, businessPrefix } from '../../src/attachments/attachment-meta'
import { stageInboundAttachment } from '../../src/attachments/inbound'
import { signDownloadToken, signedDownloadUrl } from '../../src/attachments/links'
import { prepareOutboundAttachment } from '../../src/attachments/outbound'
import { pinAttachment, purgeExpiredAttachments, unpinAttachment } from '../../src/attachments/purge'
import { MiB, ORIGIN, api, asReceived, auth, biz, client, expected, fake, r2Keys, upload, useAttachmentsHarness } from '../helpers/attachments-harness'
import { prngStream, sha256OfStream } from '../helpers/fake-mmcs'
import { createBusiness } from '../helpers/platform'

useAttachmentsHarness()

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
		const forged = btoa(`v1:${Math.ceil(Date.now() / 1000) + 60}:${id}:other-business`)
			.replace(/\+/g, '-')
			.replace(/\//g, '_')
			.replace(/=+$/, '')
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
		expect(await pinAttachment(env, { businessId: owner.businessId, attachmentId: freshId, holder: 'x', untilMs: later, now: later + 2 * 86_400_000 })).toBe(
			false,
		)

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
