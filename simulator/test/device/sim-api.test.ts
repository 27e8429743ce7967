import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { aesCtrOneShot, formatAttachmentKey, newAttachmentKey } from '../../src/lib/platform-primitives'
import { BUSINESS_ID, envelope, expectAccepted, fetchSim, gatewayGet, knownCustomer, send } from '../helpers/gateway'
import { mockOutside } from '../helpers/msp-mock'
import { api, enc } from '../helpers/sim-api'

let msp: ReturnType<typeof mockOutside>
beforeEach(() => {
	msp = mockOutside()
})
afterEach(() => msp.restore())

describe('/sim/api gateway state', () => {
	it('lists rejections (filterable, since a seq) and clears them', async () => {
		const customer = await knownCustomer()
		await send(envelope(customer, 'close'))
		const { rejections } = await api<{ rejections: Array<{ seq: number; rule: string; customerId: string; request: { headers: Record<string, string> } }> }>(
			'GET',
			`/rejections?customerId=${enc(customer)}`,
		)
		expect(rejections).toHaveLength(1)
		expect(rejections[0]).toMatchObject({ rule: 'type_receive_only', customerId: customer })
		expect(rejections[0]?.request.headers.authorization).toBe('Bearer <redacted>')
		const later = await api<{ rejections: unknown[] }>('GET', `/rejections?since=${rejections[0]?.seq}`)
		expect(later.rejections).toEqual([])
		await fetchSim('/sim/api/rejections', { method: 'DELETE' })
		expect((await api<{ rejections: unknown[] }>('GET', '/rejections')).rejections).toEqual([])
	})

	it('reads and validates switches', async () => {
		const before = await api<Record<string, unknown>>('GET', '/switches')
		expect(before).toMatchObject({ duplicateInteractiveReplies: false, idrThresholdBytes: 10240 })
		await api('PUT', '/switches', { idrThresholdBytes: -1 }, 400)
		await api('PUT', '/switches', { inboxWebhookSecret: 'not-whsec' }, 400)
		expect(await api('PATCH', '/switches', { decodePayloadWrapped: true })).toMatchObject({ decodePayloadWrapped: true })
		await api('PATCH', '/switches', { decodePayloadWrapped: false })
	})

	it('keeps the optional headers of business messages and refuses a bad auto-reply', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'text', { body: 'bot here' }), { headers: { 'auto-reply': 'true', 'msp-agent': 'amb-edge/0.1' } }))
		const { messages } = await api<{ messages: Array<{ headers: Record<string, string> }> }>('GET', `/business-messages?customerId=${enc(customer)}`)
		expect(messages[0]?.headers).toEqual({ 'auto-reply': 'true', 'msp-agent': 'amb-edge/0.1' })
		const res = await send(envelope(customer, 'text', { body: 'x' }), { headers: { 'auto-reply': 'yes' } })
		expect(res.status).toBe(400)
	})

	it('lets the device download a business attachment, decrypted', async () => {
		const plain = new TextEncoder().encode('invoice body')
		const key = newAttachmentKey()
		const cipher = await aesCtrOneShot(key, plain)
		const slot = (await (await gatewayGet('/v1/preUpload', { 'Source-Id': BUSINESS_ID, 'MMCS-Size': String(cipher.byteLength) })).json()) as Record<
			string,
			string
		>
		const up = (await (await fetchSim(slot['upload-url'] as string, { method: 'POST', body: cipher })).json()) as { singleFile: { fileChecksum: string } }
		const customer = await knownCustomer()
		const msg = envelope(customer, 'text', {
			body: 'Your invoice \uFFFC',
			attachments: [
				{
					name: 'invoice.txt',
					mimeType: 'text/plain',
					size: String(cipher.byteLength),
					'signature-base64': up.singleFile.fileChecksum,
					url: slot['mmcs-url'],
					owner: slot['mmcs-owner'],
					key: formatAttachmentKey(key),
				},
			],
		})
		await expectAccepted(await send(msg))
		const { messages } = await api<{ messages: Array<{ view: { kind: string; attachments: Array<{ downloadPath: string; name: string }> } }> }>(
			'GET',
			`/customers/${enc(customer)}/messages`,
		)
		expect(messages[0]?.view.attachments[0]?.name).toBe('invoice.txt')
		const dl = await fetchSim(messages[0]?.view.attachments[0]?.downloadPath as string)
		expect(dl.headers.get('content-type')).toBe('text/plain')
		expect(await dl.text()).toBe('invoice body')
		const { blobs } = await api<{ blobs: Array<{ url: string; state: string }> }>('GET', '/blobs')
		expect(blobs.find((b) => b.url === slot['mmcs-url'])?.state).toBe('uploaded')
	})
})
