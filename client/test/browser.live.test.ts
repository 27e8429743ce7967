/**
 * The client in headless Chromium against the running Worker: a page served at the Worker's
 * origin (intercepted by the browser, so the API calls are same-origin and reach the real
 * Worker) loads the bundled client and sends, pages, uploads a Blob, reads typed errors and
 * verifies a webhook with the browser's own fetch and Web Crypto.
 */
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleForPage } from './portability/runtimes.mjs'
import { appleId, eventually, useStack } from './live.ts'

const stack = useStack()
let browser: Browser

beforeAll(async () => {
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
	})
})

afterAll(async () => {
	await browser?.close()
})

const PAGE_SCRIPT = `(async ({ apiKey, customerId }) => {
	const { AmbClient, AmbNotFoundError, signWebhook, verifyWebhook } = globalThis.AmbClientLib
	const amb = new AmbClient({ baseUrl: location.origin, apiKey })
	const sent = await amb.sendMessage({ customerId, message: { type: 'text', text: 'from a browser' } })
	const history = []
	for await (const m of amb.conversations.messages(sent.conversationId, { limit: 1 })) history.push(m.sequence)
	const blob = await amb.uploadAttachment(new Blob(['from chromium'], { type: 'text/plain' }), { name: 'b.txt' })
	const back = await (await amb.downloadAttachment(blob.id)).text()
	let streamed
	try {
		const s = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('xyz')); c.close() } })
		streamed = String((await amb.uploadAttachment(s, { contentType: 'text/plain' })).size)
	} catch (e) {
		streamed = e.name
	}
	const notFound = await amb.conversations.get('0'.repeat(64)).catch((e) => e instanceof AmbNotFoundError && e.code)
	const secret = 'whsec_' + btoa('b'.repeat(32))
	const ts = Math.floor(Date.now() / 1000)
	const body = '{"type":"typing.started","timestamp":"t","data":{}}'
	const headers = new Headers({ 'webhook-id': 'e', 'webhook-timestamp': String(ts), 'webhook-signature': await signWebhook(secret, 'e', ts, body) })
	const event = await verifyWebhook(secret, headers, body)
	return { sent: { id: sent.id, key: sent.idempotencyKey }, history, blob: blob.size, back, streamed, notFound, event: event.type }
})`

describe('in Chromium', () => {
	it('sends, pages, uploads a Blob, types errors and verifies a webhook', async () => {
		const script = await bundleForPage()
		const customerId = await stack.openConversation('hello from the page test')
		const page = await browser.newPage()
		const pageUrl = `${stack.msp.url}/__client_test__`
		await page.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><meta charset="utf-8"><script>${script}</script>` }))
		await page.goto(pageUrl)
		const result = (await page.evaluate(`${PAGE_SCRIPT}(${JSON.stringify({ apiKey: stack.business.apiKey, customerId })})`)) as {
			sent: { id: string; key: string }
			history: number[]
			blob: number
			back: string
			streamed: string
			notFound: string
			event: string
		}
		expect(result).toMatchObject({ history: [1, 2], blob: 13, back: 'from chromium', notFound: 'not_found', event: 'typing.started' })
		expect(result.sent.key).toMatch(/^[0-9a-f-]{36}$/)
		// Chromium streams request bodies over HTTP/2 only: over plain HTTP/1.1 it refuses, and the
		// client reports the failure instead of buffering (client/README.md: pass a File or Blob).
		expect(result.streamed).toBe('AmbConnectionError')
		await eventually('the send at Apple', () => stack.gateway.delivered.find((r) => appleId(r) === result.sent.id))
		await page.close()
	})
})
