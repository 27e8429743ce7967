import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import worker from '../../src/index'
import { RETRY_SCHEDULE_SECONDS } from '../../src/delivery/backoff'
import type { DeliverWebhook } from '../../src/delivery/queue-messages'
import { adminFetch, businessFetch, createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
beforeEach(() => {
	hooks = new WebhookReceiver().install()
})
afterEach(() => hooks.restore())

function job(businessId: string, over: Partial<DeliverWebhook> = {}): DeliverWebhook {
	return {
		kind: 'webhook.deliver',
		eventId: `msg_${crypto.randomUUID().replace(/-/g, '')}`,
		eventType: 'message.received',
		businessId,
		conversationId: null,
		route: { intent: null, group: null },
		event: { type: 'message.received', timestamp: new Date().toISOString(), data: { text: 'hi', sequence: 1 } },
		...over,
	}
}

/** Runs the consumer on one message; `delays` are the delaySeconds passed to retry(). */
async function run(body: unknown, attempts = 1) {
	const batch = createMessageBatch('amb-webhooks', [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }])
	// getQueueResult does not report retry delays, so observe retry() itself.
	const delays: (number | undefined)[] = []
	for (const m of batch.messages) {
		const retry = m.retry.bind(m)
		m.retry = (opts?: QueueRetryOptions) => {
			delays.push(opts?.delaySeconds)
			retry(opts)
		}
	}
	const ctx = createExecutionContext()
	await worker.queue(batch, env, ctx)
	return { ...(await getQueueResult(batch, ctx)), delays }
}

async function failed(apiKey: string) {
	const res = await businessFetch(apiKey, '/v1/deliveries/failed')
	return ((await res.json()) as { data: { id: string; lastStatus: number | null; attempts: number; lastError: string }[] }).data
}

describe('webhook delivery consumer', () => {
	it('2xx acks; the request is signed and carries a stable webhook-id', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://ok.localhost/hook' })
		hooks.on('http://ok.localhost/hook', () => new Response(null, { status: 204 }))
		const j = job(biz.businessId)
		const result = await run(j)
		expect(result.explicitAcks).toEqual([expect.any(String)])
		expect(result.retryMessages).toEqual([])
		const got = hooks.received[0]!
		expect(got.headers['webhook-id']).toBe(j.eventId)
		expect(new Webhook(biz.webhookSecret).verify(got.body, got.headers)).toEqual(j.event)
	})

	it.each([500, 502, 404, 301, 408])('%i is retried on the backoff schedule, never followed or acked', async (status) => {
		const biz = await createBusiness({ webhookUrl: 'http://flaky.localhost/hook' })
		hooks.on('http://flaky.localhost/hook', () => new Response('no', { status, headers: { location: 'http://elsewhere.localhost/' } }))
		const result = await run(job(biz.businessId), 3)
		expect(result.explicitAcks).toEqual([])
		const delay = result.delays[0]!
		expect(delay).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[2] * 0.8)
		expect(delay).toBeLessThanOrEqual(RETRY_SCHEDULE_SECONDS[2] * 1.2)
		expect(hooks.unhandled).toEqual([]) // the redirect was not followed
	})

	it('honours Retry-After on 429', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://busy.localhost/hook' })
		hooks.on('http://busy.localhost/hook', () => new Response('slow down', { status: 429, headers: { 'retry-after': '600' } }))
		const result = await run(job(biz.businessId), 1)
		expect(result.delays).toEqual([600])
	})

	it('keeps the same webhook-id on every attempt', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://twice.localhost/hook' })
		let calls = 0
		const ids: string[] = []
		hooks.on('http://twice.localhost/hook', (req) => {
			ids.push(req.headers.get('webhook-id')!)
			return new Response(null, { status: ++calls === 1 ? 503 : 200 })
		})
		const j = job(biz.businessId)
		expect((await run(j, 1)).retryMessages).toHaveLength(1)
		expect((await run(j, 2)).explicitAcks).toHaveLength(1)
		expect(ids).toEqual([j.eventId, j.eventId])
	})

	it('410 Gone disables the endpoint and records a dead letter', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://gone.localhost/hook' })
		hooks.on('http://gone.localhost/hook', () => new Response('gone', { status: 410 }))
		const j = job(biz.businessId)
		const result = await run(j)
		expect(result.explicitAcks).toHaveLength(1)
		const business = (await (await adminFetch(`/businesses/${biz.businessId}`)).json()) as { disabledEndpoints: string[] }
		expect(business.disabledEndpoints).toEqual(['http://gone.localhost/hook'])
		expect(await failed(biz.apiKey)).toMatchObject([{ id: j.eventId, lastStatus: 410 }])
		// Later events to the disabled endpoint are not attempted at all.
		const calls = hooks.received.length
		await run(job(biz.businessId))
		expect(hooks.received.length).toBe(calls)
		// Changing the URL re-enables delivery.
		await adminFetch(`/businesses/${biz.businessId}`, { method: 'PATCH', json: { webhookUrl: 'http://back.localhost/hook' } })
		const after = (await (await adminFetch(`/businesses/${biz.businessId}`)).json()) as { disabledEndpoints: string[] }
		expect(after.disabledEndpoints).toEqual([])
	})

	it('dead-letters after the schedule is spent, then replays with the same webhook-id', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://down.localhost/hook' })
		let up = false
		hooks.on('http://down.localhost/hook', () => new Response(null, { status: up ? 200 : 500 }))
		const j = job(biz.businessId)
		const result = await run(j, RETRY_SCHEDULE_SECONDS.length + 1)
		expect(result.explicitAcks).toHaveLength(1)
		expect(result.retryMessages).toEqual([])
		const dead = await failed(biz.apiKey)
		expect(dead).toMatchObject([{ id: j.eventId, lastStatus: 500, attempts: RETRY_SCHEDULE_SECONDS.length + 1 }])

		up = true
		const replay = await businessFetch(biz.apiKey, `/v1/deliveries/${j.eventId}/replay`, { method: 'POST' })
		expect(replay.status).toBe(202)
		await hooks.until((r) => r.length === 1)
		expect(hooks.received[0]!.headers['webhook-id']).toBe(j.eventId)
		expect(new Webhook(biz.webhookSecret).verify(hooks.received[0]!.body, hooks.received[0]!.headers)).toEqual(j.event)
		expect(await failed(biz.apiKey)).toEqual([]) // replayed ones leave the default list
	})

	it('signs with old and new secret during a webhook-secret rotation', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://rot.localhost/hook' })
		hooks.on('http://rot.localhost/hook')
		const rotated = (await (await adminFetch(`/businesses/${biz.businessId}/rotate-webhook-secret`, { method: 'POST' })).json()) as { webhookSecret: string }
		await run(job(biz.businessId))
		const got = hooks.received[0]!
		expect(new Webhook(rotated.webhookSecret).verify(got.body, got.headers)).toBeTruthy()
		expect(new Webhook(biz.webhookSecret).verify(got.body, got.headers)).toBeTruthy()
	})

	it('drops invalid queue bodies without touching others in the batch', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://mixed.localhost/hook' })
		hooks.on('http://mixed.localhost/hook')
		const batch = createMessageBatch('amb-webhooks', [
			{ id: 'bad', timestamp: new Date(), attempts: 1, body: { kind: 'nonsense' } },
			{ id: 'good', timestamp: new Date(), attempts: 1, body: job(biz.businessId) },
		])
		const ctx = createExecutionContext()
		await worker.queue(batch, env, ctx)
		const result = await getQueueResult(batch, ctx)
		expect(result.explicitAcks.sort()).toEqual(['bad', 'good'])
		expect(hooks.received).toHaveLength(1)
	})

	it('records messages that exhausted queue retries (DLQ consumer)', async () => {
		const biz = await createBusiness()
		const j = job(biz.businessId)
		const batch = createMessageBatch('amb-webhooks-dlq', [{ id: 'x', timestamp: new Date(), attempts: 1, body: j }])
		const ctx = createExecutionContext()
		await worker.queue(batch, env, ctx)
		expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['x'])
		expect(await failed(biz.apiKey)).toMatchObject([{ id: j.eventId, lastError: 'queue retries exhausted' }])
	})

	it('a business sees only its own dead letters and cannot replay another’s', async () => {
		const a = await createBusiness({ webhookUrl: 'http://a.localhost/hook' })
		const b = await createBusiness()
		hooks.on('http://a.localhost/hook', () => new Response(null, { status: 410 }))
		const j = job(a.businessId)
		await run(j)
		expect(await failed(b.apiKey)).toEqual([])
		expect((await businessFetch(b.apiKey, `/v1/deliveries/${j.eventId}/replay`, { method: 'POST' })).status).toBe(404)
		expect((await businessFetch('amb_bogus', '/v1/deliveries/failed')).status).toBe(401)
	})
})
