import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BUSINESS_ID, MSP_ID, envelope, expectAccepted, knownCustomer, send, state } from '../helpers/gateway'
import { mockOutside } from '../helpers/msp-mock'
import { api, enc, newCustomer, type Sent } from '../helpers/sim-api'

let msp: ReturnType<typeof mockOutside>
beforeEach(() => {
	msp = mockOutside()
})
afterEach(() => msp.restore())

describe('customers and devices', () => {
	it('creates customers with the capabilities of their device', async () => {
		const phone = await newCustomer('iphone')
		expect(phone.id).toMatch(/^urn:mbid:AQAAY/)
		expect(phone.capabilities).toEqual(['AUTH', 'AUTH2', 'FORM', 'LIST', 'QUICK', 'TIME'])
		expect((await newCustomer('iphone-old')).capabilities).toEqual(['LIST', 'TIME'])
		const mac = await api<{ deviceAgent: string; capabilities: string[] }>('POST', '/customers', { device: 'mac', locale: 'fr_FR' })
		expect(mac).toMatchObject({ deviceAgent: 'Mac OS X', capabilities: ['AUTH2', 'LIST', 'QUICK', 'TIME'], locale: 'fr_FR' })
	})

	it('400 on an unknown device, 404 on an unknown customer', async () => {
		await api('POST', '/customers', { device: 'android' }, 400)
		await api('POST', `/customers/${enc('urn:mbid:nobody')}/messages`, { businessId: BUSINESS_ID, text: 'x' }, 404)
	})

	it('switches a device later', async () => {
		const c = await newCustomer('iphone')
		await api('PATCH', `/customers/${enc(c.id)}`, { device: 'mac' })
		await api('POST', `/customers/${enc(c.id)}/messages`, { businessId: BUSINESS_ID, text: 'hi', typing: false })
		expect(msp.calls[0]?.headers).toMatchObject({ 'capability-list': 'AUTH2,LIST,QUICK,TIME', 'device-agent': 'Mac OS X' })
	})
})

describe('messages to the MSP, as Apple sends them (docs/apple-protocol.md §1.3, §1.4, §2.3, §3)', () => {
	it('posts typing_start then the text, gzip with Content-Encoding, JWT aud = MSP ID, Apple headers', async () => {
		const c = await newCustomer('iphone', 'de_DE')
		const { sent } = await api<{ conversation: unknown; sent: Sent[] }>(
			'POST',
			`/customers/${enc(c.id)}/conversations`,
			{ businessId: BUSINESS_ID, intent: 'billing', group: 'support', text: 'Hallo 👋' },
			201,
		)
		expect(sent.map((s) => [s.type, s.mspStatus])).toEqual([
			['typing_start', 200],
			['text', 200],
		])
		expect(msp.calls).toHaveLength(2)
		for (const call of msp.calls) {
			expect(call.url).toBe('http://msp.test/message')
			expect(call.method).toBe('POST')
			expect(call.raw[0]).toBe(0x1f)
			expect(call.headers).toMatchObject({
				'content-encoding': 'gzip',
				'content-type': 'application/json',
				id: call.json?.id,
				'source-id': c.id,
				'destination-id': BUSINESS_ID,
				'capability-list': 'AUTH,AUTH2,FORM,LIST,QUICK,TIME',
				'device-agent': 'iPhone OS',
			})
			expect(call.tokenVerifies).toBe(true)
			expect(call.claims?.aud).toBe(MSP_ID)
			expect(Number.isInteger(call.claims?.iat)).toBe(true)
			expect(Math.abs((call.claims?.iat as number) - Date.now() / 1000)).toBeLessThan(60)
		}
		const [typing, text] = msp.messages()
		expect(typing).toMatchObject({ v: 1, type: 'typing_start', sourceId: c.id, destinationId: BUSINESS_ID, locale: 'de_DE' })
		expect(text).toMatchObject({ v: 1, type: 'text', body: 'Hallo 👋', intent: 'billing', group: 'support', locale: 'de_DE' })
		expect(typing?.body).toBeUndefined()
	})

	it('puts intent and group only on the first message after the start link', async () => {
		const c = await newCustomer()
		await api('POST', `/customers/${enc(c.id)}/conversations`, { businessId: BUSINESS_ID, intent: 'i1', group: 'g1' }, 201)
		await api('POST', `/customers/${enc(c.id)}/messages`, { businessId: BUSINESS_ID, text: 'one', typing: false })
		await api('POST', `/customers/${enc(c.id)}/messages`, { businessId: BUSINESS_ID, text: 'two', typing: false })
		const [one, two] = msp.messages()
		expect(one).toMatchObject({ intent: 'i1', group: 'g1' })
		expect(two?.intent).toBeUndefined()
		expect(two?.group).toBeUndefined()
	})

	it('records the MSP answer, including an unreachable MSP', async () => {
		msp.restore()
		msp = mockOutside(() => {
			throw new TypeError('connection refused')
		})
		const c = await newCustomer()
		const { sent } = await api<{ sent: Sent[] }>('POST', `/customers/${enc(c.id)}/messages`, { businessId: BUSINESS_ID, text: 'x', typing: false })
		expect(sent[0]).toMatchObject({ mspStatus: 0 })
		const { messages } = await api<{ messages: Array<{ mspStatus: number; mspResponse: string }> }>('GET', `/customers/${enc(c.id)}/messages`)
		expect(messages[0]?.mspStatus).toBe(0)
		expect(messages[0]?.mspResponse).toMatch(/unreachable/)
	})

	it('sends typing_end on its own', async () => {
		const c = await newCustomer()
		await api('POST', `/customers/${enc(c.id)}/typing`, { businessId: BUSINESS_ID, active: false })
		expect(msp.messages().map((m) => m.type)).toEqual(['typing_end'])
	})
})

describe('tapbacks (docs/apple-protocol.md §4.9)', () => {
	it('sends Loved “…” for a business text, and emoji reactions', async () => {
		const c = await newCustomer()
		await api('POST', `/customers/${enc(c.id)}/conversations`, { businessId: BUSINESS_ID }, 201)
		const msg = envelope(c.id, 'text', { body: 'Your order has shipped' })
		await expectAccepted(await send(msg))
		await api('POST', `/customers/${enc(c.id)}/tapbacks`, { businessId: BUSINESS_ID, reaction: 'love', targetMessageId: msg.id })
		await api('POST', `/customers/${enc(c.id)}/tapbacks`, { businessId: BUSINESS_ID, reaction: 'emoji', emoji: '🎉', targetMessageId: msg.id })
		await api('POST', `/customers/${enc(c.id)}/tapbacks`, { businessId: BUSINESS_ID, reaction: 'laugh', targetText: 'lol' })
		expect(msp.messages().map((m) => [m.type, m.body])).toEqual([
			['text', 'Loved “Your order has shipped”'],
			['text', 'Reacted 🎉 to “Your order has shipped”'],
			['text', 'Laughed at “lol”'],
		])
	})
})

describe('close (docs/apple-protocol.md §4.6)', () => {
	it('sends close; with block the business can no longer write; writing again reopens', async () => {
		const c = await newCustomer()
		await api('POST', `/customers/${enc(c.id)}/conversations`, { businessId: BUSINESS_ID }, 201)
		await api('POST', `/customers/${enc(c.id)}/close`, { businessId: BUSINESS_ID, block: true })
		expect(msp.messages()).toMatchObject([{ type: 'close', sourceId: c.id, destinationId: BUSINESS_ID }])
		expect(msp.messages()[0]?.body).toBeUndefined()
		expect((await send(envelope(c.id, 'text', { body: 'come back' }))).status).toBe(404)
		await api('POST', `/customers/${enc(c.id)}/messages`, { businessId: BUSINESS_ID, text: 'hi again', typing: false })
		await expectAccepted(await send(envelope(c.id, 'text', { body: 'welcome back' })))
	})
})

describe('rendered thread', () => {
	it('shows business and customer messages in order', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'text', { body: 'Hello from the business' })))
		await api('POST', `/customers/${enc(customer)}/messages`, { businessId: BUSINESS_ID, text: 'Hi!', typing: false })
		const { messages } = await api<{ messages: Array<{ sender: string; view: Record<string, unknown> }> }>('GET', `/customers/${enc(customer)}/messages`)
		expect(messages.map((m) => [m.sender, m.view])).toEqual([
			['business', { kind: 'text', text: 'Hello from the business', attachments: [] }],
			['customer', { kind: 'customer', text: 'Hi!', attachments: [], viaDataRef: false }],
		])
		expect(await state().listMessages({ customerId: customer, sender: 'business' })).toHaveLength(1)
	})
})
