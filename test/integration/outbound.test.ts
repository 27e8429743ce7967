import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { jwtVerify } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { customerId, postApple, textMessage, MSP_ID } from '../helpers/apple'
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
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

async function startConversation(capabilities = 'LIST,TIME,QUICK,FORM,AUTH2', deviceAgent = 'iPhone OS') {
	const c = customerId()
	const res = await postApple(textMessage(biz.businessId, c, 'hello', { locale: 'en_US' }), {
		headers: { 'capability-list': capabilities, 'device-agent': deviceAgent },
	})
	expect(res.status).toBe(200)
	return c
}

const send = (customer: string, message: unknown, headers: Record<string, string> = {}, key = biz.apiKey) =>
	businessFetch(key, '/v1/messages', { method: 'POST', json: { customerId: customer, message }, headers })

const ofCustomer = (c: string, type: string) => hooks.received.filter((r) => r.json.data.customerId === c && r.json.type === type)

describe('POST /v1/messages → Apple', () => {
	it('sends text with the exact Apple envelope and headers, then emits message.sent', async () => {
		const c = await startConversation()
		const res = await send(c, { type: 'text', text: 'Bonjour 👋 こんにちは مرحبا', bot: true })
		expect(res.status).toBe(202)
		const accepted = (await res.json()) as { id: string; conversationId: string; status: string; rendered: string; sequence: number }
		expect(accepted).toMatchObject({ status: 'queued', rendered: 'original', sequence: 2 })
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		const call = apple.calls[0]!
		expect(call.body).toEqual({
			v: 1,
			id: accepted.id,
			type: 'text',
			sourceId: biz.businessId,
			destinationId: c,
			locale: 'en_US',
			body: 'Bonjour 👋 こんにちは مرحبا',
		})
		expect(call.headers).toMatchObject({
			id: accepted.id,
			'source-id': biz.businessId,
			'destination-id': c,
			'content-type': 'application/json',
			'auto-reply': 'true',
		})
		expect(call.headers['msp-agent']).toMatch(/^amb-edge/)
		const token = call.headers.authorization!.replace(/^Bearer /, '')
		const secret = Uint8Array.from(atob('dGVzdC1hcHBsZS1zZWNyZXQtMzItYnl0ZXMtLS0tLS0='), (ch) => ch.charCodeAt(0))
		const { payload, protectedHeader } = await jwtVerify(token, secret)
		expect(protectedHeader.alg).toBe('HS256')
		expect(payload.iss).toBe(MSP_ID)
		expect(Number.isInteger(payload.iat)).toBe(true)
		expect(ofCustomer(c, 'message.sent')[0]!.json.data).toMatchObject({ messageId: accepted.id, sequence: 2, rendered: 'original' })
	})

	it('keeps the order of 50 concurrent sends', async () => {
		const c = await startConversation()
		const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => send(c, { type: 'text', text: `n${i}` })))
		const accepted = await Promise.all(responses.map((r) => r.json() as Promise<{ id: string; sequence: number }>))
		expect(responses.every((r) => r.status === 202)).toBe(true)
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 50, 20_000)
		const bySeq = [...accepted].sort((a, b) => a.sequence - b.sequence).map((a) => a.id)
		expect(apple.calls.map((x) => x.body.id)).toEqual(bySeq)
		expect(bySeq).toHaveLength(50)
	})

	it('honours Idempotency-Key: same body → same result, different body → 409', async () => {
		const c = await startConversation()
		const first = await send(c, { type: 'text', text: 'once' }, { 'idempotency-key': 'k-1' })
		const again = await send(c, { type: 'text', text: 'once' }, { 'idempotency-key': 'k-1' })
		expect(again.status).toBe(202)
		expect(await again.json()).toEqual(await first.json())
		const other = await send(c, { type: 'text', text: 'twice' }, { 'idempotency-key': 'k-1' })
		expect(other.status).toBe(409)
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		expect(apple.calls.filter((x) => x.body.destinationId === c)).toHaveLength(1)
	})

	it.each([
		['quick reply with one item', { type: 'quickReply', prompt: 'Pick', items: [{ id: 'a', title: 'A' }] }, 'items'],
		[
			'quick reply with six items',
			{ type: 'quickReply', prompt: 'Pick', items: Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, title: `T${i}` })) },
			'items',
		],
		['list picker without title', { type: 'listPicker', title: '', sections: [{ title: 'S', items: [{ id: 'a', title: 'A' }] }] }, 'title'],
		['a time slot with seconds', { type: 'timePicker', title: 'When?', slots: [{ id: 's', start: '2099-01-01T10:00:30Z', durationSeconds: 1800 }] }, 'slots'],
	])('422 for %s, with the field named and nothing sent or stored', async (_n, message, field) => {
		const c = await startConversation()
		const res = await send(c, message)
		expect(res.status).toBe(422)
		const body = (await res.json()) as { error: { details: { path: string; message: string }[] } }
		expect(body.error.details.some((d) => d.path.includes(field))).toBe(true)
		expect((await conversationOf(biz.businessId, c).state())!.lastSequence).toBe(1)
		expect(apple.calls).toHaveLength(0)
	})

	it('422 naming a wrong key such as listPickerItem; 400 for a malformed message', async () => {
		const c = await startConversation()
		const res = await send(c, {
			type: 'listPicker',
			title: 'T',
			sections: [{ title: 'S', items: [{ id: 'a', title: 'A' }], listPickerItem: [{ id: 'a', title: 'A' }] }],
		})
		expect(res.status).toBe(422)
		const body = (await res.json()) as { error: { details: { path: string }[] } }
		expect(body.error.details.map((d) => d.path)).toEqual(['message.sections.0.listPickerItem'])
		expect((await send(c, { type: 'listPicker', title: 42 })).status).toBe(400)
		expect((await send(c, { type: 'hologram' })).status).toBe(400)
		expect(apple.calls).toHaveLength(0)
	})

	it('fits the message to the device: no LIST → the fallback, or derived numbered text', async () => {
		const c = await startConversation('TIME', 'iPhone OS')
		const picker = {
			type: 'listPicker',
			title: 'Choose a colour',
			sections: [
				{
					title: 'Colours',
					items: [
						{ id: 'r', title: 'Red' },
						{ id: 'b', title: 'Blue' },
					],
				},
			],
		}
		const derived = (await (await send(c, picker)).json()) as { rendered: string }
		expect(derived.rendered).toBe('text')
		const withFallback = (await (await send(c, { ...picker, fallback: { type: 'text', text: 'Reply red or blue' } })).json()) as { rendered: string }
		expect(withFallback.rendered).toBe('fallback')
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 2)
		expect(apple.calls[0]!.body.type).toBe('text')
		expect(String(apple.calls[0]!.body.body)).toMatch(/1\..*Red[\s\S]*2\..*Blue/)
		expect(apple.calls[1]!.body.body).toBe('Reply red or blue')
		expect(
			ofCustomer(c, 'message.sent')
				.map((e) => e.json.data.rendered)
				.sort(),
		).toEqual(['fallback', 'text'])
	})

	it('renders a list picker for a device that can show it', async () => {
		const c = await startConversation()
		await send(c, {
			type: 'listPicker',
			title: 'Choose',
			sections: [
				{
					title: 'S',
					multipleSelection: true,
					items: [
						{ id: 'a', title: 'A' },
						{ id: 'b', title: 'B' },
					],
				},
			],
		})
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		const body = apple.calls[0]!.body as { type: string; interactiveData: { bid: string; data: { listPicker: unknown; requestIdentifier: string } } }
		expect(body.type).toBe('interactive')
		expect(body.interactiveData.bid).toContain('com.apple.icloud.apps.messages.business.extension')
		expect(body.interactiveData.data.requestIdentifier).toMatch(/^[0-9a-f-]{36}$/)
	})

	it('retries Apple 503 with backoff keeping order, then sends', async () => {
		const c = await startConversation()
		let fail = 1
		apple.answer = () => new Response('busy', { status: fail-- > 0 ? 503 : 200 })
		const a = (await (await send(c, { type: 'text', text: 'first' })).json()) as { id: string }
		const b = (await (await send(c, { type: 'text', text: 'second' })).json()) as { id: string }
		const stub = conversationOf(biz.businessId, c)
		await hooks.until(() => apple.calls.length >= 1)
		// Let the backoff elapse, then run the alarm as the runtime would.
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec('UPDATE outbound SET next_attempt_at = 0')
		})
		await runDurableObjectAlarm(stub)
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 2)
		expect(apple.calls.map((x) => x.body.id)).toEqual([a.id, a.id, b.id])
		expect(ofCustomer(c, 'message.sent').find((e) => e.json.data.messageId === a.id)!.json.data.attempts).toBe(2)
	})

	it('Apple 4xx is final: message.failed with Apple status and body, no retry', async () => {
		const c = await startConversation()
		apple.answer = () => new Response('{"error":"Third party interactive data disallows use of data"}', { status: 400 })
		const a = (await (await send(c, { type: 'text', text: 'nope' })).json()) as { id: string }
		await hooks.until(() => ofCustomer(c, 'message.failed').length === 1)
		expect(ofCustomer(c, 'message.failed')[0]!.json.data).toMatchObject({ messageId: a.id, appleStatus: 400, reason: 'apple_rejected' })
		expect(String(ofCustomer(c, 'message.failed')[0]!.json.data.appleBody)).toContain('disallows')
		expect(apple.calls).toHaveLength(1)
		const page = (await (
			await businessFetch(biz.apiKey, `/v1/conversations/${(await conversationOf(biz.businessId, c).state())!.conversationId}/messages`)
		).json()) as { data: { id: string; status: string }[] }
		expect(page.data.find((m) => m.id === a.id)!.status).toBe('failed')
	})

	it('409 after the customer closed the conversation, until they write again', async () => {
		const c = await startConversation()
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: c, destinationId: biz.businessId })
		expect((await send(c, { type: 'text', text: 'still there?' })).status).toBe(409)
		await postApple(textMessage(biz.businessId, c, 'I am back'))
		expect((await send(c, { type: 'text', text: 'welcome back' })).status).toBe(202)
	})

	it('404 for a customer who never wrote; another business cannot send or read', async () => {
		expect((await send(customerId(), { type: 'text', text: 'hi' })).status).toBe(404)
		const c = await startConversation()
		const other = await createBusiness()
		expect((await send(c, { type: 'text', text: 'hijack' }, {}, other.apiKey)).status).toBe(404)
		const convId = (await conversationOf(biz.businessId, c).state())!.conversationId
		expect((await businessFetch(other.apiKey, `/v1/conversations/${convId}`)).status).toBe(404)
		expect((await businessFetch(other.apiKey, `/v1/conversations/${convId}/messages`)).status).toBe(404)
		expect((await businessFetch(biz.apiKey, `/v1/conversations/${convId}`)).status).toBe(200)
	})
})

describe('more message types', () => {
	it('typing sends typing_start / typing_end with no body', async () => {
		const c = await startConversation()
		await send(c, { type: 'typing', active: true })
		await send(c, { type: 'typing', active: false })
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 2)
		expect(apple.calls.map((x) => [x.body.type, 'body' in x.body])).toEqual([
			['typing_start', false],
			['typing_end', false],
		])
	})

	it('fetches image URLs safely and sends them as base64 images', async () => {
		const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (ch) =>
			ch.charCodeAt(0),
		)
		hooks.on('http://img.localhost/ok.png', () => new Response(png, { headers: { 'content-type': 'image/png' } }), false)
		hooks.on('http://img.localhost/huge.png', () => new Response(new Uint8Array(300_000), { headers: { 'content-type': 'image/png' } }), false)
		hooks.on('http://img.localhost/page.html', () => new Response('<html>', { headers: { 'content-type': 'text/html' } }), false)
		const c = await startConversation()
		const picker = (image: string) => ({
			type: 'listPicker',
			title: 'Pick',
			sections: [
				{
					title: 'S',
					items: [
						{ id: 'a', title: 'A', image },
						{ id: 'b', title: 'B' },
					],
				},
			],
		})
		expect((await send(c, picker('http://img.localhost/ok.png'))).status).toBe(202)
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		const images = (apple.calls[0]!.body as { interactiveData: { data: { images: { identifier: string; data: string }[] } } }).interactiveData.data.images
		expect(images).toHaveLength(1)
		expect(images[0]!.data.replace(/=+$/, '')).toBe(btoa(String.fromCharCode(...png)).replace(/=+$/, ''))
		expect((await send(c, picker('http://img.localhost/huge.png'))).status).toBe(422)
		expect((await send(c, picker('http://img.localhost/page.html'))).status).toBe(422)
		expect((await send(c, picker('http://10.0.0.1/x.png'))).status).toBe(422)
		expect(apple.calls).toHaveLength(1)
	})
})

describe('reading conversations', () => {
	it('lists conversations and pages messages in both directions', async () => {
		const c = await startConversation()
		for (let i = 0; i < 4; i++) await postApple(textMessage(biz.businessId, c, `in ${i}`))
		await send(c, { type: 'text', text: 'out' })
		const list = (await (await businessFetch(biz.apiKey, '/v1/conversations')).json()) as { data: { conversationId: string; customerId: string }[] }
		await expect
			.poll(async () => ((await (await businessFetch(biz.apiKey, '/v1/conversations')).json()) as typeof list).data.map((x) => x.customerId))
			.toContain(c)
		const convId = (await conversationOf(biz.businessId, c).state())!.conversationId
		const page1 = (await (await businessFetch(biz.apiKey, `/v1/conversations/${convId}/messages?limit=4`)).json()) as {
			data: { sequence: number; direction: string }[]
			nextCursor: string
		}
		expect(page1.data.map((m) => m.sequence)).toEqual([1, 2, 3, 4])
		const page2 = (await (await businessFetch(biz.apiKey, `/v1/conversations/${convId}/messages?limit=4&cursor=${page1.nextCursor}`)).json()) as {
			data: { sequence: number; direction: string }[]
			nextCursor: string | null
		}
		expect(page2.data.map((m) => [m.sequence, m.direction])).toEqual([
			[5, 'inbound'],
			[6, 'outbound'],
		])
		expect(page2.nextCursor).toBeNull()
		const desc = (await (await businessFetch(biz.apiKey, `/v1/conversations/${convId}/messages?order=desc&limit=2`)).json()) as {
			data: { sequence: number }[]
			nextCursor: string
		}
		expect(desc.data.map((m) => m.sequence)).toEqual([6, 5])
		const desc2 = (await (await businessFetch(biz.apiKey, `/v1/conversations/${convId}/messages?order=desc&limit=2&cursor=${desc.nextCursor}`)).json()) as {
			data: { sequence: number }[]
		}
		expect(desc2.data.map((m) => m.sequence)).toEqual([4, 3])
		expect((await businessFetch(biz.apiKey, `/v1/conversations/${convId}/messages?limit=0`)).status).toBe(400)
	})
})

describe('templates', () => {
	const picker = {
		type: 'listPicker',
		title: 'Hello {{name}}, pick a store',
		sections: [
			{
				title: 'Stores',
				items: [
					{ id: 'a', title: '{{storeA}}' },
					{ id: 'b', title: 'Downtown' },
				],
			},
		],
	}
	it('CRUD, preview with preflight, and send by template', async () => {
		const created = await businessFetch(biz.apiKey, '/v1/templates', { method: 'POST', json: { name: 'stores', message: picker } })
		expect(created.status).toBe(201)
		const t = (await created.json()) as { id: string; variables: string[] }
		expect(t.variables).toEqual(['name', 'storeA'])
		const preview = (await (
			await businessFetch(biz.apiKey, `/v1/templates/${t.id}/preview`, { method: 'POST', json: { variables: { name: 'Ann', storeA: 'Uptown' } } })
		).json()) as { valid: boolean; apple: { interactiveData: { receivedMessage: { title: string } } } }
		expect(preview.valid).toBe(true)
		expect(JSON.stringify(preview.apple)).toContain('Hello Ann, pick a store')
		const missing = await businessFetch(biz.apiKey, `/v1/templates/${t.id}/preview`, { method: 'POST', json: { variables: { name: 'Ann' } } })
		expect(missing.status).toBe(422)

		const c = await startConversation()
		const sent = await send(c, { type: 'template', templateId: t.id, variables: { name: 'Bo', storeA: 'Harbour' } })
		expect(sent.status).toBe(202)
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		expect(JSON.stringify(apple.calls[0]!.body)).toContain('Hello Bo, pick a store')
		expect(apple.calls[0]!.headers['include-data-ref']).toBe('true')

		expect(
			(await businessFetch(biz.apiKey, `/v1/templates/${t.id}`, { method: 'PUT', json: { name: 'stores2', message: { ...picker, title: 'Pick {{name}}' } } }))
				.status,
		).toBe(200)
		const list = (await (await businessFetch(biz.apiKey, '/v1/templates')).json()) as { data: { name: string }[] }
		expect(list.data.map((x) => x.name)).toEqual(['stores2'])
		const other = await createBusiness()
		expect((await businessFetch(other.apiKey, `/v1/templates/${t.id}`)).status).toBe(404)
		expect((await businessFetch(biz.apiKey, `/v1/templates/${t.id}`, { method: 'DELETE' })).status).toBe(204)
		expect((await businessFetch(biz.apiKey, `/v1/templates/${t.id}`)).status).toBe(404)
	})
	it('400 for a template that is not a valid message; nothing stored', async () => {
		const res = await businessFetch(biz.apiKey, '/v1/templates', {
			method: 'POST',
			json: { name: 'bad', message: { type: 'quickReply', prompt: 'x', items: 'nope' } },
		})
		expect(res.status).toBe(400)
		const list = (await (await businessFetch(biz.apiKey, '/v1/templates')).json()) as { data: unknown[] }
		expect(list.data).toEqual([])
	})
})

describe('a linked Messages for Business account id', () => {
	it('routes inbound to its business, and sends go out with that id as sourceId', async () => {
		const accountId = `acct-${crypto.randomUUID()}`
		const { linkAccount } = await import('../../src/hosted/links')
		const { env } = await import('cloudflare:workers')
		expect(await linkAccount(env, { accountId, name: 'Linked', logoUrl: null, businessId: biz.businessId, linkedBy: 'operator' })).toMatchObject({
			status: 'linked',
		})
		const c = customerId()
		expect((await postApple(textMessage(accountId, c, 'via the linked account'))).status).toBe(200)
		await hooks.until(() => ofCustomer(c, 'message.received').length === 1)
		expect(ofCustomer(c, 'message.received')[0]!.json.data.businessId).toBe(biz.businessId)
		expect((await send(c, { type: 'text', text: 'reply' })).status).toBe(202)
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		expect(apple.calls[0]!.body.sourceId).toBe(accountId)
		expect(apple.calls[0]!.headers['source-id']).toBe(accountId)
		// An account id nobody linked stays unknown.
		expect((await postApple(textMessage(`acct-${crypto.randomUUID()}`, customerId(), 'x'))).status).toBe(404)
	})
})

describe('template dataRef reuse (docs/apple-protocol.md §4.8)', () => {
	it('stores the dataRef Apple returns and resends a variable-free template by reference', async () => {
		const c = await startConversation()
		const dataRef = {
			bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
			url: 'https://p1.example/ref',
			owner: 'o',
			size: 123,
			signature: 'ab',
			'signature-base64': 'qw==',
			title: 'Pick',
		}
		apple.answer = (call) => (call.headers['include-data-ref'] === 'true' ? Response.json({ dataRef }) : new Response(null, { status: 200 }))
		const picker = {
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
		const t = (await (await businessFetch(biz.apiKey, '/v1/templates', { method: 'POST', json: { name: 'static', message: picker } })).json()) as { id: string }
		await send(c, { type: 'template', templateId: t.id })
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 1)
		await expect.poll(async () => ((await (await businessFetch(biz.apiKey, `/v1/templates/${t.id}`)).json()) as { dataRef: unknown }).dataRef).toEqual(dataRef)
		await send(c, { type: 'template', templateId: t.id })
		await hooks.until(() => ofCustomer(c, 'message.sent').length === 2)
		expect(apple.calls[1]!.body).toMatchObject({ type: 'interactive', interactiveDataRef: dataRef })
		expect(apple.calls[1]!.body).not.toHaveProperty('interactiveData')
	})
})
