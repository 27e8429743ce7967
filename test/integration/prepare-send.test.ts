/**
 * prepareSend on its own (it will run inside the conversation object): rich links with the
 * image fallbacks, why a message is not sent as written (`renderReason`), preflight warnings,
 * and what an unfetchable image URL says. Pages and images are served on loopback test hosts
 * by the fake fetch (development mode); production mode is tested for the public-address check.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BusinessMessage } from '../../src/apple/outbound'
import { base64ToBytes, bytesToBase64 } from '../../src/apple/encoding'
import { businessStub } from '../../src/business/directory'
import type { BusinessRecord } from '../../src/business/schema'
import { getConfig } from '../../src/context'
import type { ConversationState } from '../../src/conversation/conversation-do'
import { AppError } from '../../src/lib/errors'
import { NEUTRAL_LINK_IMAGE } from '../../src/links/neutral-image'
import { prepareSend } from '../../src/messaging/prepare-send'
import { createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

const config = getConfig(env)
const html = (head: string) =>
	new Response(`<!doctype html><html><head>${head}</head><body>x</body></html>`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
const image =
	(bytes: Uint8Array, type = 'image/png') =>
	() =>
		new Response(bytes, { headers: { 'content-type': type } })

/** PNG magic bytes then filler. */
function png(size: number, fill = 7): Uint8Array {
	const b = new Uint8Array(size).fill(fill)
	b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
	return b
}
const TOUCH = png(2_000, 1)
const LOGO = png(1_500, 2)

let web: WebhookReceiver
let business: BusinessRecord
beforeEach(async () => {
	web = new WebhookReceiver().install()
	web.on('http://og.localhost/a', () => html('<meta property="og:title" content="With OG"><meta property="og:image" content="/og.png">'), false)
	web.on('http://og.localhost/og.png', image(png(3_000, 3)), false)
	web.on('http://icon.localhost/a', () => html('<title>Only an icon</title><link rel="apple-touch-icon" href="/touch.png">'), false)
	web.on('http://icon.localhost/touch.png', image(TOUCH), false)
	web.on('http://bare.localhost/a', () => html(''), false)
	web.on('http://bare.localhost/favicon.ico', () => new Response('no', { status: 404 }), false)
	web.on('http://down.localhost/a', () => new Response('oops', { status: 503, headers: { 'content-type': 'text/html' } }), false)
	web.on('http://brand.localhost/logo.png', image(LOGO), false)
	web.on('http://img.localhost/missing.png', () => new Response('gone', { status: 404 }), false)
	web.on('http://img.localhost/page', () => html('<title>not an image</title>'), false)
	web.on(
		'http://dns.localhost/x.png',
		() => {
			// What workerd reports when a host name does not resolve: the cause is hidden.
			throw new Error('internal error; reference = 0123456789abcdef')
		},
		false,
	)
	const created = await createBusiness()
	business = (await businessStub(env, created.businessId).get())!
})
afterEach(() => web.restore())

function state(over: Partial<ConversationState> = {}): ConversationState {
	const now = new Date().toISOString()
	return {
		conversationId: crypto.randomUUID(),
		businessId: business.settings.businessId,
		customerId: `urn:mbid:prep-${crypto.randomUUID()}`,
		status: 'open',
		capabilities: null,
		deviceAgent: 'iPhone OS',
		locale: null,
		intent: null,
		group: null,
		lastSequence: 0,
		startedAt: now,
		updatedAt: now,
		closedAt: null,
		appleBusinessId: business.settings.businessId,
		...over,
	}
}

const prepare = (message: BusinessMessage, over: Partial<ConversationState> = {}, b: BusinessRecord = business, cfg = config) =>
	prepareSend(env, cfg, b, state(over), message, 'https://msp.test')

type RichLinkBody = { type: 'richLink'; richLinkData: { url: string; title: string; assets: { image: { data: string; mimeType: string } } } }
const link = (body: unknown) => (body as RichLinkBody).richLinkData
const sameBytes = (b64: string, bytes: Uint8Array) => expect(bytesToBase64(base64ToBytes(b64))).toBe(bytesToBase64(bytes))

async function refused(p: Promise<unknown>): Promise<AppError> {
	try {
		await p
	} catch (err) {
		if (err instanceof AppError) return err
		throw err
	}
	throw new Error('expected the send to be refused')
}

describe('every URL becomes a rich link', () => {
	it('a page without og:image: its apple-touch-icon; title from <title>', async () => {
		const prepared = await prepare({ type: 'richLink', url: 'http://icon.localhost/a' })
		expect([prepared.rendered, prepared.renderReason]).toEqual(['original', undefined])
		const data = link(prepared.jobs[0]!.appleBody)
		expect(data.title).toBe('Only an icon')
		sameBytes(data.assets.image.data, TOUCH)
	})

	it('a page with no image and no icon: the business logo from settings', async () => {
		const withLogo: BusinessRecord = { ...business, settings: { ...business.settings, logoUrl: 'http://brand.localhost/logo.png' } }
		const prepared = await prepare({ type: 'richLink', url: 'http://bare.localhost/a' }, {}, withLogo)
		const data = link(prepared.jobs[0]!.appleBody)
		expect([prepared.rendered, data.title, data.assets.image.mimeType]).toEqual(['original', 'bare.localhost', 'image/png'])
		sameBytes(data.assets.image.data, LOGO)
	})

	it('no logo either (or an unusable one): the neutral image that ships with amb-edge', async () => {
		const prepared = await prepare({ type: 'richLink', url: 'http://bare.localhost/a' })
		sameBytes(link(prepared.jobs[0]!.appleBody).assets.image.data, base64ToBytes(NEUTRAL_LINK_IMAGE.data))
		const brokenLogo: BusinessRecord = { ...business, settings: { ...business.settings, logoUrl: 'http://img.localhost/missing.png' } }
		const again = await prepare({ type: 'richLink', url: 'http://bare.localhost/a' }, {}, brokenLogo)
		sameBytes(link(again.jobs[0]!.appleBody).assets.image.data, base64ToBytes(NEUTRAL_LINK_IMAGE.data))
	})

	it('a text with URLs: the text, then one rich link per reachable URL, each with an image', async () => {
		const prepared = await prepare({ type: 'text', text: 'See http://icon.localhost/a and http://bare.localhost/a and http://down.localhost/a' })
		expect(prepared.jobs.map((j) => j.appleBody.type)).toEqual(['text', 'richLink', 'richLink'])
		expect(prepared.jobs.slice(1).map((j) => link(j.appleBody).url)).toEqual(['http://icon.localhost/a', 'http://bare.localhost/a'])
		sameBytes(link(prepared.jobs[2]!.appleBody).assets.image.data, base64ToBytes(NEUTRAL_LINK_IMAGE.data))
	})

	it('only an unreachable page degrades a richLink to text, and says why', async () => {
		const prepared = await prepare({ type: 'richLink', url: 'http://down.localhost/a' })
		expect(prepared.rendered).toBe('text')
		expect(prepared.renderReason).toEqual({ code: 'rich_link_unreachable', detail: 'the page answered 503' })
		expect(prepared.jobs[0]!.renderReason).toEqual(prepared.renderReason)
		expect(prepared.jobs[0]!.appleBody).toMatchObject({ type: 'text', body: 'down.localhost › a\nhttp://down.localhost/a' })
	})
})

describe('renderReason: why the message is not sent as written', () => {
	const picker: BusinessMessage = {
		type: 'listPicker',
		title: 'Pick',
		sections: [
			{
				title: 'S',
				items: [
					{ id: 'a', title: 'A' },
					{ id: 'b', title: 'B' },
				],
			},
		],
	}

	it('a device without LIST: derived text, device_lacks_capability LIST, on the answer and the primary job', async () => {
		const prepared = await prepare(picker, { capabilities: ['QUICK', 'TIME'] })
		expect(prepared.rendered).toBe('text')
		expect(prepared.renderReason).toEqual({ code: 'device_lacks_capability', detail: 'LIST' })
		expect(prepared.jobs[0]!.renderReason).toEqual({ code: 'device_lacks_capability', detail: 'LIST' })
	})

	it("the business's fallback on a Mac for a form: device_not_iphone_or_ipad", async () => {
		const form: BusinessMessage = {
			type: 'form',
			title: 'F',
			pages: [{ id: 'p1', type: 'input', subtitle: 'Name?' }],
			fallback: { type: 'text', text: 'Reply with your name' },
		}
		const prepared = await prepare(form, { deviceAgent: 'Mac OS X' })
		expect([prepared.rendered, prepared.renderReason]).toEqual(['fallback', { code: 'device_not_iphone_or_ipad', detail: 'Mac OS X' }])
	})

	it('the original: no reason anywhere', async () => {
		const prepared = await prepare(picker, { capabilities: ['LIST'] })
		expect([prepared.rendered, prepared.renderReason, 'renderReason' in prepared.jobs[0]!]).toEqual(['original', undefined, false])
	})
})

describe('preflight warnings: accepted by Apple, sent with a warning', () => {
	it('a time picker with slots in 2022 (as in Apple’s sample) is sent, warning per past slot', async () => {
		const prepared = await prepare({
			type: 'timePicker',
			title: 'When?',
			slots: [
				{ id: 's1', start: '2022-05-01T10:00:00Z', durationSeconds: 1800 },
				{ id: 's2', start: '2099-05-01T10:00:00Z', durationSeconds: 1800 },
			],
		})
		expect(prepared.rendered).toBe('original')
		expect(prepared.warnings).toEqual([
			{ path: 'message.slots.0.start', code: 'time_slot_past', message: 'slot starts in the past (2022-05-01T10:00:00Z); the customer cannot choose it' },
		])
		expect(prepared.jobs[0]!.warnings).toEqual(prepared.warnings)
		expect(prepared.jobs[0]!.appleBody.type).toBe('interactive')
	})

	it('a custom iMessage app without appIcon is sent, with app_icon_missing', async () => {
		const prepared = await prepare({
			type: 'iMessageApp',
			bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.App.MessagesExtension',
			appId: 123,
			appName: 'App',
			url: '?a=1',
			receivedMessage: { title: 'Open' },
		})
		expect(prepared.warnings.map((w) => [w.path, w.code])).toEqual([['message.appIcon', 'app_icon_missing']])
	})

	it('what Apple rejects is still a 422: a time picker without a title', async () => {
		const err = await refused(prepare({ type: 'timePicker', title: '', slots: [{ start: '2099-05-01T10:00:00Z', durationSeconds: 60 }] }))
		expect([err.status, err.details]).toEqual([422, [{ path: 'message.title', message: 'a time picker without a title is rejected by Apple' }]])
	})

	it('a clean message: an empty warnings list', async () => {
		expect((await prepare({ type: 'text', text: 'hi' })).warnings).toEqual([])
	})
})

describe('an image URL that cannot be fetched says what happened', () => {
	const withImage = (url: string): BusinessMessage => ({ type: 'richLink', url: 'http://og.localhost/a', title: 'T', imageUrl: url })

	it.each([
		['http://img.localhost/missing.png', 'could not fetch http://img.localhost/missing.png: it answered 404'],
		['http://img.localhost/page', 'could not fetch http://img.localhost/page: it served text/html, not an image'],
		['http://dns.localhost/x.png', 'could not fetch http://dns.localhost/x.png: could not connect (DNS lookup failed or the host did not answer)'],
	])('%s', async (url, message) => {
		const err = await refused(prepare(withImage(url)))
		expect([err.status, err.message, err.details]).toEqual([422, 'image could not be fetched', [{ path: 'message.imageUrl', message }]])
	})

	it('in production, a private address is named as such, before any fetch', async () => {
		const production = { ...config, ENVIRONMENT: 'production' as const }
		const list: BusinessMessage = {
			type: 'listPicker',
			title: 'P',
			sections: [{ title: 'S', items: [{ id: 'a', title: 'A', image: 'https://10.1.2.3/a.png' }] }],
		}
		const err = await refused(prepare(list, {}, business, production))
		expect(err.details).toEqual([
			{
				path: 'message.sections[0].items[0].image',
				message: 'could not fetch https://10.1.2.3/a.png: it is not a public address (IP address hosts are not allowed)',
			},
		])
		expect(web.unhandled).toEqual([])
	})
})
