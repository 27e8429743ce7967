import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newAttachmentKey } from '../../src/apple/attachment-cipher'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'
import { FakeApple } from '../helpers/fake-apple'
import { FakeMmcs, prngStream, sha256OfStream } from '../helpers/fake-mmcs'
import { businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
let apple: FakeApple
let mmcs: FakeMmcs
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
	mmcs = new FakeMmcs().install()
	biz = await createBusiness()
})
afterEach(() => {
	mmcs.restore()
	hooks.restore()
})

const events = (c: string) => hooks.received.filter((r) => r.json.data.customerId === c)

describe('attachments through the conversation', () => {
	it('a slow attachment holds its event and every later one: order stays Apple’s', async () => {
		const c = customerId()
		const size = 70_000
		const dict = await mmcs.seed(prngStream(size, 7), size, newAttachmentKey())
		mmcs.options.failures.preDownload = [503]
		expect((await postApple(textMessage(biz.businessId, c, 'photo \uFFFC', { attachments: [dict] }))).status).toBe(200)
		expect((await postApple(textMessage(biz.businessId, c, 'and a second message'))).status).toBe(200)
		const stub = conversationOf(biz.businessId, c)
		// Only conversation.started (seq 1) may leave while message 1 is being staged.
		await hooks.until(() => events(c).length === 1)
		expect(events(c).map((e) => e.json.type)).toEqual(['conversation.started'])
		await expect.poll(() => runInDurableObject(stub, (_i, s) => s.storage.sql.exec('SELECT attempts FROM staging').one().attempts), { timeout: 10_000 }).toBe(1)
		expect(events(c)).toHaveLength(1)

		await runInDurableObject(stub, (_i, s) => s.storage.sql.exec('UPDATE staging SET next_attempt_at = 0'))
		await runDurableObjectAlarm(stub)
		await hooks.until(() => events(c).length === 3)
		const received = events(c)
			.filter((e) => e.json.type === 'message.received')
			.sort((a, b) => (a.json.data.sequence as number) - (b.json.data.sequence as number))
		expect(received.map((e) => e.json.data.text)).toEqual(['photo \uFFFC', 'and a second message'])
		const [att] = received[0]!.json.data.attachments as { id: string; status: string; size: number; url: string }[]
		expect(att).toMatchObject({ status: 'ready', size })
		// The business reads the plaintext by API key and by the signed link.
		const byKey = await businessFetch(biz.apiKey, `/v1/attachments/${att!.id}`)
		expect(byKey.status).toBe(200)
		const expected = await sha256OfStream(prngStream(size, 7))
		expect(await sha256OfStream(byKey.body!)).toEqual(expected)
	})

	it('a final download failure still delivers the text, with the attachment marked failed', async () => {
		const c = customerId()
		const size = 4096
		const dict = await mmcs.seed(prngStream(size, 9), size, newAttachmentKey())
		mmcs.options.download = 'cut'
		await postApple(textMessage(biz.businessId, c, 'receipt attached', { attachments: [dict] }))
		const stub = conversationOf(biz.businessId, c)
		for (let i = 0; i < 6 && events(c).length < 2; i++) {
			await runInDurableObject(stub, (_i, s) => s.storage.sql.exec('UPDATE staging SET next_attempt_at = 0'))
			await runDurableObjectAlarm(stub)
		}
		await hooks.until(() => events(c).length === 2)
		const data = events(c).find((e) => e.json.type === 'message.received')!.json.data
		expect(data.text).toBe('receipt attached')
		expect((data.attachments as { status: string; error: { code: string } }[])[0]).toMatchObject({ status: 'failed', error: { code: 'truncated' } })
	})

	it('a business attachment is encrypted, uploaded and referenced with U+FFFC', async () => {
		const c = customerId()
		await postApple(textMessage(biz.businessId, c, 'hi'))
		const up = await businessFetch(biz.apiKey, '/v1/attachments?name=menu.pdf', {
			method: 'POST',
			body: new Uint8Array(5000).fill(7),
			headers: { 'content-type': 'application/pdf' },
		})
		expect(up.status).toBe(201)
		const { id } = (await up.json()) as { id: string }
		expect(
			(
				await businessFetch(biz.apiKey, '/v1/messages', {
					method: 'POST',
					json: { customerId: c, message: { type: 'text', text: 'Our menu', attachments: [id] } },
				})
			).status,
		).toBe(202)
		await hooks.until(() => events(c).some((e) => e.json.type === 'message.sent'))
		const body = apple.calls[0]!.body as { body: string; attachments: Record<string, string>[] }
		expect(body.body).toBe('Our menu\uFFFC')
		expect(body.attachments).toHaveLength(1)
		expect(body.attachments[0]).toMatchObject({ name: 'menu.pdf', mimeType: 'application/pdf', size: '5000' })
		expect(body.attachments[0]!.key).toMatch(/^00[0-9a-f]{64}$/)
		expect(body.attachments[0]!['signature-base64']).toBeTruthy()
		// An id that does not exist is refused before anything is queued.
		const bad = await businessFetch(biz.apiKey, '/v1/messages', {
			method: 'POST',
			json: { customerId: c, message: { type: 'text', text: 'x', attachments: ['att_AAAAAAAAAAAAAAAAAAAAAA'] } },
		})
		expect(bad.status).toBe(422)
	})
})
