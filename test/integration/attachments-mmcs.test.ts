/**
 * Attachments end to end inside workerd (issue 4), through MMCS: the send side (R2 → AES-CTR →
 * fake MMCS), the receive side (fake MMCS → preDownload → decrypt → R2) and its clean failure
 * paths, and interactiveDataRef. The business API is in attachments-api.test.ts; the shared
 * setup is test/helpers/attachments-harness.ts. Big files are generated lazily and compared by
 * SHA-256, never held in memory.
 *
 * The failure-path tests make workerd log "Uncaught (in promise) … client disconnected" /
 * "Network connection lost": that is Miniflare's local R2 simulator noticing an aborted put
 * (a bare `put()` of an aborted stream logs the same), not an unhandled promise of ours.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newAttachmentKey } from '../../src/apple/attachment-cipher'
import { InteractiveDataRefSchema } from '../../src/apple/inbound'
import { MAX_ATTACHMENT_BYTES, businessPrefix } from '../../src/attachments/attachment-meta'
import { attachmentForEvent, fetchInteractiveDataRef, stageInboundAttachment, DataRefError } from '../../src/attachments/inbound'
import { OutboundAttachmentError, bodyWithAttachmentMarkers, prepareOutboundAttachment } from '../../src/attachments/outbound'
import { MiB, ORIGIN, api, auth, biz, client, expected, fake, hexToB64, inbound, r2Keys, upload, useAttachmentsHarness } from '../helpers/attachments-harness'
import { prngStream, sha256OfStream } from '../helpers/fake-mmcs'
import { createBusiness } from '../helpers/platform'

useAttachmentsHarness()

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
