import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { aesCtrOneShot, bytesToBase64, hexToBytes, parseAttachmentKey } from '../../src/lib/platform-primitives'
import { authenticate, customApp, form, listPicker, payment, quickReply, timePicker } from '../helpers/fixtures'
import { BUSINESS_ID, envelope, expectAccepted, fetchSim, gatewayGet, knownCustomer, mspToken, send, state } from '../helpers/gateway'
import { mockOutside } from '../helpers/msp-mock'
import { api, enc, type Sent } from '../helpers/sim-api'

let msp: ReturnType<typeof mockOutside>
beforeEach(() => {
	msp = mockOutside()
})
afterEach(() => msp.restore())

type Dict = Record<string, unknown>

async function businessSends(customer: string, interactiveData: Dict, path = '/v1/message'): Promise<string> {
	const msg = envelope(customer, 'interactive', { interactiveData })
	await expectAccepted(await send(msg, { path }))
	return msg.id as string
}

async function reply(customer: string, toMessageId: string, selection: Dict) {
	return api<{ sent: Sent[]; sideEffects: Array<{ url: string; status: number }> }>('POST', `/customers/${enc(customer)}/replies`, {
		toMessageId,
		selection,
	})
}

/** Act as the MSP: preDownload (base64 signature), download, decrypt (docs/apple-protocol.md §5.3). */
async function fetchAsMsp(ref: { url: string; owner: string; key: string; signature?: string; 'signature-base64'?: string; size: number }) {
	const signatureB64 = ref['signature-base64'] ?? bytesToBase64(hexToBytes(ref.signature as string))
	const pre = await gatewayGet('/v1/preDownload', {
		'source-id': BUSINESS_ID,
		'MMCS-Url': ref.url,
		'MMCS-Signature': signatureB64,
		'MMCS-Owner': ref.owner,
	})
	expect(pre.status).toBe(200)
	const { 'download-url': url } = (await pre.json()) as { 'download-url': string }
	const cipher = new Uint8Array(await (await fetchSim(url)).arrayBuffer())
	expect(cipher.byteLength).toBe(ref.size)
	return aesCtrOneShot(parseAttachmentKey(ref.key), cipher)
}

const lastMessage = () => msp.messages().at(-1) as Dict
const dataOf = (m: Dict) => (m.interactiveData as { data: Dict }).data

describe('interactive replies inline (docs/apple-interactive.md §3.1)', () => {
	it('quick reply: selectedIndex, replyMessage inside data, same requestIdentifier and bid', async () => {
		const customer = await knownCustomer()
		const qr = quickReply(3)
		const id = await businessSends(customer, qr)
		const { sent } = await reply(customer, id, { selectedIndex: 1 })
		expect(sent).toMatchObject([{ type: 'interactive', mspStatus: 200, viaDataRef: false }])
		const m = lastMessage()
		expect(m).toMatchObject({ v: 1, type: 'interactive', sourceId: customer, destinationId: BUSINESS_ID })
		expect((m.interactiveData as Dict).bid).toBe(qr.bid)
		expect(typeof (m.interactiveData as Dict).sessionIdentifier).toBe('string')
		expect(dataOf(m)).toMatchObject({
			requestIdentifier: (qr.data as Dict).requestIdentifier,
			version: '1.0',
			replyMessage: { title: 'Option 2' },
			'quick-reply': { selectedIndex: 1, summaryText: 'What can I help you with?' },
		})
	})

	it('time picker: the chosen slot only, alternateTitle formatted in the event time zone', async () => {
		const customer = await knownCustomer()
		const tp = timePicker({ startTime: '2099-07-10T17:00+0000' })
		const id = await businessSends(customer, tp)
		await reply(customer, id, { identifier: '0' })
		const data = dataOf(lastMessage())
		expect((data.event as { timeslots: unknown[] }).timeslots).toEqual([{ identifier: '0', startTime: '2099-07-10T17:00+0000', duration: 3600 }])
		expect((data.replyMessage as Dict).alternateTitle).toBe('Jul 10, 2099 at 10:00 AM')
	})

	it('form: selections per page', async () => {
		const customer = await knownCustomer()
		const id = await businessSends(customer, form())
		await reply(customer, id, { answers: { '0': '002', '1': 'ann@example.com' } })
		expect(dataOf(lastMessage()).dynamic).toMatchObject({
			template: 'messageForms',
			selections: [
				{ pageIdentifier: '0', items: [{ identifier: '002', type: 'select', title: 'Paris', value: 'paris' }] },
				{ pageIdentifier: '1', items: [{ type: 'input', value: 'ann@example.com' }] },
			],
		})
	})

	it('rejects a selection that does not fit the request', async () => {
		const customer = await knownCustomer()
		const id = await businessSends(customer, quickReply(2))
		await api('POST', `/customers/${enc(customer)}/replies`, { toMessageId: id, selection: { selectedIndex: 7 } }, 400)
		const text = envelope(customer, 'text', { body: 'plain' })
		await expectAccepted(await send(text))
		await api('POST', `/customers/${enc(customer)}/replies`, { toMessageId: text.id, selection: {} }, 400)
	})

	it('sends a duplicate (new id, same session and request identifiers) when the switch is on', async () => {
		await state().setSwitches({ duplicateInteractiveReplies: true })
		try {
			const customer = await knownCustomer()
			const id = await businessSends(customer, quickReply(2))
			const { sent } = await reply(customer, id, { selectedIndex: 0 })
			expect(sent).toHaveLength(2)
			expect(sent[1]?.duplicateOf).toBe(sent[0]?.id)
			const [a, b] = msp.messages().slice(-2) as [Dict, Dict]
			expect(a.id).not.toBe(b.id)
			expect((a.interactiveData as Dict).sessionIdentifier).toBe((b.interactiveData as Dict).sessionIdentifier)
			expect(dataOf(a).requestIdentifier).toBe(dataOf(b).requestIdentifier)
		} finally {
			await state().setSwitches({ duplicateInteractiveReplies: false })
		}
	})

	it('marks the request answered in the rendered thread', async () => {
		const customer = await knownCustomer()
		const id = await businessSends(customer, quickReply(2))
		await reply(customer, id, { selectedIndex: 0 })
		const { messages } = await api<{ messages: Array<{ id: string; answered?: { title: string } }> }>('GET', `/customers/${enc(customer)}/messages`)
		expect(messages.find((m) => m.id === id)?.answered?.title).toBe('Option 1')
	})
})

describe('replies by reference above 10 KB (docs/apple-interactive.md §3.2)', () => {
	it('list picker reply echoing big images arrives as interactiveDataRef that preDownload + decrypt + decodePayload resolve', async () => {
		const customer = await knownCustomer()
		const lp = listPicker()
		const big = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(20_000))))
		;(lp.data as { images: Array<Dict> }).images = [{ identifier: '0', data: big }]
		const id = await businessSends(customer, lp)
		const { sent } = await reply(customer, id, { identifiers: ['1', '2'] })
		expect(sent[0]?.viaDataRef).toBe(true)
		const m = lastMessage()
		expect(m.interactiveData).toBeUndefined()
		const ref = m.interactiveDataRef as {
			bid: string
			url: string
			owner: string
			key: string
			size: number
			signature: string
			'signature-base64': string
			title: string
		}
		expect(ref).toMatchObject({ bid: lp.bid, title: 'Pick a fruit' })
		expect(ref.key).toMatch(/^00[0-9a-f]{64}$/)
		expect(ref.signature).toMatch(/^01[0-9a-f]{40}$/)
		expect(typeof ref.size).toBe('number')

		const plain = await fetchAsMsp({ ...ref, 'signature-base64': undefined } as never)
		const decoded = await fetchSim('/v1/decodePayload', {
			method: 'POST',
			headers: { authorization: `Bearer ${await mspToken()}`, 'source-id': BUSINESS_ID, bid: ref.bid },
			body: plain,
		})
		expect(decoded.status).toBe(200)
		const idata = (await decoded.json()) as { data: Dict }
		expect(idata.data.requestIdentifier).toBe((lp.data as Dict).requestIdentifier)
		expect(idata.data.listPicker).toMatchObject({ sections: [{ title: 'Fruit', items: [{ identifier: '1' }, { identifier: '2' }] }] })
		expect(idata.data.replyMessage).toMatchObject({ title: 'Apple and Pear' })
		expect((idata.data.images as Dict[])[0]?.data).toBe(big)
	})

	it('uses the threshold switch', async () => {
		await state().setSwitches({ idrThresholdBytes: 0 })
		try {
			const customer = await knownCustomer()
			const id = await businessSends(customer, quickReply(2))
			const { sent } = await reply(customer, id, { selectedIndex: 0 })
			expect(sent[0]?.viaDataRef).toBe(true)
			const { messages } = await api<{ messages: Array<{ id: string; answered?: { title: string } }> }>('GET', `/customers/${enc(customer)}/messages`)
			expect(messages.find((m) => m.id === id)?.answered?.title).toBe('Option 1')
		} finally {
			await state().setSwitches({ idrThresholdBytes: 10 * 1024 })
		}
	})
})

describe('customer attachments (docs/apple-protocol.md §4.4, §5.3)', () => {
	it('sends a text with U+FFFC and the inbound dictionary; the MSP can download and decrypt it', async () => {
		const customer = await knownCustomer()
		const file = new TextEncoder().encode('%PDF-1.4 simulated receipt '.repeat(300))
		const { sent } = await api<{ sent: Sent[] }>('POST', `/customers/${enc(customer)}/attachments`, {
			businessId: BUSINESS_ID,
			name: 'receipt.pdf',
			mimeType: 'application/pdf',
			dataBase64: bytesToBase64(file),
			text: 'Here it is',
		})
		expect(sent[0]?.mspStatus).toBe(200)
		const m = lastMessage()
		expect(m.body).toBe('Here it is \uFFFC')
		const [a] = m.attachments as Array<{ name: string; mimeType: string; size: number; key: string; url: string; owner: string; signature: string }>
		expect(a).toMatchObject({ name: 'receipt.pdf', mimeType: 'application/pdf', size: file.byteLength })
		// Upper-case hex, as Apple sends them (its download sample's b16decode takes nothing else).
		expect(a?.signature).toMatch(/^01[0-9A-F]{40}$/)
		expect(a?.key).toMatch(/^00[0-9A-F]{64}$/)
		expect(await fetchAsMsp(a as never)).toEqual(file)
	})

	it('streams a raw upload from the device page', async () => {
		const customer = await knownCustomer()
		const file = crypto.getRandomValues(new Uint8Array(50_000))
		const res = await fetchSim(`/sim/api/customers/${enc(customer)}/attachments?businessId=${enc(BUSINESS_ID)}&name=photo.jpg&mimeType=image/jpeg`, {
			method: 'POST',
			body: file,
		})
		expect(res.status).toBe(200)
		const [a] = lastMessage().attachments as Array<Dict>
		expect(await fetchAsMsp(a as never)).toEqual(file)
		// and the device page can download its own attachment, decrypted
		const { messages } = await api<{ messages: Array<{ view: { attachments: Array<{ downloadPath: string }> } }> }>(
			'GET',
			`/customers/${enc(customer)}/messages`,
		)
		const dl = await fetchSim(messages[0]?.view.attachments[0]?.downloadPath as string)
		expect(new Uint8Array(await dl.arrayBuffer())).toEqual(file)
	})
})

describe('authentication replies (docs/apple-interactive.md §5.6)', () => {
	it('new flow: calls the redirectURI with code and state, then replies authenticated', async () => {
		const customer = await knownCustomer()
		const auth = authenticate()
		const id = await businessSends(customer, auth, '/v1/authenticate')
		const { sideEffects } = await reply(customer, id, { outcome: 'authenticated' })
		const oauth2 = ((auth.data as Dict).authenticate as { oauth2: { state: string } }).oauth2
		const redirect = new URL(sideEffects[0]?.url as string)
		expect(redirect.origin + redirect.pathname).toBe('https://msp.example/auth/callback')
		expect(redirect.searchParams.get('state')).toBe(oauth2.state)
		expect(redirect.searchParams.get('code')).toMatch(/^sim-code-/)
		expect(dataOf(lastMessage()).authenticate).toEqual({ status: 'authenticated' })
	})

	it('legacy flow: the token is ECIES-encrypted to responseEncryptionKey (P-384, X9.63 KDF, AES-GCM)', async () => {
		const customer = await knownCustomer()
		const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits'])) as CryptoKeyPair
		const pub = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer)
		const auth = authenticate()
		const oauth2 = ((auth.data as Dict).authenticate as { oauth2: Dict }).oauth2
		delete oauth2.redirectURI
		oauth2.responseEncryptionKey = bytesToBase64(pub)
		oauth2.clientSecret = 'idp-secret'
		const id = await businessSends(customer, auth, '/v1/authenticate')
		await reply(customer, id, { outcome: 'authenticated', token: 'access-token-123' })
		const answer = dataOf(lastMessage()).authenticate as { status: string; token: string }
		expect(answer.status).toBe('authenticated')

		const token = Uint8Array.from(atob(answer.token), (ch) => ch.charCodeAt(0))
		const eph = token.subarray(0, 97)
		const ephKey = await crypto.subtle.importKey('raw', eph, { name: 'ECDH', namedCurve: 'P-384' }, false, [])
		const z = new Uint8Array(
			await crypto.subtle.deriveBits({ name: 'ECDH', public: ephKey } as unknown as SubtleCryptoDeriveKeyAlgorithm, pair.privateKey, 384),
		)
		const kdf = async (counter: number) => new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.from([...z, 0, 0, 0, counter, ...eph])))
		const k = Uint8Array.from([...(await kdf(1)), ...(await kdf(2))]).subarray(0, 48)
		const aes = await crypto.subtle.importKey('raw', k.subarray(0, 32), 'AES-GCM', false, ['decrypt'])
		const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: k.subarray(32, 48) }, aes, token.subarray(97))
		expect(new TextDecoder().decode(plain)).toBe('access-token-123')
	})

	it('failure: status failed, "Authentication failed" bubble', async () => {
		const customer = await knownCustomer()
		const id = await businessSends(customer, authenticate(), '/v1/authenticate')
		const { sideEffects } = await reply(customer, id, { outcome: 'failed' })
		expect(sideEffects).toEqual([])
		expect(dataOf(lastMessage())).toMatchObject({ authenticate: { status: 'failed' }, replyMessage: { title: 'Authentication failed' } })
	})
})

describe('Apple Pay (docs/apple-interactive.md §5.5)', () => {
	it('posts the payment token to paymentGatewayUrl, then replies with the gateway status', async () => {
		msp.restore()
		msp = mockOutside((req) => (new URL(req.url).pathname === '/applepay/gateway' ? Response.json({ status: 'STATUS_SUCCESS' }) : new Response('ok')))
		const gatewayUrl = 'https://msp.example/applepay/gateway'
		const s = await fetchSim('/paymentservices/paymentSession', {
			method: 'POST',
			body: JSON.stringify({
				merchantIdentifier: 'merchant.com.example',
				domainName: 'msp.example',
				displayName: 'Shop',
				initiative: 'messaging',
				initiativeContext: gatewayUrl,
			}),
		})
		const customer = await knownCustomer()
		const p = payment((await s.json()) as Dict, gatewayUrl)
		const id = await businessSends(customer, p)
		const { sideEffects } = await reply(customer, id, {})
		expect(sideEffects).toEqual([{ url: gatewayUrl, status: 200 }])
		const gatewayCall = msp.calls.find((c) => c.url === gatewayUrl)
		const posted = JSON.parse(new TextDecoder().decode(gatewayCall?.raw)) as Dict
		expect(posted).toMatchObject({
			requestIdentifier: (p.data as Dict).requestIdentifier,
			version: 1,
			payment: { paymentToken: { paymentMethod: { network: 'Visa', type: 'Credit' } } },
		})
		expect(dataOf(lastMessage()).payment).toMatchObject({ status: 'STATUS_SUCCESS', paymentMethod: { type: 'Credit' } })
	})
})

describe('iMessage app replies', () => {
	it('answers with the extension URL', async () => {
		const customer = await knownCustomer()
		const id = await businessSends(customer, customApp())
		await reply(customer, id, { url: '?picked=locker-12' })
		expect(lastMessage().interactiveData).toMatchObject({ URL: '?picked=locker-12' })
	})
})
