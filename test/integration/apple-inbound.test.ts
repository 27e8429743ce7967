import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { appleToken, customerId, gzip, postApple, textMessage } from '../helpers/apple'
import { runInDurableObject } from 'cloudflare:test'
import { conversationOf, nothingStored } from '../helpers/conversation'
import { createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let biz: CreatedBusiness
let hooks: WebhookReceiver
beforeAll(async () => {
	biz = await createBusiness()
})
beforeEach(() => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
})
afterEach(() => hooks.restore())

async function expectRejected(res: Response, status: number, code: string, customer: string) {
	expect(res.status).toBe(status)
	const body = (await res.json()) as { error: { code: string; message: string } }
	expect(body.error.code).toBe(code)
	expect(body.error.message).toBeTruthy()
	expect(await nothingStored(biz.businessId, customer)).toBe(true)
	expect(hooks.received.filter((r) => r.json.data.customerId === customer)).toHaveLength(0)
}

describe('POST /message authentication (docs/apple-protocol.md §2)', () => {
	it('401 without Authorization', async () => {
		const c = customerId()
		await expectRejected(await postApple(textMessage(biz.businessId, c, 'hi'), { token: null }), 401, 'unauthorized', c)
	})
	it('401 with a non-bearer Authorization', async () => {
		const c = customerId()
		const res = await postApple(textMessage(biz.businessId, c, 'hi'), { token: null, headers: { authorization: 'Basic abc' } })
		await expectRejected(res, 401, 'unauthorized', c)
	})
	it.each([
		['wrong audience', { aud: 'other-msp' }],
		['missing iat', { iat: null }],
		['expired iat', { iat: Math.floor(Date.now() / 1000) - 3700 }],
		['future iat', { iat: Math.floor(Date.now() / 1000) + 600 }],
		['HS512', { alg: 'HS512' }],
		['unknown secret', { secret: 'b3RoZXItc2VjcmV0LW5vYm9keS1rbm93cy0tLS0tLS0=' }],
	])('403 for %s', async (_name, opts) => {
		const c = customerId()
		const res = await postApple(textMessage(biz.businessId, c, 'hi'), { token: await appleToken(opts) })
		await expectRejected(res, 403, 'forbidden', c)
	})
	it('accepts a token signed with APPLE_API_SECRET_PREVIOUS during rotation', async () => {
		const token = await appleToken({ secret: 'cHJldmlvdXMtYXBwbGUtc2VjcmV0LTMyLWJ5dGVzLS0=' })
		const res = await postApple(textMessage(biz.businessId, customerId(), 'rotated'), { token })
		expect(res.status).toBe(200)
	})
})

describe('POST /message body handling (docs/apple-protocol.md §1.4, §4)', () => {
	it('accepts gzip with and without Content-Encoding, and plain JSON', async () => {
		for (const opts of [{ gzip: true }, { gzip: true, contentEncodingHeader: false }, { gzip: false }]) {
			const res = await postApple(textMessage(biz.businessId, customerId(), 'hi'), opts)
			expect(res.status).toBe(200)
		}
	})
	it('400 for malformed gzip', async () => {
		const c = customerId()
		const msg = textMessage(biz.businessId, c, 'hi')
		const gz = await gzip(JSON.stringify(msg))
		await expectRejected(await postApple(msg, { rawBody: gz.slice(0, 20) }), 400, 'bad_request', c)
	})
	it('400 for malformed JSON', async () => {
		const c = customerId()
		await expectRejected(await postApple(textMessage(biz.businessId, c, 'x'), { gzip: false, rawBody: '{"v":1,' }), 400, 'bad_request', c)
	})
	it('413 for a zip bomb, without inflating it', async () => {
		const c = customerId()
		const bomb = await gzip(new Uint8Array(64 * 1024 * 1024))
		await expectRejected(await postApple(textMessage(biz.businessId, c, 'x'), { rawBody: bomb }), 413, 'payload_too_large', c)
	})
	it('413 for a body over the wire cap', async () => {
		const c = customerId()
		const res = await postApple(textMessage(biz.businessId, c, 'x'), { gzip: false, rawBody: 'x'.repeat(1024 * 1024 + 1) })
		await expectRejected(res, 413, 'payload_too_large', c)
	})
	it.each([
		['v other than 1', { v: 2 }],
		['text body that is not a string', { body: 42 }],
		['attachment without key', { attachments: [{ name: 'a.png', mimeType: 'image/png', size: 3, url: 'u', owner: 'o', signature: 'ab' }] }],
		['interactive with neither data nor ref', { type: 'interactive' }],
		['missing type', { type: undefined }],
	])('400 for %s', async (_name, patch) => {
		const c = customerId()
		const msg = { ...textMessage(biz.businessId, c, 'hi'), ...patch }
		await expectRejected(await postApple(msg), 400, 'bad_request', c)
	})
	it.each([
		['no body and no attachments', { body: undefined }],
		['an empty body', { body: '' }],
		['a blank body and an empty attachment list', { body: ' \n ', attachments: [] }],
	])('400 for a text with %s: nothing stored, no message.received', async (_name, patch) => {
		const c = customerId()
		const res = await postApple({ ...textMessage(biz.businessId, c, 'x'), ...patch })
		expect(res.status).toBe(400)
		expect(await res.json()).toEqual({
			error: {
				code: 'bad_request',
				message: 'a text message needs a body or attachments',
				details: [{ path: 'body', message: 'a text message needs a body or attachments' }],
			},
		})
		expect(await nothingStored(biz.businessId, c)).toBe(true)
		// A real message from the same customer afterwards is the only one stored and emitted.
		expect((await postApple(textMessage(biz.businessId, c, 'second try'))).status).toBe(200)
		const got = await hooks.until((r) => r.some((x) => x.json.type === 'message.received' && x.json.data.customerId === c))
		const received = got.filter((x) => x.json.type === 'message.received' && x.json.data.customerId === c)
		expect(received.map((x) => x.json.data.text)).toEqual(['second try'])
		expect((await conversationOf(biz.businessId, c).state())!.lastSequence).toBe(1)
	})
	it('400 when header and body ids disagree, or ids are missing', async () => {
		const c = customerId()
		const msg = textMessage(biz.businessId, c, 'hi')
		await expectRejected(await postApple(msg, { headers: { 'source-id': customerId() } }), 400, 'bad_request', c)
		const noId = { ...msg, id: undefined }
		await expectRejected(await postApple(noId, { headers: { id: '' } }), 400, 'bad_request', c)
	})
	it('404 for an unknown destination-id business', async () => {
		const c = customerId()
		const res = await postApple(textMessage('no-such-business', c, 'hi'))
		expect(res.status).toBe(404)
		expect(await nothingStored('no-such-business', c)).toBe(true)
	})
	it('accepts unknown message types without an event', async () => {
		const c = customerId()
		const res = await postApple({ ...textMessage(biz.businessId, c, ''), type: 'hologram', hologram: { x: 1 } })
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ status: 'recorded' })
	})
	it('accepts legacy attachment keys and numeric-string sizes', async () => {
		const c = customerId()
		const res = await postApple(
			textMessage(biz.businessId, c, '\uFFFC', {
				attachments: [
					{
						name: 'a.jpg',
						'mime-type': 'image/jpeg',
						'file-size': '1234',
						'decryption-key': '00' + 'AB'.repeat(32),
						'mmcs-url': 'https://p1.example/x',
						'mmcs-owner': 'o',
						'signature-base64': 'AQ==',
					},
				],
			}),
		)
		expect(res.status).toBe(200)
		// The attachment waits for staging (download + decrypt), normalised to the short keys.
		const staged = await runInDurableObject(conversationOf(biz.businessId, c), (_i, state) =>
			state.storage.sql
				.exec<{ job: string }>('SELECT job FROM staging')
				.toArray()
				.map((r) => JSON.parse(r.job) as { attachments: unknown[] }),
		)
		expect(staged[0]!.attachments).toEqual([
			{ name: 'a.jpg', mimeType: 'image/jpeg', size: 1234, key: '00' + 'AB'.repeat(32), url: 'https://p1.example/x', owner: 'o', signatureBase64: 'AQ==' },
		])
	})
})

describe('misconfiguration fails closed', () => {
	it('a malformed Apple secret is a 500, never a skipped check', async () => {
		const { env } = await import('cloudflare:workers')
		const worker = (await import('../../src/index')).default
		const broken = { ...env, APPLE_API_SECRET: '' }
		const req = new Request('https://msp.test/message', { method: 'POST', headers: { authorization: `Bearer ${await appleToken()}` }, body: '{}' })
		const res = await worker.fetch(req, broken as typeof env, {} as ExecutionContext)
		expect(res.status).toBe(500)
		const text = await res.text()
		expect(text).toContain('APPLE_API_SECRET')
		expect(text).not.toContain('dGVzd')
	})
})
