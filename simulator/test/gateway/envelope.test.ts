import { describe, expect, it } from 'vitest'
import { BUSINESS_ID, envelope, expectAccepted, expectRejected, knownCustomer, MSP_ID, send, state } from '../helpers/gateway'

describe('message envelope (docs/apple-protocol.md §3, §4.1, §4.2)', () => {
	it('400 when the id header differs from body id', async () => {
		const customer = await knownCustomer()
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { headers: { id: crypto.randomUUID() } })
		await expectRejected(res, 400, 'header_body_mismatch', customer)
	})

	it('400 when Source-Id differs from body sourceId', async () => {
		const customer = await knownCustomer()
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { headers: { 'Source-Id': 'other-business' } })
		await expectRejected(res, 400, 'header_body_mismatch', customer)
	})

	it('400 when Destination-Id differs from body destinationId', async () => {
		const customer = await knownCustomer()
		const other = await knownCustomer()
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { headers: { 'Destination-Id': other } })
		await expectRejected(res, 400, 'header_body_mismatch')
		expect(await state().listMessages({ customerId: customer })).toEqual([])
		expect(await state().listMessages({ customerId: other })).toEqual([])
	})

	it('400 when the id header is missing', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { headers: { id: '' } }), 400, 'header_missing', customer)
	})

	it('400 without Content-Type: application/json', async () => {
		const customer = await knownCustomer()
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { headers: { 'content-type': 'text/plain' } })
		await expectRejected(res, 400, 'content_type', customer)
	})

	it('400 on a body that is not JSON', async () => {
		const customer = await knownCustomer()
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { rawBody: '{"v":1,' })
		await expectRejected(res, 400, 'body_not_json', customer)
	})

	it('400 when v is not 1', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi', v: 2 })), 400, 'version', customer)
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi', v: '1' })), 400, 'version', customer)
	})

	it('400 when the MSP sends close (receive-only, docs/apple-protocol.md §4.6)', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'close')), 400, 'type_receive_only', customer)
	})

	it('400 on an unknown type', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'sticker')), 400, 'type_unknown', customer)
	})

	it('400 when Source-Id is the MSP ID instead of the business ID (docs/apple-protocol.md §7)', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi', sourceId: MSP_ID })), 400, 'source_is_msp_id', customer)
	})

	it('400 when Destination-Id is not a urn:mbid: id', async () => {
		await expectRejected(await send(envelope('+15551234567', 'text', { body: 'hi' })), 400, 'destination_format')
	})

	it('404 for a customer the simulator does not know', async () => {
		const ghost = `urn:mbid:AQAAY-ghost-${crypto.randomUUID()}`
		await expectRejected(await send(envelope(ghost, 'text', { body: 'hi' })), 404, 'destination_unknown', ghost)
	})

	it('404 when the customer never wrote to this business (only users start conversations)', async () => {
		const customer = await knownCustomer('another-business')
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' })), 404, 'destination_unknown', customer)
	})

	it('404 after the customer deleted the conversation and blocked the business', async () => {
		const customer = await knownCustomer()
		await state().setConversationClosed(customer, BUSINESS_ID, true, true)
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' })), 404, 'destination_blocked', customer)
	})

	it('accepts unknown destinations when the switch is on', async () => {
		await state().setSwitches({ acceptUnknownDestinations: true })
		try {
			const ghost = `urn:mbid:AQAAY-ghost-${crypto.randomUUID()}`
			await expectAccepted(await send(envelope(ghost, 'text', { body: 'hi' })))
			expect(await state().listMessages({ customerId: ghost })).toHaveLength(1)
		} finally {
			await state().setSwitches({ acceptUnknownDestinations: false })
		}
	})

	it('answers 200 with an empty body and stores the message once accepted', async () => {
		const customer = await knownCustomer()
		const msg = envelope(customer, 'text', { body: 'Hello 👋', locale: 'en_US' })
		const res = await send(msg)
		expect(res.status).toBe(200)
		expect(await res.text()).toBe('')
		const stored = await state().listMessages({ customerId: customer })
		expect(stored).toMatchObject([{ id: msg.id, sender: 'business', type: 'text', businessId: BUSINESS_ID, body: msg }])
	})

	it('accepts typing_start and typing_end with only the envelope', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'typing_start')))
		await expectAccepted(await send(envelope(customer, 'typing_end')))
		expect((await state().listMessages({ customerId: customer })).map((m) => m.type)).toEqual(['typing_start', 'typing_end'])
	})

	it('400 on a text without body', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text')), 400, 'text_body_missing', customer)
	})
})

describe('fault injection', () => {
	it('fails the next N messages with the chosen status, logs them, stores nothing, then recovers', async () => {
		const customer = await knownCustomer()
		await state().setSwitches({ failNextMessages: 2, failureStatus: 503 })
		await expectRejected(await send(envelope(customer, 'text', { body: 'a' })), 503, 'injected_failure', customer)
		await expectRejected(await send(envelope(customer, 'text', { body: 'b' })), 503, 'injected_failure', customer)
		await expectAccepted(await send(envelope(customer, 'text', { body: 'c' })))
		expect((await state().getSwitches()).failNextMessages).toBe(0)
	})

	it('still answers 401 before injecting failures', async () => {
		const customer = await knownCustomer()
		await state().setSwitches({ failNextMessages: 1, failureStatus: 500 })
		await expectRejected(await send(envelope(customer, 'text', { body: 'a' }), { token: null }), 401, 'auth_missing', customer)
		await expectRejected(await send(envelope(customer, 'text', { body: 'b' })), 500, 'injected_failure', customer)
	})
})
