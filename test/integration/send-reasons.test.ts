/**
 * What the business is told about a send, through the API: why a message was not sent as
 * written (`renderReason`) and what Apple accepts but hurts the customer (`warnings`), in the
 * 202 answer and on `message.sent`; the template preview shows the same warnings; an image URL
 * that cannot be fetched is a 422 that says what happened, with nothing sent or stored.
 *
 * The "202 answer and message.sent" cases need the conversation core to copy
 * `OutboundJob.renderReason` / `warnings` into its answer and event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'
import { FakeApple } from '../helpers/fake-apple'
import { businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
let apple: FakeApple
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
	hooks.on('http://down.localhost/a', () => new Response('oops', { status: 500, headers: { 'content-type': 'text/html' } }), false)
	hooks.on('http://img.localhost/gone.png', () => new Response('gone', { status: 404 }), false)
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

async function open(capabilities = 'LIST,TIME,QUICK,FORM,AUTH2'): Promise<string> {
	const c = customerId()
	expect((await postApple(textMessage(biz.businessId, c, 'hi'), { headers: { 'capability-list': capabilities, 'device-agent': 'iPhone OS' } })).status).toBe(
		200,
	)
	return c
}
const send = (c: string, message: unknown) => businessFetch(biz.apiKey, '/v1/messages', { method: 'POST', json: { customerId: c, message } })
const sentEvents = (c: string) => hooks.received.filter((r) => r.json.data.customerId === c && r.json.type === 'message.sent')

const pastPicker = {
	type: 'timePicker',
	title: 'When?',
	slots: [{ id: 's1', start: '2022-05-01T10:00:00Z', durationSeconds: 1800 }],
}
const PAST_WARNING = {
	path: 'message.slots.0.start',
	code: 'time_slot_past',
	message: 'slot starts in the past (2022-05-01T10:00:00Z); the customer cannot choose it',
}

describe('the 202 answer and message.sent say why and warn (core wiring)', () => {
	it('no LIST on the device: rendered text with renderReason device_lacks_capability / LIST', async () => {
		const c = await open('TIME,QUICK')
		const res = await send(c, {
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
		})
		expect(res.status).toBe(202)
		const body = (await res.json()) as { rendered: string; renderReason?: unknown }
		expect([body.rendered, body.renderReason]).toEqual(['text', { code: 'device_lacks_capability', detail: 'LIST' }])
		await hooks.until(() => sentEvents(c).length === 1)
		expect(sentEvents(c)[0]!.json.data).toMatchObject({ rendered: 'text', renderReason: { code: 'device_lacks_capability', detail: 'LIST' } })
	})

	it('an unreachable rich link: rendered text with rich_link_unreachable', async () => {
		const c = await open()
		const body = (await (await send(c, { type: 'richLink', url: 'http://down.localhost/a' })).json()) as { rendered: string; renderReason?: unknown }
		expect([body.rendered, body.renderReason]).toEqual(['text', { code: 'rich_link_unreachable', detail: 'the page answered 500' }])
		await hooks.until(() => sentEvents(c).length === 1)
		expect(sentEvents(c)[0]!.json.data).toMatchObject({ renderReason: { code: 'rich_link_unreachable' } })
	})

	it('a time picker with slots in 2022 is accepted with a warning, in the answer and on message.sent', async () => {
		const c = await open()
		const res = await send(c, pastPicker)
		expect(res.status).toBe(202)
		const body = (await res.json()) as { rendered: string; warnings?: unknown }
		expect([body.rendered, body.warnings]).toEqual(['original', [PAST_WARNING]])
		await hooks.until(() => sentEvents(c).length === 1)
		expect(sentEvents(c)[0]!.json.data).toMatchObject({ warnings: [PAST_WARNING] })
		expect(apple.calls.map((x) => x.body.type)).toEqual(['interactive'])
	})
})

describe('available in this tree', () => {
	it('an accepted message with a past slot reaches Apple (no 422)', async () => {
		const c = await open()
		expect((await send(c, pastPicker)).status).toBe(202)
		await hooks.until(() => sentEvents(c).length === 1)
		expect(apple.calls).toHaveLength(1)
	})

	it('template preview: valid, with the same warnings a send carries', async () => {
		const created = (await (
			await businessFetch(biz.apiKey, '/v1/templates', { method: 'POST', json: { name: 'past', message: { ...pastPicker, title: 'When, {{name}}?' } } })
		).json()) as { id: string }
		const res = await businessFetch(biz.apiKey, `/v1/templates/${created.id}/preview`, { method: 'POST', json: { variables: { name: 'Ann' } } })
		expect(res.status).toBe(200)
		const preview = (await res.json()) as { valid: boolean; problems: unknown[]; warnings: unknown[]; apple: unknown }
		expect([preview.valid, preview.problems, preview.warnings]).toEqual([true, [], [PAST_WARNING]])
		expect(preview.apple).not.toBeNull()
	})

	it('an image URL answering 404: 422 saying so, naming the field; nothing sent or stored', async () => {
		const c = await open()
		const res = await send(c, { type: 'richLink', url: 'http://down.localhost/a', title: 'T', imageUrl: 'http://img.localhost/gone.png' })
		expect(res.status).toBe(422)
		const body = (await res.json()) as { error: { message: string; details: unknown } }
		expect(body.error).toEqual({
			code: 'unprocessable',
			message: 'image could not be fetched',
			details: [{ path: 'message.imageUrl', message: 'could not fetch http://img.localhost/gone.png: it answered 404' }],
		})
		expect((await conversationOf(biz.businessId, c).state())!.lastSequence).toBe(1)
		expect(apple.calls).toHaveLength(0)
	})
})
