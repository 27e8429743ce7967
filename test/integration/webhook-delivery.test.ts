/**
 * Delivery of a conversation's events (docs/ARCHITECTURE.md "Delivery"): the queue rings,
 * the conversation delivers in order and keeps each event's state in its own storage;
 * retries, dead letters and replays are decided from that storage.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import worker from '../../src/index'
import { RETRY_SCHEDULE_SECONDS, RETRY_WINDOW_MS } from '../../src/delivery/backoff'
import type { DeliverWebhook } from '../../src/delivery/queue-messages'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf, eventRows, letTimePass, storedAlarm } from '../helpers/conversation'
import { adminFetch, businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
beforeEach(() => {
	hooks = new WebhookReceiver().install()
})
afterEach(() => hooks.restore())

/** A customer writes once; resolves with the conversation's stub. */
async function converse(biz: CreatedBusiness, text = 'hello') {
	const c = customerId()
	expect((await postApple(textMessage(biz.businessId, c, text))).status).toBe(200)
	return { c, stub: conversationOf(biz.businessId, c) }
}

async function failed(apiKey: string) {
	const res = await businessFetch(apiKey, '/v1/deliveries/failed')
	return ((await res.json()) as { data: { id: string; lastStatus: number | null; attempts: number; lastError: string }[] }).data
}

const waitForRows = async (stub: ReturnType<typeof conversationOf>, pred: (rows: Awaited<ReturnType<typeof eventRows>>) => boolean) => {
	let rows = await eventRows(stub)
	for (let i = 0; i < 200 && !pred(rows); i++) {
		await new Promise((r) => setTimeout(r, 25))
		rows = await eventRows(stub)
	}
	expect(pred(rows)).toBe(true)
	return rows
}

describe('webhook delivery', () => {
	it('2xx: delivered once, signed, stable webhook-id; a quiet conversation is not delivered again', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://ok.localhost/hook' })
		hooks.on('http://ok.localhost/hook', () => new Response(null, { status: 204 }))
		const { stub } = await converse(biz)
		const rows = await waitForRows(stub, (r) => r.length === 2 && r.every((e) => e.state === 'delivered'))
		expect(hooks.received.map((r) => r.headers['webhook-id'])).toEqual(rows.map((r) => r.event_id))
		for (const got of hooks.received) expect(new Webhook(biz.webhookSecret).verify(got.body, got.headers)).toEqual(got.json)
		// Nothing is left to do: no alarm, and an alarm run (as after an eviction) sends nothing.
		expect(await storedAlarm(stub)).toBeNull()
		await letTimePass(stub)
		expect(hooks.received).toHaveLength(2)
		// The history shows where each delivery stands.
		const id = (await stub.state())!.conversationId
		const page = (await (await businessFetch(biz.apiKey, `/v1/conversations/${id}/messages`)).json()) as {
			data: { events: { type: string; state: string; attempts: number }[] }[]
		}
		expect(page.data[0]!.events).toMatchObject([
			{ type: 'conversation.started', state: 'delivered', attempts: 1 },
			{ type: 'message.received', state: 'delivered', attempts: 1 },
		])
	})

	it.each([500, 502, 404, 301, 408])('%i is retried at the stored time, never followed; later events wait behind it', async (status) => {
		const biz = await createBusiness({ webhookUrl: 'http://flaky.localhost/hook' })
		let up = false
		hooks.on('http://flaky.localhost/hook', () =>
			up ? new Response(null, { status: 200 }) : new Response('no', { status, headers: { location: 'http://elsewhere.localhost/' } }),
		)
		const { c, stub } = await converse(biz)
		const before = Date.now()
		const rows = await waitForRows(stub, (r) => r[0]?.attempts === 1)
		expect(rows[0]).toMatchObject({ type: 'conversation.started', state: 'pending', last_status: status })
		expect(rows[0]!.due_at).toBeGreaterThanOrEqual(before + RETRY_SCHEDULE_SECONDS[0] * 800)
		expect(rows[0]!.due_at).toBeLessThanOrEqual(Date.now() + RETRY_SCHEDULE_SECONDS[0] * 1200)
		expect(rows[1]).toMatchObject({ type: 'message.received', state: 'pending', attempts: 0 })
		expect(await storedAlarm(stub)).toBe(rows[0]!.due_at)
		expect(hooks.unhandled).toEqual([]) // the redirect was not followed
		// A second message while the first waits: nothing overtakes.
		await postApple(textMessage(biz.businessId, c, 'second'))
		expect(hooks.received).toEqual([])
		up = true
		await letTimePass(stub)
		const after = await eventRows(stub)
		expect(after.every((e) => e.state === 'delivered')).toBe(true)
		expect(hooks.received.map((r) => r.headers['webhook-id'])).toEqual(after.map((e) => e.event_id))
		expect(hooks.received.map((r) => r.json.data.sequence)).toEqual([1, 1, 2])
	})

	it('honours Retry-After on 429', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://busy.localhost/hook' })
		hooks.on('http://busy.localhost/hook', () => new Response('slow down', { status: 429, headers: { 'retry-after': '600' } }))
		const { stub } = await converse(biz)
		const rows = await waitForRows(stub, (r) => r[0]?.attempts === 1)
		expect(rows[0]!.due_at - Date.now()).toBeGreaterThan(590_000)
	})

	it('keeps the same webhook-id on every attempt', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://twice.localhost/hook' })
		const ids: string[] = []
		let calls = 0
		hooks.on('http://twice.localhost/hook', (req) => {
			ids.push(req.headers.get('webhook-id')!)
			return new Response(null, { status: ++calls === 1 ? 503 : 200 })
		})
		const { stub } = await converse(biz)
		await waitForRows(stub, (r) => r[0]?.attempts === 1)
		await letTimePass(stub)
		const rows = await eventRows(stub)
		expect(ids).toEqual([rows[0]!.event_id, rows[0]!.event_id, rows[1]!.event_id])
	})

	it('410 Gone disables the endpoint, records a dead letter, and the line goes on', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://gone.localhost/hook' })
		let calls = 0
		hooks.on('http://gone.localhost/hook', () => (calls++, new Response('gone', { status: 410 })))
		const { stub } = await converse(biz)
		const rows = await waitForRows(stub, (r) => r.length === 2 && r.every((e) => e.state === 'dead'))
		const business = (await (await adminFetch(`/businesses/${biz.businessId}`)).json()) as { disabledEndpoints: string[] }
		expect(business.disabledEndpoints).toEqual(['http://gone.localhost/hook'])
		expect((await failed(biz.apiKey)).map((d) => d.id).sort()).toEqual(rows.map((r) => r.event_id).sort())
		// The second event was not attempted against the disabled endpoint.
		expect(calls).toBe(1)
		// Changing the URL re-enables delivery.
		await adminFetch(`/businesses/${biz.businessId}`, { method: 'PATCH', json: { webhookUrl: 'http://back.localhost/hook' } })
		const after = (await (await adminFetch(`/businesses/${biz.businessId}`)).json()) as { disabledEndpoints: string[] }
		expect(after.disabledEndpoints).toEqual([])
	})

	it('dead-letters when the retry window is spent, then replays with the same webhook-id', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://down.localhost/hook' })
		let up = false
		hooks.on('http://down.localhost/hook', () => new Response(null, { status: up ? 200 : 500 }))
		const { stub } = await converse(biz)
		await waitForRows(stub, (r) => r[0]?.attempts === 1)
		// 75 h later: one more failure and the events are dead, in order.
		await letTimePass(stub, RETRY_WINDOW_MS + 1000)
		const rows = await eventRows(stub)
		expect(rows.map((r) => r.state)).toEqual(['dead', 'dead'])
		const dead = await failed(biz.apiKey)
		expect(dead).toHaveLength(2)
		expect(dead.find((d) => d.id === rows[0]!.event_id)).toMatchObject({ lastStatus: 500, attempts: 2 })
		expect(await storedAlarm(stub)).toBeNull()

		up = true
		const replay = await businessFetch(biz.apiKey, `/v1/deliveries/${rows[1]!.event_id}/replay`, { method: 'POST' })
		expect(replay.status).toBe(202)
		await hooks.until((r) => r.length === 1)
		expect(hooks.received[0]!.headers['webhook-id']).toBe(rows[1]!.event_id)
		expect(new Webhook(biz.webhookSecret).verify(hooks.received[0]!.body, hooks.received[0]!.headers)).toMatchObject({ type: 'message.received' })
		expect((await failed(biz.apiKey)).map((d) => d.id)).toEqual([rows[0]!.event_id]) // replayed ones leave the default list
		expect((await eventRows(stub))[1]!.state).toBe('delivered')
	})

	it('signs with old and new secret during a webhook-secret rotation', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://rot.localhost/hook' })
		hooks.on('http://rot.localhost/hook')
		const rotated = (await (await adminFetch(`/businesses/${biz.businessId}/rotate-webhook-secret`, { method: 'POST' })).json()) as { webhookSecret: string }
		await converse(biz)
		const [got] = await hooks.until((r) => r.length >= 1)
		expect(new Webhook(rotated.webhookSecret).verify(got!.body, got!.headers)).toBeTruthy()
		expect(new Webhook(biz.webhookSecret).verify(got!.body, got!.headers)).toBeTruthy()
	})

	it('a hung endpoint holds only its own conversations: the consumer lets go, another business is delivered at once', async () => {
		const slow = await createBusiness({ webhookUrl: 'http://hung.localhost/hook' })
		const fast = await createBusiness({ webhookUrl: 'http://fast.localhost/hook' })
		let release: () => void = () => {}
		const hung = new Promise<void>((r) => (release = r))
		hooks.on('http://hung.localhost/hook', async () => (await hung, new Response(null, { status: 200 })))
		hooks.on('http://fast.localhost/hook')
		const a = await converse(slow)
		const b = await converse(fast)
		// Ring both conversations in one batch, as the queue would.
		const ringFor = (biz: CreatedBusiness, stub: typeof a.stub, eventId: string): DeliverWebhook => ({
			kind: 'webhook.deliver',
			eventId,
			eventType: 'message.received',
			businessId: biz.businessId,
			conversationId: stubId(stub),
			route: { intent: null, group: null },
			event: null,
		})
		const stubId = (s: typeof a.stub) => s.id.toString()
		const [ra, rb] = [await eventRows(a.stub), await eventRows(b.stub)]
		const batch = createMessageBatch('amb-webhooks', [
			{ id: 'a', timestamp: new Date(), attempts: 1, body: ringFor(slow, a.stub, ra[0]!.event_id) },
			{ id: 'b', timestamp: new Date(), attempts: 1, body: ringFor(fast, b.stub, rb[0]!.event_id) },
		])
		const t0 = Date.now()
		const ctx = createExecutionContext()
		await worker.queue(batch, env, ctx)
		expect(Date.now() - t0).toBeLessThan(3000)
		expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['a', 'b'])
		await hooks.until((r) => r.filter((x) => x.url === 'http://fast.localhost/hook').length === 2, 3000)
		release()
		await waitForRows(a.stub, (r) => r.every((e) => e.state === 'delivered'))
	})

	it('drops invalid queue bodies without touching others in the batch', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://mixed.localhost/hook' })
		hooks.on('http://mixed.localhost/hook')
		const { stub } = await converse(biz)
		await waitForRows(stub, (r) => r.every((e) => e.state === 'delivered'))
		const rows = await eventRows(stub)
		const batch = createMessageBatch('amb-webhooks', [
			{ id: 'bad', timestamp: new Date(), attempts: 1, body: { kind: 'nonsense' } },
			{
				id: 'orphan',
				timestamp: new Date(),
				attempts: 1,
				body: {
					kind: 'webhook.deliver',
					eventId: 'msg_x',
					eventType: 'message.received',
					businessId: biz.businessId,
					conversationId: null,
					route: { intent: null, group: null },
					event: null,
				},
			},
			{
				id: 'good',
				timestamp: new Date(),
				attempts: 1,
				body: {
					kind: 'webhook.deliver',
					eventId: rows[0]!.event_id,
					eventType: 'conversation.started',
					businessId: biz.businessId,
					conversationId: stub.id.toString(),
					route: { intent: null, group: null },
					event: null,
				},
			},
		])
		const ctx = createExecutionContext()
		await worker.queue(batch, env, ctx)
		expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['bad', 'good', 'orphan'])
		// A ring for an event already delivered delivers nothing again.
		expect(hooks.received).toHaveLength(2)
	})

	it('a business sees only its own dead letters and cannot replay another’s', async () => {
		const a = await createBusiness({ webhookUrl: 'http://a.localhost/hook' })
		const b = await createBusiness()
		hooks.on('http://a.localhost/hook', () => new Response(null, { status: 410 }))
		const { stub } = await converse(a)
		const rows = await waitForRows(stub, (r) => r.length === 2 && r.every((e) => e.state === 'dead'))
		expect(await failed(b.apiKey)).toEqual([])
		expect((await businessFetch(b.apiKey, `/v1/deliveries/${rows[0]!.event_id}/replay`, { method: 'POST' })).status).toBe(404)
		expect((await businessFetch(a.apiKey, '/v1/deliveries/msg_unknown/replay', { method: 'POST' })).status).toBe(404)
		expect((await businessFetch(a.apiKey, '/v1/deliveries/bad id!/replay', { method: 'POST' })).status).toBe(400)
		expect((await businessFetch('amb_bogus', '/v1/deliveries/failed')).status).toBe(401)
	})
})
