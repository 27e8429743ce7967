/**
 * The conversation core's scheduling and sends (docs/ARCHITECTURE.md "Alarm", "Life of a
 * send"): the alarm always matches the earliest due head in storage, a due head is handled
 * in the alarm that finds it, the cron re-drives conversations whose retries lost their
 * alarm, and one call per send with the Idempotency-Key checked before any preparation.
 */
import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../src/index'
import { DOORBELL_RIDE_MS, HANDOFF } from '../../src/conversation/outbox'
import { WATCH_SHARDS, watchlistStub } from '../../src/conversation/watchlist-do'
import type { DeliverWebhook } from '../../src/delivery/queue-messages'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf, eventRows, letTimePass, storedAlarm } from '../helpers/conversation'
import { FakeApple } from '../helpers/fake-apple'
import { businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
let apple: FakeApple
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

async function startConversation() {
	const c = customerId()
	expect((await postApple(textMessage(biz.businessId, c, 'hello'), { headers: { 'capability-list': 'LIST,TIME,QUICK' } })).status).toBe(200)
	return { c, stub: conversationOf(biz.businessId, c) }
}

const send = (customer: string, message: unknown, headers: Record<string, string> = {}) =>
	businessFetch(biz.apiKey, '/v1/messages', { method: 'POST', json: { customerId: customer, message }, headers })

const headOfSends = (stub: ReturnType<typeof conversationOf>) =>
	runInDurableObject(
		stub,
		(_i, s) =>
			s.storage.sql.exec<{ attempts: number; next_attempt_at: number }>('SELECT attempts, next_attempt_at FROM outbound ORDER BY seq LIMIT 1').toArray()[0] ??
			null,
	)

/** What reached the gateway for one customer: an earlier test's retry may still arrive under load. */
const sentTo = (customer: string) => apple.calls.filter((x) => x.body.destinationId === customer).map((x) => x.body.body)

const watched = async () => (await Promise.all(WATCH_SHARDS.map((s) => watchlistStub(env, s).list(1000)))).flat()

describe('conversation core: alarm from storage', () => {
	it('a failed send stores a whole-millisecond retry time and the alarm is set to exactly it', async () => {
		const { c, stub } = await startConversation()
		apple.answer = () => new Response('oops', { status: 500 })
		expect((await send(c, { type: 'text', text: 'retry me' })).status).toBe(202)
		await expect.poll(() => headOfSends(stub)).toMatchObject({ attempts: 1 })
		const head = (await headOfSends(stub))!
		expect(Number.isInteger(head.next_attempt_at)).toBe(true)
		expect(await storedAlarm(stub)).toBe(head.next_attempt_at)
	})

	it('an alarm that finds a head not quite due re-arms in the future, never for "now"; a due head goes in the same run', async () => {
		const { c, stub } = await startConversation()
		apple.answer = () => new Response('oops', { status: 503 })
		await send(c, { type: 'text', text: 'one' })
		await expect.poll(() => headOfSends(stub)).toMatchObject({ attempts: 1 })
		apple.answer = () => new Response(null, { status: 200 })
		// The head is due 300 ms from now when the alarm runs: it must not be lost.
		const dueAt = Date.now() + 300
		await runInDurableObject(stub, (_i, s) => s.storage.sql.exec('UPDATE outbound SET next_attempt_at = ?', dueAt))
		expect(await runDurableObjectAlarm(stub)).toBe(true)
		expect(sentTo(c)).toHaveLength(1)
		// Re-armed for the head's time or later (from inside the alarm, at least a second out), never dropped.
		const rearmed = await storedAlarm(stub)
		expect(rearmed).not.toBeNull()
		expect(rearmed!).toBeGreaterThanOrEqual(dueAt)
		// Due now: sent within the alarm that found it, nothing left behind.
		await letTimePass(stub)
		expect(sentTo(c)).toEqual(['one', 'one'])
		expect(await headOfSends(stub)).toBeNull()
	})

	it('the hourly cron re-drives a retrying conversation whose alarm went missing, then forgets it', async () => {
		const { c, stub } = await startConversation()
		apple.answer = () => new Response('down', { status: 503 })
		await send(c, { type: 'text', text: 'stuck' })
		await expect.poll(() => headOfSends(stub)).toMatchObject({ attempts: 1 })
		const id = (await stub.state())!.conversationId
		await expect.poll(watched).toContain(id)
		// The runtime loses the alarm (the failure this guards against); time passes.
		await runInDurableObject(stub, async (_i, s) => {
			await s.storage.deleteAlarm()
			s.storage.sql.exec('UPDATE outbound SET next_attempt_at = 0')
		})
		apple.answer = () => new Response(null, { status: 200 })
		await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '0 * * * *' }), env, createExecutionContext())
		expect(sentTo(c)).toEqual(['stuck', 'stuck'])
		await hooks.until((r) => r.some((x) => x.json.type === 'message.sent' && x.json.data.customerId === c))
		await expect.poll(watched).not.toContain(id)
	})
})

describe('conversation core: one call per send', () => {
	it('10 concurrent sends with one Idempotency-Key: one reaches Apple, equal answers, the image fetched once', async () => {
		const { c } = await startConversation()
		let imageFetches = 0
		const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (ch) =>
			ch.charCodeAt(0),
		)
		hooks.on('http://img.localhost/pic.png', () => (imageFetches++, new Response(png, { headers: { 'content-type': 'image/png' } })), false)
		const message = { type: 'listPicker', title: 'Pick', sections: [{ title: 'S', items: [{ id: 'a', title: 'A', image: 'http://img.localhost/pic.png' }] }] }
		const responses = await Promise.all(Array.from({ length: 10 }, () => send(c, message, { 'idempotency-key': 'same-key' })))
		expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202))
		const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ id: string }>))
		expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1)
		await hooks.until(() => hooks.received.some((r) => r.json.type === 'message.sent' && r.json.data.messageId === bodies[0]!.id))
		expect(apple.calls.filter((x) => x.body.id === bodies[0]!.id)).toHaveLength(1)
		// Only this customer's calls: an earlier test's retry may still reach the gateway under load.
		expect(apple.calls.filter((x) => x.body.destinationId === c)).toHaveLength(1)
		expect(imageFetches).toBe(1)
		// A later replay prepares nothing: no fetch, same answer.
		const again = await send(c, message, { 'idempotency-key': 'same-key' })
		expect(again.headers.get('idempotent-replayed')).toBe('true')
		expect(await again.json()).toEqual(bodies[0])
		expect(imageFetches).toBe(1)
	})

	it('a replayed Idempotency-Key leaves no attachment pin and no hosted request behind', async () => {
		const { c } = await startConversation()
		const up = await businessFetch(biz.apiKey, '/v1/attachments?name=a.txt', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })
		const { id: attachmentId } = (await up.json()) as { id: string }
		const first = await send(c, { type: 'text', text: 'file', attachments: [attachmentId] }, { 'idempotency-key': 'k-att' })
		expect(first.status).toBe(202)
		const pinsAfterFirst = await pins(attachmentId)
		expect(pinsAfterFirst.length).toBe(2) // the file and the first send's pin
		const replay = await send(c, { type: 'text', text: 'file', attachments: [attachmentId] }, { 'idempotency-key': 'k-att' })
		expect(replay.status).toBe(202)
		expect(await pins(attachmentId)).toEqual(pinsAfterFirst)
		// A conflicting body with the same key is refused before anything is prepared.
		const conflict = await send(c, { type: 'text', text: 'other', attachments: [attachmentId] }, { 'idempotency-key': 'k-att' })
		expect(conflict.status).toBe(409)
		expect(await pins(attachmentId)).toEqual(pinsAfterFirst)
	})

	it('a refused message (422 from preflight) answers with its fields and stores nothing', async () => {
		const { c, stub } = await startConversation()
		const before = (await stub.state())!.lastSequence
		const res = await send(c, { type: 'listPicker', title: 'Pick', sections: [{ title: 'S', items: [{ id: 'x'.repeat(300), title: 'A' }] }] })
		expect([400, 422]).toContain(res.status)
		const body = (await res.json()) as { error: { code: string; details: { path: string }[] } }
		expect(body.error.details.some((d) => d.path.startsWith('message.sections'))).toBe(true)
		expect((await stub.state())!.lastSequence).toBe(before)
		expect(sentTo(c)).toHaveLength(0)
	})
})

/** The R2 keys that mention the attachment: the file and one pin object per holder. */
async function pins(attachmentId: string): Promise<string[]> {
	const listed = await env.ATTACHMENTS.list({ limit: 1000 })
	return listed.objects
		.map((o) => o.key)
		.filter((k) => k.includes(attachmentId))
		.sort()
}

describe('conversation core: doorbells of sends', () => {
	it("a send's event rides on a doorbell still coming; otherwise the object rings and marks it in storage, and the next rides on that", async () => {
		// Doorbells held by the spies: the events stay pending, so what rings and what rides shows.
		const queueSend = vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockResolvedValue(undefined as never)
		const queueBatch = vi.spyOn(env.WEBHOOK_QUEUE, 'sendBatch').mockResolvedValue(undefined as never)
		try {
			const { c, stub } = await startConversation()
			expect(queueSend).toHaveBeenCalledTimes(1)
			const rows = async () => (await eventRows(stub)).map((r) => [r.type, r.handed_off])
			const sentEvents = async (n: number) => expect.poll(async () => (await eventRows(stub)).filter((r) => r.type === 'message.sent').length).toBe(n)
			// The conversation's first doorbell rang a moment ago and no one has come: the send's event rides on it.
			expect((await send(c, { type: 'text', text: 'one' })).status).toBe(202)
			await sentEvents(1)
			expect(await rows()).toEqual([
				['conversation.started', HANDOFF.rung],
				['message.received', HANDOFF.rung],
				['message.sent', HANDOFF.riding],
			])
			// Past DOORBELL_RIDE_MS without the consumer, the object rings for the next one itself...
			await runInDurableObject(stub, (_i, s) => s.storage.sql.exec('UPDATE events SET due_at = due_at - ?', DOORBELL_RIDE_MS))
			expect((await send(c, { type: 'text', text: 'two' })).status).toBe(202)
			await sentEvents(2)
			await expect.poll(() => queueBatch.mock.calls.length).toBe(1)
			const rung = [...queueBatch.mock.calls[0]![0]].map((m) => m.body as DeliverWebhook)
			expect(rung.map((b) => [b.eventType, b.sequence])).toEqual([['message.sent', 3]])
			await expect.poll(async () => (await rows()).at(-1)).toEqual(['message.sent', HANDOFF.rung])
			// ...and the one after rides on that ring: nothing more reaches the queue.
			expect((await send(c, { type: 'text', text: 'three' })).status).toBe(202)
			await sentEvents(3)
			expect((await rows()).at(-1)).toEqual(['message.sent', HANDOFF.riding])
			expect(queueBatch).toHaveBeenCalledTimes(1)
			expect(queueSend).toHaveBeenCalledTimes(1)
			// The doorbells come: the whole line reaches the business, in order.
			await stub.deliver()
			const mine = hooks.received.filter((r) => r.json.data.customerId === c)
			expect(mine.map((r) => [r.json.type, r.json.data.sequence])).toEqual([
				['conversation.started', 1],
				['message.received', 1],
				['message.sent', 2],
				['message.sent', 3],
				['message.sent', 4],
			])
		} finally {
			vi.restoreAllMocks()
		}
	})
})
