import { describe, expect, it } from 'vitest'
import { authenticate, customApp, form, listPicker, payment, quickReply, timePicker } from '../helpers/fixtures'
import { envelope, expectAccepted, expectRejected, fetchSim, knownCustomer, send, state } from '../helpers/gateway'

const interactive = (customer: string, interactiveData: Record<string, unknown>) => envelope(customer, 'interactive', { interactiveData })

describe('quick reply (docs/apple-interactive.md §5.1)', () => {
	it('accepts 2 to 5 items', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, quickReply(2))))
		await expectAccepted(await send(interactive(customer, quickReply(5))))
	})
	it('400 with one item', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, quickReply(1))), 400, 'quick_reply_items_count', customer)
	})
	it('400 with six items', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, quickReply(6))), 400, 'quick_reply_items_count', customer)
	})
	it('400 on the camel-case key quickReply, with a hint', async () => {
		const customer = await knownCustomer()
		const qr = quickReply()
		const data = qr.data as Record<string, unknown>
		data.quickReply = data['quick-reply']
		delete data['quick-reply']
		const res = await send(interactive(customer, qr))
		expect(((await res.clone().json()) as { message: string }).message).toMatch(/quick-reply/)
		await expectRejected(res, 400, 'interactive_type_key', customer)
	})
})

describe('list picker (docs/apple-interactive.md §5.2)', () => {
	it('accepts sections with multi-select and images', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, listPicker())))
	})
	it('400 without receivedMessage.title', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, listPicker({ title: null }))), 400, 'list_picker_title_missing', customer)
	})
	it('400 with an Apple-like message on the wrong key listPickerItem', async () => {
		const customer = await knownCustomer()
		const lp = listPicker()
		const section = (lp.data as { listPicker: { sections: Array<Record<string, unknown>> } }).listPicker.sections[0] as Record<string, unknown>
		section.listPickerItem = section.items
		delete section.items
		const res = await send(interactive(customer, lp))
		expect(((await res.clone().json()) as { message: string }).message).toMatch(/Unexpected key 'listPickerItem'.*expected 'items'/)
		await expectRejected(res, 400, 'list_picker_key', customer)
	})
	it('400 when an item refers to an image that is not in data.images', async () => {
		const customer = await knownCustomer()
		const lp = listPicker()
		;(lp.data as { images: unknown[] }).images = []
		await expectRejected(await send(interactive(customer, lp)), 400, 'image_reference_missing', customer)
	})
	it('400 without requestIdentifier', async () => {
		const customer = await knownCustomer()
		const lp = listPicker()
		delete (lp.data as Record<string, unknown>).requestIdentifier
		await expectRejected(await send(interactive(customer, lp)), 400, 'interactive_request_identifier', customer)
	})
	it('400 without version or mspVersion', async () => {
		const customer = await knownCustomer()
		const lp = listPicker()
		delete (lp.data as Record<string, unknown>).mspVersion
		await expectRejected(await send(interactive(customer, lp)), 400, 'interactive_version', customer)
	})
	it('400 on a bid that is not an iMessage extension id', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, { ...listPicker(), bid: 'com.example.app' })), 400, 'interactive_bid', customer)
	})
})

describe('time picker (docs/apple-interactive.md §5.3)', () => {
	it('accepts future slots formatted yyyy-MM-ddTHH:mm+0000', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, timePicker())))
	})
	it('accepts slots in the past, as Apple does (its sample sends 2022), and records a warning', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, timePicker({ startTime: '2022-03-01T17:00+0000' }))))
		const [stored] = await state().listMessages({ customerId: customer })
		expect(stored?.warnings).toEqual([
			{ rule: 'time_slot_past', path: 'interactiveData.data.event.timeslots[0].startTime', message: expect.stringContaining('slots are in the past') },
		])
		expect(await state().listRejections({ customerId: customer })).toEqual([])
	})
	it('400 on an RFC 3339 startTime with seconds and Z', async () => {
		const customer = await knownCustomer()
		const res = await send(interactive(customer, timePicker({ startTime: '2099-07-10T17:00:00Z' })))
		await expectRejected(res, 400, 'time_slot_format', customer)
	})
	it('400 on an impossible date', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, timePicker({ startTime: '2099-02-30T17:00+0000' }))), 400, 'time_slot_format', customer)
	})
	it('400 without a title', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, timePicker({ title: null }))), 400, 'time_picker_title_missing', customer)
	})
})

describe('forms (docs/apple-interactive.md §5.8)', () => {
	it('accepts a messageForms template', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, form())))
	})
	it('400 when a page points to a missing page', async () => {
		const customer = await knownCustomer()
		const f = form()
		const pages = (f.data as { dynamic: { data: { pages: Array<Record<string, unknown>> } } }).dynamic.data.pages
		;(pages[1] as Record<string, unknown>).nextPageIdentifier = '9'
		await expectRejected(await send(interactive(customer, f)), 400, 'form_page_reference', customer)
	})
})

describe('Apple Pay (docs/apple-interactive.md §5.5)', () => {
	const gatewayUrl = 'https://msp.example/applepay/gateway'
	async function session(context = gatewayUrl) {
		const res = await fetchSim('/paymentservices/paymentSession', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				merchantIdentifier: 'merchant.com.example',
				domainName: 'msp.example',
				displayName: 'Example Shop',
				initiative: 'messaging',
				initiativeContext: context,
			}),
		})
		expect(res.status).toBe(200)
		return (await res.json()) as Record<string, unknown>
	}
	it('issues a merchant session and accepts a payment request that uses it', async () => {
		const s = await session()
		expect(s).toMatchObject({ initiative: 'messaging', initiativeContext: gatewayUrl, displayName: 'Example Shop' })
		expect(s.merchantIdentifier).toMatch(/^[0-9A-F]{64}$/)
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, payment(s, gatewayUrl))))
	})
	it('400 "payment gateway url mismatch" when the session was made for another gateway url', async () => {
		const s = await session('https://msp.example/other')
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, payment(s, gatewayUrl))), 400, 'payment_gateway_url_mismatch', customer)
	})
	it('400 on a made-up merchant session', async () => {
		const customer = await knownCustomer()
		const res = await send(interactive(customer, payment({ merchantSessionIdentifier: 'nope' }, gatewayUrl)))
		await expectRejected(res, 400, 'payment_merchant_session_unknown', customer)
	})
	it('400 on amounts sent as numbers', async () => {
		const s = await session()
		const customer = await knownCustomer()
		const p = payment(s, gatewayUrl)
		;(p.data as { payment: { paymentRequest: { total: Record<string, unknown> } } }).payment.paymentRequest.total.amount = 3.5
		await expectRejected(await send(interactive(customer, p)), 400, 'payment_schema', customer)
	})
	it('400 on a session request with a scheme in domainName', async () => {
		const res = await fetchSim('/paymentservices/paymentSession', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				merchantIdentifier: 'merchant.com.example',
				domainName: 'https://msp.example',
				displayName: 'Example Shop',
				initiative: 'messaging',
				initiativeContext: gatewayUrl,
			}),
		})
		await expectRejected(res, 400, 'payment_session_schema')
	})
})

describe('authentication (docs/apple-interactive.md §5.6)', () => {
	it('accepts a new-flow request on /v1/authenticate and stores it', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, authenticate()), { path: '/v1/authenticate' }))
		expect(await state().listMessages({ customerId: customer })).toMatchObject([{ endpoint: '/v1/authenticate', type: 'interactive' }])
	})
	it('400 when sent to /v1/message', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, authenticate())), 400, 'authenticate_wrong_endpoint', customer)
	})
	it('400 on /v1/authenticate without redirectURI or legacy key', async () => {
		const customer = await knownCustomer()
		const a = authenticate()
		delete (a.data as { authenticate: { oauth2: Record<string, unknown> } }).authenticate.oauth2.redirectURI
		await expectRejected(await send(interactive(customer, a), { path: '/v1/authenticate' }), 400, 'authenticate_schema', customer)
	})
	it('400 when something else than authenticate is sent to /v1/authenticate', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, quickReply()), { path: '/v1/authenticate' }), 400, 'interactive_type_key', customer)
	})
})

describe('iMessage apps (docs/apple-interactive.md §5.7)', () => {
	it('accepts a custom extension message', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(interactive(customer, customApp())))
	})
	it('400 "Third party interactive data disallows use of \'data\'"', async () => {
		const customer = await knownCustomer()
		const res = await send(interactive(customer, { ...customApp(), data: { version: '1.0' } }))
		expect(((await res.clone().json()) as { message: string }).message).toBe("Third party interactive data disallows use of 'data'")
		await expectRejected(res, 400, 'custom_app_data', customer)
	})
	it('400 without appName', async () => {
		const customer = await knownCustomer()
		const app = customApp()
		delete app.appName
		await expectRejected(await send(interactive(customer, app)), 400, 'custom_app_schema', customer)
	})
	it('accepts an app without appIcon, as Apple does (its sample sends none), and records a warning', async () => {
		const customer = await knownCustomer()
		const app = customApp()
		delete app.appIcon
		await expectAccepted(await send(interactive(customer, app)))
		const [stored] = await state().listMessages({ customerId: customer })
		expect(stored?.warnings).toEqual([{ rule: 'custom_app_icon_missing', path: 'interactiveData.appIcon', message: expect.stringContaining('no app icon') }])
	})
	it('400 on an empty appIcon', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(interactive(customer, { ...customApp(), appIcon: '' })), 400, 'custom_app_schema', customer)
	})
})

describe('interactive envelope', () => {
	it('400 with both interactiveData and interactiveDataRef', async () => {
		const customer = await knownCustomer()
		const res = await send(envelope(customer, 'interactive', { interactiveData: quickReply(), interactiveDataRef: { url: 'x' } }))
		await expectRejected(res, 400, 'interactive_payload', customer)
	})
	it('400 when data carries two type keys', async () => {
		const customer = await knownCustomer()
		const qr = quickReply()
		;(qr.data as Record<string, unknown>).event = {}
		await expectRejected(await send(interactive(customer, qr)), 400, 'interactive_type_key', customer)
	})
})

describe('include-data-ref (docs/apple-protocol.md §4.8)', () => {
	it('answers a dataRef, stores the blob, and accepts the ref later for another customer', async () => {
		const first = await knownCustomer()
		const lp = listPicker()
		const res = await send(interactive(first, lp), { headers: { 'include-data-ref': 'true' } })
		expect(res.status).toBe(200)
		const { dataRef } = (await res.json()) as { dataRef: Record<string, unknown> }
		expect(dataRef).toMatchObject({ bid: lp.bid, title: 'Pick a fruit' })
		expect(dataRef.signature).toMatch(/^01[0-9a-f]{40}$/)
		expect(typeof dataRef.size).toBe('number')
		expect(dataRef.key).toBeUndefined()
		const blob = await state().findBlob(dataRef.url as string)
		expect(blob).toMatchObject({ origin: 'data-ref', state: 'uploaded', owner: dataRef.owner, checksum: dataRef['signature-base64'] })

		const second = await knownCustomer()
		await expectAccepted(await send(envelope(second, 'interactive', { interactiveDataRef: dataRef })))
		const [stored] = await state().listMessages({ customerId: second })
		expect(stored?.resolvedInteractive).toEqual(lp)
	})
	it('400 on a data ref the gateway never issued', async () => {
		const customer = await knownCustomer()
		const ref = { bid: 'x', url: 'http://sim.test/mmcs/object/nope', owner: 'Mnope', size: 10, signature: '01', 'signature-base64': 'AQ==' }
		await expectRejected(await send(envelope(customer, 'interactive', { interactiveDataRef: ref })), 400, 'data_ref_unknown', customer)
	})
})
