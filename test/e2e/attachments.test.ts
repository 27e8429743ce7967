/**
 * Attachments both ways through the real MSP, and interactive replies too big to go inline:
 * a file the customer attaches on the device reaches the business staged and downloadable
 * (signed link and API, scoped to the business); a file the business uploads reaches the
 * device encrypted through the simulated MMCS and decrypts to the same bytes; a list picker
 * with images is answered by reference (interactiveDataRef) and resolved for the business;
 * an upload over 100 MB is refused and leaves nothing behind.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	createBusiness,
	e2e,
	fetchBytes,
	gatewayMessages,
	getAttachment,
	inboxFor,
	latestRequestIdentifier,
	sendAccepted,
	simGet,
	uploadAttachment,
	waitForWebhook,
} from './helpers/api'
import { byTestId, Device, launchChromium, until } from './helpers/device'
import { noisePng, postDeclared, postStream, pseudoRandomBytes, r2BlobFiles, readAll, sha256Hex } from './helpers/files.mjs'

let browser: Browser

beforeAll(async () => {
	browser = await launchChromium()
})

afterAll(async () => {
	await browser?.close()
})

const MiB = 1024 * 1024

/** A file that starts like a PDF (so sniffing would agree) followed by pseudo-random bytes. */
function pdfLike(size: number, seed: number): Uint8Array {
	const bytes = pseudoRandomBytes(size, seed)
	bytes.set(new TextEncoder().encode('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'))
	return bytes
}

/**
 * The signed link with its payload (`v1:<expiry>:<attachmentId>:<businessId>`, base64url)
 * rewritten to name another business, the signature kept.
 */
function retargetLink(url: string, businessId: string): string {
	const u = new URL(url)
	const token = u.pathname.split('/').pop() ?? ''
	const [payload, signature] = token.split('.')
	const decoded = atob((payload ?? '').replace(/-/g, '+').replace(/_/g, '/'))
	const parts = decoded.split(':')
	expect(parts.slice(0, 2)[0]).toBe('v1')
	const forged = btoa([...parts.slice(0, 3), businessId].join(':'))
		.replace(/\+/g, '-')
		.replace(/\//g, '_')
		.replace(/=+$/, '')
	u.pathname = u.pathname.replace(token, `${forged}.${signature}`)
	return u.toString()
}

const dataUri = (png: Uint8Array) => `data:image/png;base64,${btoa(String.fromCharCode(...png))}`

describe('attachments', () => {
	it('a file the customer attaches arrives staged, with a signed link, readable only by its business', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Noor (receipt)', 'iphone')
			await device.startConversation({ intent: 'refund' })
			const file = pseudoRandomBytes(300 * 1024 + 123, 7)
			const digest = sha256Hex(file)

			// The page uploads a file on its own (no text): the text goes as the next message.
			await device.sendFile({ name: 'receipt.bin', mimeType: 'application/octet-stream', bytes: file })
			await device.sendText('Here is the receipt for my refund')

			const received = await waitForWebhook(customerId, 'message.received', (d) => Array.isArray(d.attachments) && d.attachments.length > 0)
			expect(received.verified, received.detail).toBe(true)
			expect(received.event.data.text.replace(/\uFFFC/g, '').trim()).toBe('')
			expect(received.event.data.attachments).toHaveLength(1)
			const a = received.event.data.attachments[0]
			expect(a, JSON.stringify(a)).toMatchObject({
				index: 0,
				status: 'ready',
				name: 'receipt.bin',
				mimeType: 'application/octet-stream',
				size: file.byteLength,
			})
			expect(a.id).toMatch(/^att_[A-Za-z0-9_-]{22}$/)
			expect(a.url).toMatch(/^https?:\/\/[^/]+\/attachments\/signed\/[^/?#]+$/)
			expect(new URL(a.url).origin).toBe(new URL(e2e().mspUrl).origin)
			expect(Date.parse(a.urlExpiresAt)).toBeGreaterThan(Date.now())
			const text = await waitForWebhook(customerId, 'message.received', (d) => d.text === 'Here is the receipt for my refund')
			expect(text.event.data.attachments).toEqual([])

			// The signed link needs no key and gives back exactly the customer's bytes.
			const viaLink = await fetchBytes(a.url)
			expect(viaLink.status, viaLink.text()).toBe(200)
			expect(viaLink.bytes.byteLength).toBe(file.byteLength)
			expect(sha256Hex(viaLink.bytes)).toBe(digest)
			expect(viaLink.headers.get('content-type')).toBe('application/octet-stream')
			expect(viaLink.headers.get('content-disposition')).toContain('receipt.bin')
			expect(viaLink.headers.get('x-content-type-options')).toBe('nosniff')

			// The business API with the demo key: the same bytes.
			const viaApi = await getAttachment(a.id)
			expect(viaApi.status, viaApi.text()).toBe(200)
			expect(sha256Hex(viaApi.bytes)).toBe(digest)

			// Another business cannot read it, and the link cannot be retargeted at that business.
			const other = await createBusiness(`e2e-other-${Date.now().toString(36)}`, 'Other Coffee')
			const foreign = await getAttachment(a.id, other.apiKey)
			expect(foreign.status, foreign.text()).toBe(404)
			expect(JSON.parse(foreign.text()).error.code).toBe('not_found')
			const retargeted = await fetchBytes(retargetLink(a.url, other.businessId))
			expect(retargeted.status, retargeted.text()).toBe(403)
		} finally {
			await device.close()
		}
	})

	it('a file the business uploads shows on the device and downloads to the same bytes', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Ines (menu)', 'iphone')
			await device.startConversation()
			await device.sendText('Can I see the menu?')

			const pdf = pdfLike(MiB + 4321, 11)
			const digest = sha256Hex(pdf)
			const up = await uploadAttachment(pdf, { name: 'menu.pdf', contentType: 'application/pdf' })
			expect(up.status, JSON.stringify(up.body)).toBe(201)
			expect(up.body).toMatchObject({ name: 'menu.pdf', mimeType: 'application/pdf', size: pdf.byteLength })
			expect(up.body.id).toMatch(/^att_[A-Za-z0-9_-]{22}$/)
			const stored = await getAttachment(up.body.id)
			expect(sha256Hex(stored.bytes)).toBe(digest)

			const sent = await sendAccepted(customerId, { type: 'text', text: 'Our menu', attachments: [up.body.id] })
			expect(sent.rendered).toBe('original')

			const msg = device.messages('business').filter({ hasText: 'Our menu' }).last()
			await msg.waitFor()
			const link = byTestId(msg, 'attachment-link')
			await link.waitFor()
			expect(await link.getAttribute('download')).toBe('menu.pdf')
			expect((await link.textContent())?.trim()).toBe(`📎 menu.pdf (${Math.ceil(pdf.byteLength / 1024)} KB)`)

			// Apple's gateway got an encrypted attachment dictionary, not the file.
			const atGateway = (await gatewayMessages(customerId)).at(-1)
			expect(atGateway?.type).toBe('text')
			expect(atGateway?.body.attachments).toHaveLength(1)
			expect(atGateway?.body.attachments[0]).toMatchObject({ name: 'menu.pdf', mimeType: 'application/pdf' })
			expect(typeof atGateway?.body.attachments[0].key).toBe('string')

			// The device's download path decrypts it to the business's bytes…
			const href = (await link.getAttribute('href')) ?? ''
			expect(href).toMatch(/^\/sim\/api\/customers\/.+\/attachments\/0$/)
			const viaHref = await fetchBytes(`${e2e().simUrl}${href}`)
			expect(viaHref.status, viaHref.text()).toBe(200)
			expect(viaHref.bytes.byteLength).toBe(pdf.byteLength)
			expect(sha256Hex(viaHref.bytes)).toBe(digest)
			// …and so does clicking it in the browser.
			const [download] = await Promise.all([device.page.waitForEvent('download'), link.click()])
			expect(download.suggestedFilename()).toBe('menu.pdf')
			expect(sha256Hex(await readAll(await download.createReadStream()))).toBe(digest)

			const { rejections } = await simGet<{ rejections: unknown[] }>(`/rejections?customerId=${encodeURIComponent(customerId)}`)
			expect(rejections).toEqual([])
			const delivered = await waitForWebhook(customerId, 'message.sent', (d) => d.messageId === sent.id)
			expect(delivered.verified).toBe(true)
			expect(delivered.event.data).toMatchObject({ type: 'text', rendered: 'original' })
			expect((await inboxFor(customerId)).some((e) => e.event.type === 'message.failed')).toBe(false)
		} finally {
			await device.close()
		}
	})

	it('a list picker reply over 10 KB goes by reference and arrives resolved as interactive.received', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Yuki (bakery)', 'iphone')
			await device.startConversation({ intent: 'cakes' })
			await device.sendText('Which cakes do you have today?')

			// Distinct noise images (~7 KB each, Apple allows 64 KB per item): the reply echoes
			// all of them, so it is well over the threshold without lowering it.
			const cakes = ['opera', 'fraisier', 'paris-brest', 'tarte-tatin'].map((id, i) => ({ id, png: noisePng(48, 48, 100 + i) }))
			for (const c of cakes) expect(c.png.byteLength).toBeLessThan(64_000)
			const { idrThresholdBytes } = await simGet<{ idrThresholdBytes: number }>('/switches')
			const imageBytes = cakes.reduce((n, c) => n + Math.ceil(c.png.byteLength / 3) * 4, 0)
			expect(imageBytes).toBeGreaterThan(idrThresholdBytes)

			const titles: Record<string, string> = { opera: 'Opéra', fraisier: 'Fraisier', 'paris-brest': 'Paris-Brest', 'tarte-tatin': 'Tarte Tatin' }
			const sent = await sendAccepted(customerId, {
				type: 'listPicker',
				title: 'Cakes of the day',
				subtitle: 'Pick one',
				sections: [{ title: 'Cakes', items: cakes.map((c) => ({ id: c.id, title: titles[c.id], image: dataUri(c.png) })) }],
			})
			expect(sent.rendered).toBe('original')
			const sentToApple = (await gatewayMessages(customerId)).at(-1)
			expect(sentToApple?.body.interactiveData?.data?.images).toHaveLength(cakes.length)

			const msg = await device.businessMessage('listPicker')
			await byTestId(msg, 'open-list-picker').click()
			const dialog = byTestId(msg, 'list-picker-dialog')
			await dialog.waitFor()
			await dialog.locator('[data-identifier="paris-brest"] input').check()
			await byTestId(dialog, 'list-picker-send').click()
			await dialog.waitFor({ state: 'hidden' })

			// The device answered with an interactiveDataRef (shown with ⤴︎), not inline.
			const answer = device.messages('customer').last()
			await until(async () => (await byTestId(answer, 'bubble-reply').textContent())?.trim(), 'Paris-Brest ⤴︎', 'reply by reference')
			const { messages } = await simGet<{ messages: Array<{ type: string; sender: string; view: { viaDataRef?: boolean } }> }>(
				`/customers/${encodeURIComponent(customerId)}/messages`,
			)
			const reply = messages.filter((m) => m.sender === 'customer' && m.type === 'interactive')
			expect(reply).toHaveLength(1)
			expect(reply[0]?.view.viaDataRef).toBe(true)

			const requestId = await latestRequestIdentifier(customerId)
			const received = await waitForWebhook(customerId, 'interactive.received')
			expect(received.verified, received.detail).toBe(true)
			expect(received.event.data, JSON.stringify({ ...received.event.data, raw: '…' })).toMatchObject({
				kind: 'listPicker',
				byReference: true,
				requestId,
				requestMessageId: sent.id,
				selected: [{ sectionIndex: 0, sectionTitle: 'Cakes', id: 'paris-brest', title: 'Paris-Brest' }],
			})
			// One event for the one reply, resolved before it was delivered.
			expect((await inboxFor(customerId)).filter((e) => e.event.type === 'interactive.received')).toHaveLength(1)
			await until(async () => (await byTestId(msg, 'answered').textContent())?.trim(), '✓ Paris-Brest', 'picker marked as answered')
		} finally {
			await device.close()
		}
	})

	it('an upload over 100 MB is refused with 413 and leaves nothing in storage', async () => {
		const ctx = e2e()
		const headers = { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/octet-stream' }
		const url = `${ctx.mspUrl}/v1/attachments?name=huge.bin`
		const size = 101 * MiB
		const blobs = () => r2BlobFiles(ctx.stateDir, 'amb-attachments')
		// A small upload lands in the directory watched below, so its checks look in the right place.
		const earlier = new Set(blobs())
		const small = await uploadAttachment(pseudoRandomBytes(1000, 5), { name: 'small.bin', contentType: 'application/octet-stream' })
		expect(small.status, JSON.stringify(small.body)).toBe(201)
		expect(blobs().filter((f) => !earlier.has(f))).toHaveLength(1)
		const before = new Set(blobs())

		// Declared up front: refused on the headers, before a byte of the body is read.
		const declared = await postDeclared(url, { headers, size })
		expect(declared.error).toBeNull()
		expect(declared.status, declared.text).toBe(413)
		expect(declared.json?.error?.code).toBe('payload_too_large')
		expect(declared.sentBytes).toBe(0)

		// Chunked (length unknown): streamed into a multipart upload until it passes 100 MiB,
		// then refused and the upload aborted. Watch the parts come and go.
		let partsSeen = 0
		const watch = setInterval(() => {
			partsSeen = Math.max(partsSeen, blobs().filter((f) => !before.has(f)).length)
		}, 100)
		let chunked: Awaited<ReturnType<typeof postStream>>
		try {
			chunked = await postStream(url, { headers, size })
		} finally {
			clearInterval(watch)
		}
		expect(chunked.error).toBeNull()
		expect(chunked.status, chunked.text).toBe(413)
		expect(chunked.json?.error?.code).toBe('payload_too_large')
		expect(chunked.json?.id).toBeUndefined()
		expect(partsSeen, 'multipart parts written while the body streamed').toBeGreaterThan(0)

		// Nothing new is left in the MSP's bucket: no object, no orphaned part.
		await expect.poll(() => blobs().filter((f) => !before.has(f)), { timeout: 10_000, interval: 250, message: 'new R2 blobs' }).toEqual([])
	})
})
