/**
 * Webhooks through the client against the running Worker: real deliveries to a loopback
 * receiver verified with `verifyWebhook` (valid, tampered, wrong secret, stale, both secrets
 * during a rotation), and failed deliveries listed with `for await` and replayed.
 */
import { describe, expect, it } from 'vitest'
import { AmbConnectionError, AmbNotFoundError, AmbWebhookVerificationError, type FailedDelivery, verifyWebhook, type WebhookEvent } from '../src/index.ts'
import { adminCall, eventually, flakyFetch, type Received, useStack } from './live.ts'

const stack = useStack()

const delivered = (path: string) => stack.hooks.delivered.filter((r) => r.path === path)
const ofCustomer = (path: string, customerId: string) => delivered(path).filter((r) => r.json?.data.customerId === customerId)

async function failure(p: Promise<unknown>): Promise<AmbWebhookVerificationError> {
	const err = await p.catch((e: unknown) => e)
	expect(err).toBeInstanceOf(AmbWebhookVerificationError)
	return err as AmbWebhookVerificationError
}

describe('verifyWebhook on real deliveries', () => {
	it('verifies and types conversation.started, message.received and message.sent', async () => {
		const customerId = await stack.openConversation('where is my order?')
		const got = await eventually('two events', () => (ofCustomer('/hook', customerId).length >= 2 ? ofCustomer('/hook', customerId) : undefined))
		const events: WebhookEvent[] = []
		for (const r of got) events.push(await verifyWebhook(stack.business.webhookSecret, r.headers, r.body))
		expect(events.map((e) => e.type)).toEqual(['conversation.started', 'message.received'])
		// The hand-written event types name exactly what the platform sends.
		const base = ['businessId', 'conversationId', 'customerId', 'sequence']
		expect(keysOf(events[0]!.data)).toEqual([...base, 'intent', 'group', 'locale', 'capabilities', 'device', 'reopened'].sort())
		expect(keysOf(events[1]!.data)).toEqual([...base, 'messageId', 'text', 'attachments'].sort())
		const received = events[1]!
		if (received.type !== 'message.received') throw new Error('narrowing')
		expect(received.data).toMatchObject({ text: 'where is my order?', customerId, businessId: stack.business.businessId, sequence: 1, attachments: [] })

		const sent = await stack.client().sendMessage({ customerId, message: { type: 'text', text: 'on its way' } })
		const hook = await eventually('message.sent', () => ofCustomer('/hook', customerId).find((r) => r.json.type === 'message.sent'))
		const event = await verifyWebhook([stack.business.webhookSecret], new Headers(flat(hook.headers)), new TextEncoder().encode(hook.body))
		if (event.type !== 'message.sent') throw new Error('narrowing')
		expect(event.data).toMatchObject({ messageId: sent.id, conversationId: sent.conversationId, sequence: 2, rendered: 'original', attempts: 1 })
		expect(keysOf(event.data)).toEqual([...base, 'messageId', 'type', 'rendered', 'attempts', 'dataRef'].sort())
	})

	it('refuses a tampered body, a wrong secret, a stale timestamp and missing headers', async () => {
		const customerId = await stack.openConversation('tamper with me')
		const r = await eventually('message.received', () => ofCustomer('/hook', customerId).find((x) => x.json.type === 'message.received'))
		const secret = stack.business.webhookSecret
		expect(r.body).toContain('tamper with me')
		expect((await failure(verifyWebhook(secret, r.headers, r.body.replace('tamper', 'tamber')))).reason).toBe('invalid_signature')
		expect((await failure(verifyWebhook(secret, r.headers, `${r.body} `))).reason).toBe('invalid_signature')
		const other = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`
		expect((await failure(verifyWebhook(other, r.headers, r.body))).reason).toBe('invalid_signature')
		const sixMinutesOn = Number(r.headers['webhook-timestamp']) * 1000 + 6 * 60_000
		expect((await failure(verifyWebhook(secret, r.headers, r.body, { now: sixMinutesOn }))).reason).toBe('timestamp_out_of_tolerance')
		await expect(verifyWebhook(secret, r.headers, r.body, { now: sixMinutesOn, toleranceSeconds: 600 })).resolves.toMatchObject({ type: 'message.received' })
		const { 'webhook-signature': _sig, ...unsigned } = r.headers
		expect((await failure(verifyWebhook(secret, unsigned, r.body))).reason).toBe('missing_header')
		expect((await failure(verifyWebhook('whsec_!!!', r.headers, r.body))).reason).toBe('invalid_secret')
	})

	it('during a rotation deliveries carry both signatures: the old secret, the new one, or both verify', async () => {
		const biz = await stack.newBusiness('/rotating')
		const rotated = (await adminCall(stack.msp.url, `/businesses/${biz.businessId}/rotate-webhook-secret`, { method: 'POST' })).json as {
			webhookSecret: string
		}
		expect(rotated.webhookSecret).toMatch(/^whsec_/)
		const customerId = await stack.openConversation('after the rotation', biz)
		const r = await eventually('a delivery', () => ofCustomer('/rotating', customerId)[0])
		expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2)
		for (const secrets of [
			[biz.webhookSecret],
			[rotated.webhookSecret],
			[biz.webhookSecret, rotated.webhookSecret],
			[stack.business.webhookSecret, rotated.webhookSecret],
		]) {
			await expect(verifyWebhook(secrets, r.headers, r.body)).resolves.toMatchObject({ type: 'conversation.started', data: { customerId } })
		}
		expect((await failure(verifyWebhook([stack.business.webhookSecret], r.headers, r.body))).reason).toBe('invalid_signature')
	})
})

describe('failed deliveries', () => {
	it('lists dead letters with for await across pages and replays them; a replay is not retried', async () => {
		const biz = await stack.newBusiness('/gone')
		stack.hooks.answer = (r) => (r.path === '/gone' ? { status: 410 } : { status: 204 })
		const customerId = await stack.openConversation('to nowhere', biz)
		const amb = stack.client({ apiKey: biz.apiKey })
		const dead = await eventually(
			'two dead letters',
			async () => {
				const all: FailedDelivery[] = []
				for await (const d of amb.deliveries.listFailed({ limit: 1 })) all.push(d)
				return all.length === 2 ? all : undefined
			},
			20_000,
		)
		expect(new Set(dead.map((d) => d.eventType))).toEqual(new Set(['conversation.started', 'message.received']))
		expect(dead.every((d) => d.webhookUrl === `${stack.hooks.url}/gone` && d.replayedAt === null)).toBe(true)
		expect(dead.map((d) => d.lastStatus).sort()).toEqual([410, null])

		expect((await adminCall(stack.msp.url, `/businesses/${biz.businessId}`, { method: 'PATCH', json: { webhookUrl: `${stack.hooks.url}/back` } })).status).toBe(
			200,
		)
		// The answer to the first replay is lost: the client does not send it again.
		const flaky = flakyFetch({ failAfterSending: [1] })
		const lost = await stack
			.client({ apiKey: biz.apiKey, fetch: flaky.fetch })
			.deliveries.replay(dead[0]!.id)
			.catch((e: unknown) => e)
		expect(lost).toBeInstanceOf(AmbConnectionError)
		expect(flaky.calls).toHaveLength(1)
		expect(await amb.deliveries.replay(dead[1]!.id)).toEqual({ id: dead[1]!.id, status: 'requeued' })

		const back: Received[] = await eventually('both replays delivered', () =>
			ofCustomer('/back', customerId).length === 2 ? ofCustomer('/back', customerId) : undefined,
		)
		expect(new Set(back.map((r) => r.headers['webhook-id']))).toEqual(new Set(dead.map((d) => d.id)))
		for (const r of back) await verifyWebhook(biz.webhookSecret, r.headers, r.body)

		expect(await amb.deliveries.listFailed().toArray()).toEqual([])
		const replayed = await amb.deliveries.listFailed({ includeReplayed: true }).toArray()
		expect(replayed.map((d) => d.id).sort()).toEqual(dead.map((d) => d.id).sort())
		expect(replayed.every((d) => d.replayedAt !== null)).toBe(true)
		await expect(amb.deliveries.replay('no_such_delivery')).rejects.toBeInstanceOf(AmbNotFoundError)
	})
})

const keysOf = (o: object) => Object.keys(o).sort()

/** Node's header record as a Headers init. */
function flat(headers: Received['headers']): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])))
}
