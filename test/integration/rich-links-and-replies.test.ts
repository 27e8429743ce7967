import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { FakeApple } from '../helpers/fake-apple'
import { businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))
const page = (title: string, image?: string) =>
	`<html><head><title>fallback</title><meta property="og:title" content="${title}">${image ? `<meta property="og:image" content="${image}">` : ''}</head><body>x</body></html>`

let hooks: WebhookReceiver
let apple: FakeApple
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
	const html = { headers: { 'content-type': 'text/html; charset=utf-8' } }
	hooks.on('http://shop.localhost/item', () => new Response(page('Blue Mug', 'http://shop.localhost/mug.png'), html), false)
	hooks.on('http://shop.localhost/mug.png', () => new Response(PNG, { headers: { 'content-type': 'image/png' } }), false)
	hooks.on('http://shop.localhost/noimage', () => new Response(page('No Picture Here'), html), false)
	hooks.on('http://down.localhost/x', () => new Response('oops', { status: 500 }), false)
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

async function open(): Promise<string> {
	const c = customerId()
	expect((await postApple(textMessage(biz.businessId, c, 'hi'))).status).toBe(200)
	return c
}
const send = (c: string, message: unknown) => businessFetch(biz.apiKey, '/v1/messages', { method: 'POST', json: { customerId: c, message } })
const sent = (c: string) => hooks.received.filter((r) => r.json.data.customerId === c && r.json.type === 'message.sent')

describe('every URL becomes a rich link', () => {
	it('sends the text, then a rich link with title and image per URL', async () => {
		const c = await open()
		const res = (await (await send(c, { type: 'text', text: 'Look: http://shop.localhost/item (new!)' })).json()) as {
			id: string
			richLinks: { id: string; url: string }[]
		}
		expect(res.richLinks).toHaveLength(1)
		await hooks.until(() => sent(c).length === 2)
		expect(apple.calls.map((x) => x.body.type)).toEqual(['text', 'richLink'])
		const link = apple.calls[1]!.body as { richLinkData: { url: string; title: string; assets: { image: { data: string; mimeType: string } } } }
		expect(link.richLinkData.url).toBe('http://shop.localhost/item')
		expect(link.richLinkData.title).toBe('Blue Mug')
		expect(link.richLinkData.assets.image.mimeType).toBe('image/png')
		expect(link.richLinkData.assets.image.data.replace(/=+$/, '')).toBe(btoa(String.fromCharCode(...PNG)).replace(/=+$/, ''))
	})

	it('the business can opt out per message; failures never block the text', async () => {
		const c = await open()
		await send(c, { type: 'text', text: 'no preview http://shop.localhost/item', richLinks: false })
		const failed = (await (await send(c, { type: 'text', text: 'broken http://down.localhost/x' })).json()) as { richLinks: unknown[] }
		expect(failed.richLinks).toEqual([])
		await hooks.until(() => sent(c).length === 2)
		expect(apple.calls.map((x) => x.body.type)).toEqual(['text', 'text'])
	})

	it('completes a richLink message; a page without any image still goes out as a rich link (neutral image)', async () => {
		const c = await open()
		await send(c, { type: 'richLink', url: 'http://shop.localhost/item' })
		const bare = (await (await send(c, { type: 'richLink', url: 'http://shop.localhost/noimage' })).json()) as { rendered: string }
		expect(bare.rendered).toBe('original')
		await hooks.until(() => sent(c).length === 2)
		expect((apple.calls[0]!.body as { richLinkData: { title: string } }).richLinkData.title).toBe('Blue Mug')
		expect(apple.calls[1]!.body).toMatchObject({
			type: 'richLink',
			richLinkData: { title: 'No Picture Here', url: 'http://shop.localhost/noimage', assets: { image: { mimeType: 'image/png' } } },
		})
	})
})

describe('interactive replies come back normalised and matched', () => {
	it('quick reply: the chosen item, matched to the message that asked', async () => {
		const c = await open()
		const asked = (await (
			await send(c, {
				type: 'quickReply',
				prompt: 'Size?',
				items: [
					{ id: 's', title: 'Small' },
					{ id: 'l', title: 'Large' },
				],
			})
		).json()) as { id: string }
		await hooks.until(() => sent(c).length === 1)
		const requestIdentifier = (apple.calls[0]!.body as { interactiveData: { data: { requestIdentifier: string } } }).interactiveData.data.requestIdentifier
		await postApple({
			v: 1,
			id: crypto.randomUUID(),
			type: 'interactive',
			sourceId: c,
			destinationId: biz.businessId,
			interactiveData: {
				bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
				data: { requestIdentifier, version: '1.0', 'quick-reply': { selectedIndex: 1, selectedIdentifier: 'l' }, replyMessage: { title: 'Large' } },
				sessionIdentifier: 'sess-q',
			},
		})
		const got = await hooks.until((r) => r.some((x) => x.json.type === 'interactive.received' && x.json.data.customerId === c))
		const data = got.find((x) => x.json.type === 'interactive.received' && x.json.data.customerId === c)!.json.data
		expect(data).toMatchObject({
			kind: 'quickReply',
			requestId: requestIdentifier,
			requestMessageId: asked.id,
			selected: { index: 1, id: 'l', title: 'Large' },
			matchedRequest: true,
		})
		expect(data.raw).toBeTruthy()
	})
})
