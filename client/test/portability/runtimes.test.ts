/**
 * The client as it ships: built to plain ESM and run by a bare Node process; bundled for a
 * neutral platform (a `node:` import would fail the bundle) and run in workerd, where it
 * sends, streams an upload and verifies a webhook with the runtime's own fetch, streams and
 * Web Crypto. Deno and browsers offer the same APIs; the neutral bundle is what they load.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { buildForNode, bundleNeutral, runInWorkerd } from './runtimes.mjs'

const built = buildForNode()
afterAll(() => built.remove())

describe('the client outside vitest', () => {
	it('tsc builds plain ESM with declarations that a bare node imports', () => {
		expect(built.files).toContain('index.js')
		expect(built.files).toContain('index.d.ts')
		const out = built.run(`
			const secret = 'whsec_' + btoa('k'.repeat(32))
			const ts = Math.floor(Date.now() / 1000)
			const body = JSON.stringify({ type: 'typing.started', timestamp: new Date().toISOString(), data: { messageId: 'm' } })
			const signature = await client.signWebhook(secret, 'evt', ts, body)
			const event = await client.verifyWebhook(secret, { 'webhook-id': 'evt', 'webhook-timestamp': String(ts), 'webhook-signature': signature }, body)
			const amb = new client.AmbClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', retries: 0 })
			const refused = await amb.uploadAttachment(new ReadableStream(), { length: client.MAX_ATTACHMENT_BYTES + 1 }).catch((e) => e.name)
			console.log(JSON.stringify({ type: event.type, refused, exports: Object.keys(client).sort() }))
		`)
		const result = JSON.parse(out) as { type: string; refused: string; exports: string[] }
		expect(result.type).toBe('typing.started')
		expect(result.refused).toBe('AmbAttachmentTooLargeError')
		expect(result.exports).toEqual(expect.arrayContaining(['AmbClient', 'verifyWebhook', 'AmbNotFoundError', 'AmbRateLimitError', 'Paginator']))
	})

	it('bundles for a neutral platform and runs in workerd', async () => {
		const bundle = await bundleNeutral()
		expect(bundle).not.toMatch(/from\s*["']node:/)
		const { status, text } = await runInWorkerd(
			bundle,
			`import { AmbClient, signWebhook, verifyWebhook } from './client.js'
			export default {
				async fetch() {
					const seen = []
					const fetch = async (url, init) => {
						const req = new Request(url, init)
						const bytes = req.body ? (await req.arrayBuffer()).byteLength : 0
						seen.push({ method: req.method, path: new URL(req.url).pathname, key: req.headers.get('idempotency-key'), bytes })
						if (req.url.includes('/v1/attachments')) return Response.json({ id: 'att_1', name: 'x', mimeType: 'text/plain', size: bytes, expiresAt: '' }, { status: 201 })
						if (seen.length === 1) return Response.json({ error: { code: 'unavailable', message: 'try again' } }, { status: 503, headers: { 'retry-after': '0' } })
						return Response.json({ id: 'msg_1', conversationId: 'c', sequence: 1, status: 'queued', rendered: 'original', richLinks: [] }, { status: 202 })
					}
					const amb = new AmbClient({ baseUrl: 'https://msp.test', apiKey: 'k', fetch, retryPolicy: { baseDelayMs: 1 } })
					const sent = await amb.sendMessage({ customerId: 'urn:mbid:x', message: { type: 'text', text: 'hi' } })
					const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('streamed')); c.close() } })
					const att = await amb.uploadAttachment(stream, { contentType: 'text/plain' })
					const secret = 'whsec_' + btoa('w'.repeat(32))
					const ts = Math.floor(Date.now() / 1000)
					const body = '{"type":"typing.stopped","timestamp":"t","data":{}}'
					const event = await verifyWebhook([secret], { 'webhook-id': 'e', 'webhook-timestamp': String(ts), 'webhook-signature': await signWebhook(secret, 'e', ts, body) }, body)
					return Response.json({ sent, size: att.size, event: event.type, seen })
				},
			}`,
		)
		expect(status).toBe(200)
		const result = JSON.parse(text) as {
			sent: { id: string; idempotencyKey: string }
			size: number
			event: string
			seen: { method: string; path: string; key: string | null; bytes: number }[]
		}
		expect(result.sent.id).toBe('msg_1')
		expect(result.seen.slice(0, 2).map((s) => s.key)).toEqual([result.sent.idempotencyKey, result.sent.idempotencyKey])
		expect(result.size).toBe(8)
		expect(result.event).toBe('typing.stopped')
	})
})
