/**
 * verifyWebhook without a network: Standard Webhooks signatures made here and by the
 * reference implementation (the `standardwebhooks` package) both ways, every header and body
 * form a receiver may hand over, and every refusal.
 */
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { AmbWebhookVerificationError, signWebhook, verifyWebhook } from '../src/index.ts'

const secret = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`
const other = `whsec_${btoa('fedcba9876543210fedcba9876543210')}`
const body = JSON.stringify({
	type: 'message.received',
	timestamp: '2026-01-01T00:00:00.000Z',
	data: { businessId: 'b', conversationId: 'c', customerId: 'urn:mbid:x', sequence: 3, messageId: 'm', text: 'héllo ✓', attachments: [] },
})
const now = Math.floor(Date.now() / 1000)

async function headersFor(secrets: string[], payload = body, timestamp = now, id = 'evt_1') {
	const signatures = await Promise.all(secrets.map((s) => signWebhook(s, id, timestamp, payload)))
	return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') }
}

async function reason(p: Promise<unknown>) {
	const err = await p.catch((e: unknown) => e)
	expect(err).toBeInstanceOf(AmbWebhookVerificationError)
	return (err as AmbWebhookVerificationError).reason
}

describe('verifyWebhook', () => {
	it('returns the typed event for a valid signature', async () => {
		const event = await verifyWebhook(secret, await headersFor([secret]), body)
		expect(event.type).toBe('message.received')
		if (event.type === 'message.received') expect(event.data.text).toBe('héllo ✓')
	})

	it('agrees with the reference implementation both ways', async () => {
		const ref = new Webhook(secret)
		const signature = ref.sign('evt_ref', new Date(now * 1000), body)
		await expect(
			verifyWebhook(secret, { 'webhook-id': 'evt_ref', 'webhook-timestamp': String(now), 'webhook-signature': signature }, body),
		).resolves.toBeTruthy()
		expect(signature).toBe(await signWebhook(secret, 'evt_ref', now, body))
		expect(ref.verify(body, await headersFor([secret], body, now, 'evt_ours'))).toMatchObject({ type: 'message.received' })
	})

	it('accepts Headers, header records with any case or array values, and byte bodies', async () => {
		const h = await headersFor([secret])
		const bytes = new TextEncoder().encode(body)
		await expect(verifyWebhook(secret, new Headers(h), bytes)).resolves.toBeTruthy()
		await expect(
			verifyWebhook(
				secret,
				{ 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': [h['webhook-timestamp']], 'webhook-signature': h['webhook-signature'] },
				bytes.buffer,
			),
		).resolves.toBeTruthy()
		await expect(verifyWebhook(secret.slice('whsec_'.length), h, body)).resolves.toBeTruthy()
	})

	it('rotation: any of several secrets against any of several signatures', async () => {
		const both = await headersFor([other, secret])
		await expect(verifyWebhook(secret, both, body)).resolves.toBeTruthy()
		await expect(verifyWebhook(other, both, body)).resolves.toBeTruthy()
		await expect(verifyWebhook([other, secret], await headersFor([secret]), body)).resolves.toBeTruthy()
		const mixed = { ...both, 'webhook-signature': `v2,AAAA v1,!!notbase64 ${both['webhook-signature']}` }
		await expect(verifyWebhook(secret, mixed, body)).resolves.toBeTruthy()
		expect(await reason(verifyWebhook([other], await headersFor([secret]), body))).toBe('invalid_signature')
		expect(await reason(verifyWebhook([], await headersFor([secret]), body))).toBe('invalid_signature')
	})

	it('refuses a changed body, id or timestamp', async () => {
		const h = await headersFor([secret])
		expect(await reason(verifyWebhook(secret, h, body.replace('héllo', 'hello')))).toBe('invalid_signature')
		expect(await reason(verifyWebhook(secret, { ...h, 'webhook-id': 'evt_2' }, body))).toBe('invalid_signature')
		expect(await reason(verifyWebhook(secret, { ...h, 'webhook-timestamp': String(now - 1) }, body))).toBe('invalid_signature')
		const truncated = { ...h, 'webhook-signature': h['webhook-signature'].slice(0, -4) }
		expect(await reason(verifyWebhook(secret, truncated, body))).toBe('invalid_signature')
	})

	it('5 minutes of tolerance either way', async () => {
		await expect(verifyWebhook(secret, await headersFor([secret], body, now - 290), body)).resolves.toBeTruthy()
		expect(await reason(verifyWebhook(secret, await headersFor([secret], body, now - 310), body))).toBe('timestamp_out_of_tolerance')
		expect(await reason(verifyWebhook(secret, await headersFor([secret], body, now + 310), body))).toBe('timestamp_out_of_tolerance')
		await expect(verifyWebhook(secret, await headersFor([secret], body, now - 3600), body, { now: new Date((now - 3600) * 1000) })).resolves.toBeTruthy()
	})

	it('refuses missing headers, a bad timestamp, a bad secret and a body that is not an event', async () => {
		const h = await headersFor([secret])
		expect(await reason(verifyWebhook(secret, { ...h, 'webhook-id': undefined }, body))).toBe('missing_header')
		expect(await reason(verifyWebhook(secret, new Headers(), body))).toBe('missing_header')
		expect(await reason(verifyWebhook(secret, { ...h, 'webhook-timestamp': '2026-01-01T00:00:00Z' }, body))).toBe('invalid_timestamp')
		expect(await reason(verifyWebhook('whsec_', h, body))).toBe('invalid_secret')
		expect(await reason(verifyWebhook('whsec_*', h, body))).toBe('invalid_secret')
		for (const bad of ['not json', '[1,2]', '{"type":"x"}']) {
			expect(await reason(verifyWebhook(secret, await headersFor([secret], bad), bad))).toBe('invalid_payload')
		}
		const latin1 = Uint8Array.from([0x7b, 0xe9, 0x7d])
		const raw = { ...h, 'webhook-signature': await signBytes(secret, h['webhook-id'], now, latin1) }
		expect(await reason(verifyWebhook(secret, raw, latin1))).toBe('invalid_payload')
	})
})

/** A signature over raw bytes (not UTF-8 text), made with Web Crypto directly. */
async function signBytes(s: string, id: string, ts: number, bytes: Uint8Array): Promise<string> {
	const key = await crypto.subtle.importKey(
		'raw',
		Uint8Array.from(atob(s.slice(6)), (c) => c.charCodeAt(0)),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign'],
	)
	const prefix = new TextEncoder().encode(`${id}.${ts}.`)
	const data = new Uint8Array(prefix.length + bytes.length)
	data.set(prefix)
	data.set(bytes, prefix.length)
	const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, data))
	return `v1,${btoa(String.fromCharCode(...mac))}`
}
