/**
 * Invitations on the simulator: the gateway's checks of a notification (written from the
 * wire format in docs/invitations.md), delivery through the phone directory, and the customer's Accept /
 * Decline as Apple sends them back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BUSINESS_ID, PNG_B64, appleBid, expectAccepted, expectRejected, fetchSim, send, state } from '../helpers/gateway'
import { mockOutside } from '../helpers/msp-mock'
import { api, enc, type Sent } from '../helpers/sim-api'

let msp: ReturnType<typeof mockOutside>
beforeEach(() => {
	msp = mockOutside()
})
afterEach(() => msp.restore())

let n = 0
const freshPhone = () => `+1555${String(Date.now() % 1_000_000).padStart(6, '0')}${++n % 10}`

function notification(
	phone: string,
	o: { templateId?: string; referenceId?: string; parameters?: Record<string, unknown>; bid?: string; notification?: unknown } = {},
) {
	return {
		v: 1,
		id: crypto.randomUUID(),
		type: 'interactive',
		sourceId: BUSINESS_ID,
		destinationId: `tel:${phone}`,
		interactiveData: {
			bid: o.bid ?? appleBid,
			useLiveLayout: true,
			data: {
				version: '1.0',
				requestIdentifier: crypto.randomUUID(),
				notification: o.notification ?? {
					templateId: o.templateId ?? 'binaryChoice.engage.withImage',
					referenceId: o.referenceId ?? 'order-12345',
					locale: 'en-us',
					parameters: o.parameters ?? { brandName: 'Acme Dental', brandLogo: PNG_B64 },
				},
			},
		},
	}
}

const NOTIFY = { 'message-type': 'notification' }

async function customerWithPhone(): Promise<{ id: string; phoneNumber: string }> {
	return api('POST', '/customers', { device: 'iphone', phoneNumber: freshPhone() })
}

describe('gateway: notification checks (docs/invitations.md)', () => {
	it('delivers a valid notification to the customer with that phone number, opening the thread', async () => {
		const c = await customerWithPhone()
		const body = notification(c.phoneNumber)
		await expectAccepted(await send(body, { headers: NOTIFY }))
		const thread = await api<{ messages: { id: string; view: { kind: string; brandName?: string; referenceId?: string; logoDataUrl?: string } }[] }>(
			'GET',
			`/customers/${enc(c.id)}/messages`,
		)
		expect(thread.messages).toHaveLength(1)
		expect(thread.messages[0]).toMatchObject({ id: body.id, view: { kind: 'invitation', brandName: 'Acme Dental', referenceId: 'order-12345' } })
		expect(thread.messages[0]!.view.logoDataUrl).toMatch(/^data:image\/png;base64,/)
		expect(await state().getConversation(c.id, BUSINESS_ID)).toMatchObject({ closed: false })
		const stored = await state().listMessages({ customerId: c.id })
		expect(stored[0]!.headers).toEqual({ 'message-type': 'notification' })
		const dir = await api<{ entries: { phoneNumber: string; customerId: string }[] }>('GET', '/phone-directory')
		expect(dir.entries).toContainEqual(expect.objectContaining({ phoneNumber: c.phoneNumber, customerId: c.id }))
	})

	it('assigns a phone number when none is given, and refuses a taken or malformed one', async () => {
		const c = await api<{ phoneNumber: string }>('POST', '/customers', {})
		expect(c.phoneNumber).toMatch(/^\+1555\d{7}$/)
		await api('POST', '/customers', { phoneNumber: c.phoneNumber }, 409)
		await api('POST', '/customers', { phoneNumber: '555-1234' }, 400)
	})

	const cases: [string, () => Promise<{ body: Record<string, unknown>; headers: Record<string, string> }>, number, string][] = [
		[
			'a tel: destination without message-type',
			async () => ({ body: notification((await customerWithPhone()).phoneNumber), headers: {} }),
			400,
			'destination_format',
		],
		[
			'an unknown message-type',
			async () => ({ body: notification((await customerWithPhone()).phoneNumber), headers: { 'message-type': 'broadcast' } }),
			400,
			'header_message_type',
		],
		[
			'a urn:mbid: destination',
			async () => ({ body: { ...notification('+15550000000'), destinationId: 'urn:mbid:AQAAY-x' }, headers: NOTIFY }),
			400,
			'notification_destination',
		],
		['a number that is not E.164', async () => ({ body: notification('5551234567'), headers: NOTIFY }), 400, 'notification_destination'],
		[
			'no templateId',
			async () => ({ body: notification((await customerWithPhone()).phoneNumber, { notification: { referenceId: 'r' } }), headers: NOTIFY }),
			400,
			'notification_schema',
		],
		[
			'no referenceId',
			async () => ({ body: notification((await customerWithPhone()).phoneNumber, { notification: { templateId: 't' } }), headers: NOTIFY }),
			400,
			'notification_schema',
		],
		[
			'another bid',
			async () => ({
				body: notification((await customerWithPhone()).phoneNumber, { bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:TEAM:com.example.app' }),
				headers: NOTIFY,
			}),
			400,
			'notification_bid',
		],
		[
			'a logo on a template without an image',
			async () => ({ body: notification((await customerWithPhone()).phoneNumber, { templateId: 'binaryChoice.engage.noImage' }), headers: NOTIFY }),
			400,
			'notification_template_no_image',
		],
		[
			'a logo that is not a PNG',
			async () => ({ body: notification((await customerWithPhone()).phoneNumber, { parameters: { brandLogo: btoa('GIF89a') } }), headers: NOTIFY }),
			400,
			'notification_logo',
		],
		['a number nobody in the directory has', async () => ({ body: notification('+15559999999'), headers: NOTIFY }), 404, 'destination_unknown'],
	]
	for (const [name, make, status, rule] of cases) {
		it(`refuses ${name} (${status} ${rule}), storing nothing`, async () => {
			const { body, headers } = await make()
			const before = (await state().listMessages({})).length
			await expectRejected(await send(body, { headers }), status, rule)
			expect((await state().listMessages({})).length).toBe(before)
		})
	}
})

describe('device: Accept and Decline', () => {
	async function invited(referenceId = `ref-${crypto.randomUUID()}`) {
		const c = await customerWithPhone()
		const body = notification(c.phoneNumber, { referenceId })
		await expectAccepted(await send(body, { headers: NOTIFY }))
		return { c, body, referenceId }
	}

	it('Accept sends Apple’s answer: interactive with the notification and the chosen option', async () => {
		const { c, body, referenceId } = await invited()
		const { sent } = await api<{ sent: Sent[] }>('POST', `/customers/${enc(c.id)}/invitations/${enc(body.id)}/accept`, {})
		expect(sent[0]).toMatchObject({ type: 'interactive', mspStatus: 200 })
		const posted = msp.messages()[0]!
		expect(posted).toMatchObject({
			type: 'interactive',
			sourceId: c.id,
			destinationId: BUSINESS_ID,
			interactiveData: {
				bid: appleBid,
				data: {
					requestIdentifier: body.interactiveData.data.requestIdentifier,
					notification: {
						templateId: 'binaryChoice.engage.withImage',
						referenceId,
						displayContent: { determinateResponse: { title: 'Accept', subtitle: 'Acme Dental' } },
					},
				},
			},
		})
		const thread = await api<{ messages: { id: string; answered?: { title: string } }[] }>('GET', `/customers/${enc(c.id)}/messages`)
		expect(thread.messages[0]!.answered).toMatchObject({ title: 'Accept' })
		await api('POST', `/customers/${enc(c.id)}/invitations/${enc(body.id)}/decline`, {}, 409)
	})

	it('Decline sends a close with referenceIds; the conversation is not closed', async () => {
		const { c, body, referenceId } = await invited()
		await api('POST', `/customers/${enc(c.id)}/invitations/${enc(body.id)}/decline`, {})
		expect(msp.messages()[0]).toMatchObject({ type: 'close', sourceId: c.id, destinationId: BUSINESS_ID, referenceIds: [referenceId] })
		expect(await state().getConversation(c.id, BUSINESS_ID)).toMatchObject({ closed: false, blocked: false })
		const thread = await api<{ messages: { view: { kind: string }; answered?: { title: string } }[] }>('GET', `/customers/${enc(c.id)}/messages`)
		expect(thread.messages.map((m) => m.view.kind)).toEqual(['invitation', 'declined'])
		expect(thread.messages[0]!.answered).toMatchObject({ title: 'Declined' })
		await api('POST', `/customers/${enc(c.id)}/invitations/${enc(body.id)}/accept`, {}, 409)
	})

	it('the device page shows the invitation with Accept and Decline', async () => {
		const { c, body } = await invited()
		const html = await (await fetchSim(`/device/thread?customer=${enc(c.id)}&business=${enc(BUSINESS_ID)}`)).text()
		expect(html).toContain('data-testid="invitation"')
		expect(html).toContain(`data-action="invitation-accept" data-message-id="${body.id}"`)
		expect(html).toContain('data-testid="invitation-decline"')
		expect(html).toContain('Acme Dental')
	})

	it('404 for a message that is not an invitation', async () => {
		const c = await customerWithPhone()
		await api('POST', `/customers/${enc(c.id)}/invitations/nope/accept`, {}, 404)
	})
})
