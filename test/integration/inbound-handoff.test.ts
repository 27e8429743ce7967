/**
 * The inbound path's handoff (docs/ARCHITECTURE.md "Life of an inbound message"): the
 * object writes the message, its events (already marked handed off) and the alarm in one
 * transaction; the route then sends one doorbell and reports the inbox row, batched per
 * business. What the object decides afterwards comes from storage, not from memory.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DOORBELL_RIDE_MS, HANDOFF, handoffBodies } from '../../src/conversation/outbox'
import type { DeliverWebhook } from '../../src/delivery/queue-messages'
import { DOORBELL_WAIT_MS } from '../../src/routes/apple-inbound'
import { FLUSH_MS, reportToHub } from '../../src/live/hub-feed'
import { consoleHubStub } from '../../src/live/summary'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf, eventRows, storedAlarm } from '../helpers/conversation'
import { businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	biz = await createBusiness()
})
afterEach(() => {
	hooks.restore()
	vi.restoreAllMocks()
})

const inbox = (businessId: string) => consoleHubStub(env, businessId).list({ status: 'all', search: null, limit: 50 })

describe('inbound handoff', () => {
	it('one doorbell per message, sent by the route; the first carries conversation.started for the index, a message behind a doorbell still coming rides on it', async () => {
		// Held by the spy: the events stay pending, so what the object would ring later shows.
		const send = vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockResolvedValue(undefined as never)
		const sendBatch = vi.spyOn(env.WEBHOOK_QUEUE, 'sendBatch')
		const c = customerId()
		const stub = conversationOf(biz.businessId, c)
		expect((await postApple(textMessage(biz.businessId, c, 'first'))).status).toBe(200)
		await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1))
		// The first doorbell rang a moment ago and no one has tried its events: the second rides.
		expect((await postApple(textMessage(biz.businessId, c, 'second'))).status).toBe(200)
		let rows = await eventRows(stub)
		expect(rows.map((r) => [r.type, r.state, r.handed_off])).toEqual([
			['conversation.started', 'pending', HANDOFF.rung],
			['message.received', 'pending', HANDOFF.rung],
			['message.received', 'pending', HANDOFF.riding],
		])
		// The rider shares its doorbell's watchdog: if that doorbell is lost, the line goes together.
		expect(rows[2]!.due_at).toBe(rows[0]!.due_at)
		expect(send).toHaveBeenCalledTimes(1)
		// Past DOORBELL_RIDE_MS without the consumer, the next message rings anew.
		await runInDurableObject(stub, (_i, s) => s.storage.sql.exec('UPDATE events SET due_at = due_at - ?', DOORBELL_RIDE_MS))
		expect((await postApple(textMessage(biz.businessId, c, 'third '.repeat(500)))).status).toBe(200)
		await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2))
		const bodies = send.mock.calls.map((call) => call[0] as DeliverWebhook)
		expect(bodies.map((b) => b.eventType)).toEqual(['conversation.started', 'message.received'])
		expect(bodies[0]!.event?.data.customerId).toBe(c)
		// Only conversation.started travels inline (the index feed); the message stays in its
		// conversation, so the doorbell is the same few hundred bytes whatever the customer wrote.
		expect(bodies[1]!.event).toBeNull()
		expect(JSON.stringify(bodies[1]).length).toBeLessThan(400)
		expect(bodies.map((b) => b.sequence)).toEqual([1, 3])
		expect(sendBatch).not.toHaveBeenCalled()

		rows = await eventRows(stub)
		expect(rows.map((r) => r.handed_off)).toEqual([HANDOFF.rung, HANDOFF.rung, HANDOFF.riding, HANDOFF.rung])
		// The marks are in storage: a fresh instance (after eviction) would ring for none of them.
		const again = await runInDurableObject(stub, (_i, s) => handoffBodies(s.storage.sql, 'x', biz.businessId, { intent: null, group: null }))
		expect(again).toEqual([])
	})

	it('riders are delivered by the doorbell they ride on, in order; once the line is delivered the next message rings', async () => {
		const send = env.WEBHOOK_QUEUE.send.bind(env.WEBHOOK_QUEUE)
		const held: DeliverWebhook[] = []
		const spy = vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockImplementation(async (body) => {
			held.push(body as DeliverWebhook)
			return undefined as never
		})
		const c = customerId()
		for (const text of ['one', 'two', 'three']) expect((await postApple(textMessage(biz.businessId, c, text))).status).toBe(200)
		expect(held.map((b) => b.eventType)).toEqual(['conversation.started'])
		expect(hooks.received.filter((x) => x.json.data.customerId === c)).toEqual([])
		// The one doorbell arrives: the consumer rings the conversation, which delivers the line.
		await send(held[0]!, { contentType: 'json' })
		const mine = (r: typeof hooks.received) => r.filter((x) => x.json.data.customerId === c)
		const got = mine(await hooks.until((r) => mine(r).length === 4))
		expect(got.map((x) => [x.json.type, x.json.data.text ?? null])).toEqual([
			['conversation.started', null],
			['message.received', 'one'],
			['message.received', 'two'],
			['message.received', 'three'],
		])
		await vi.waitFor(async () => expect((await eventRows(conversationOf(biz.businessId, c))).every((r) => r.state === 'delivered')).toBe(true))
		spy.mockImplementation(send)
		expect((await postApple(textMessage(biz.businessId, c, 'four'))).status).toBe(200)
		expect(spy).toHaveBeenCalledTimes(2)
		expect((spy.mock.calls[1]![0] as DeliverWebhook).eventType).toBe('message.received')
		const after = mine(await hooks.until((r) => mine(r).length === 5))
		expect(after.at(-1)?.json.data.text).toBe('four')
	})

	it("a lost first doorbell: the route rings the conversation itself, so both events go at once and the conversation still reaches the business's index", async () => {
		const c = customerId()
		const send = env.WEBHOOK_QUEUE.send.bind(env.WEBHOOK_QUEUE)
		let calls = 0
		vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockImplementation((body, opts) => (++calls === 1 ? Promise.reject(new Error('queue unavailable')) : send(body, opts)))
		expect((await postApple(textMessage(biz.businessId, c, 'first'))).status).toBe(200)
		expect((await postApple(textMessage(biz.businessId, c, 'second'))).status).toBe(200)
		const got = await hooks.until((r) => r.filter((x) => x.json.data.customerId === c).length === 3)
		expect(got.filter((x) => x.json.data.customerId === c).map((x) => x.json.type)).toEqual(['conversation.started', 'message.received', 'message.received'])
		await vi.waitFor(async () => {
			const res = await businessFetch(biz.apiKey, '/v1/conversations')
			const list = (await res.json()) as { data: { customerId: string }[] }
			expect(list.data.map((x) => x.customerId)).toContain(c)
		})
	})

	it("a queue that answers late holds Apple's 200 at most DOORBELL_WAIT_MS; the events wait in storage for the alarm", async () => {
		let sends = 0
		vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockImplementation(() => {
			sends++
			// Far later than the route waits (a promise that never settles would be reported as a hung request).
			return new Promise((resolve) => setTimeout(() => resolve(undefined as never), DOORBELL_WAIT_MS * 3))
		})
		const c = customerId()
		const started = Date.now()
		const res = await postApple(textMessage(biz.businessId, c, 'hello'))
		const took = Date.now() - started
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ status: 'recorded' })
		expect(sends).toBe(1)
		expect(took).toBeGreaterThanOrEqual(DOORBELL_WAIT_MS - 50)
		expect(took).toBeLessThan(DOORBELL_WAIT_MS * 2.5)
		const rows = await eventRows(conversationOf(biz.businessId, c))
		expect(rows.map((r) => [r.type, r.state, r.handed_off])).toEqual([
			['conversation.started', 'pending', 1],
			['message.received', 'pending', 1],
		])
		expect(await storedAlarm(conversationOf(biz.businessId, c))).not.toBeNull()
	})

	it('a later message keeps the stored alarm; one that has passed (dropped) is set anew', async () => {
		vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockResolvedValue(undefined as never)
		const c = customerId()
		const stub = conversationOf(biz.businessId, c)
		expect((await postApple(textMessage(biz.businessId, c, 'one'))).status).toBe(200)
		const first = await storedAlarm(stub)
		expect(first).not.toBeNull()
		expect((await postApple(textMessage(biz.businessId, c, 'two'))).status).toBe(200)
		expect(await storedAlarm(stub)).toBe(first)

		// The runtime lost the alarm and the remembered time has passed: the next write sets it again.
		await runInDurableObject(stub, async (_i, s) => {
			await s.storage.deleteAlarm()
			s.storage.sql.exec('UPDATE conversation SET alarm_at = ? WHERE id = 1', Date.now() - 1_000)
		})
		const before = Date.now()
		expect((await postApple(textMessage(biz.businessId, c, 'three'))).status).toBe(200)
		const rearmed = await storedAlarm(stub)
		const due = await runInDurableObject(
			stub,
			(_i, s) => s.storage.sql.exec<{ due: number }>("SELECT MIN(due_at) AS due FROM events WHERE state = 'pending'").one().due,
		)
		expect(rearmed).toBe(due)
		expect(rearmed!).toBeGreaterThan(before)
	})

	it('the console inbox hears of messages of several conversations, batched per business', async () => {
		const customers = [customerId(), customerId(), customerId()]
		await Promise.all(customers.map((c, i) => postApple(textMessage(biz.businessId, c, `hello ${i}`))))
		await vi.waitFor(async () => expect((await inbox(biz.businessId)).map((r) => r.customerId).sort()).toEqual([...customers].sort()))
		const rows = await inbox(biz.businessId)
		expect(rows.find((r) => r.customerId === customers[1])!.last?.preview).toBe('hello 1')
		expect(rows.every((r) => r.inboundCount === 1 && r.unread === 1)).toBe(true)
	})

	it('the inbox counts inbound messages but typing indicators, kept with each write', async () => {
		const c = customerId()
		const typing = (type: string) => ({ v: 1, id: crypto.randomUUID(), type, sourceId: c, destinationId: biz.businessId })
		expect((await postApple(textMessage(biz.businessId, c, 'one'))).status).toBe(200)
		expect((await postApple(typing('typing_start'))).status).toBe(200)
		await vi.waitFor(async () => expect((await inbox(biz.businessId))[0]?.lastSequence).toBe(2))
		expect((await inbox(biz.businessId))[0]).toMatchObject({ inboundCount: 1, customerTyping: true, last: { preview: 'one' } })
		const { unread: _unread, ...whileTyping } = (await inbox(biz.businessId))[0]!
		expect(whileTyping).toEqual(JSON.parse((await conversationOf(biz.businessId, c).consoleSummary())!))
		expect((await postApple(typing('typing_end'))).status).toBe(200)
		expect((await postApple(textMessage(biz.businessId, c, 'two'))).status).toBe(200)
		await vi.waitFor(async () => expect((await inbox(biz.businessId))[0]?.lastSequence).toBe(4))
		expect((await inbox(biz.businessId))[0]).toMatchObject({ inboundCount: 2, unread: 2, customerTyping: false, last: { preview: 'two' } })
		// The summary built from the recorded message equals the one read back from the history.
		const { unread: _u, ...reported } = (await inbox(biz.businessId))[0]!
		expect(reported).toEqual(JSON.parse((await conversationOf(biz.businessId, c).consoleSummary())!))
		const stored = await runInDurableObject(conversationOf(biz.businessId, c), (_i, s) =>
			s.storage.sql.exec<{ n: number }>('SELECT inbound_count AS n FROM conversation').one(),
		)
		expect(stored.n).toBe(2)
	})

	it('a batch whose flush was cut off with its request is sent by the next report', async () => {
		const { unread: _u, ...base } = await (async () => {
			const c = customerId()
			expect((await postApple(textMessage(biz.businessId, c, 'seed'))).status).toBe(200)
			await vi.waitFor(async () => expect((await inbox(biz.businessId)).length).toBe(1))
			return (await inbox(biz.businessId))[0]!
		})()
		const row = (n: number) => {
			const conversationId = n.toString(16).padStart(64, '0')
			return { conversationId, sequence: 1, summary: JSON.stringify({ ...base, conversationId, customerId: `cut-${n}`, lastSequence: 1 }) }
		}
		vi.useFakeTimers()
		try {
			reportToHub(env, () => {}, biz.businessId, row(1))
			// The request that opened the batch ends before its timer: the flush never runs.
			vi.clearAllTimers()
			vi.setSystemTime(Date.now() + 2_000)
			reportToHub(env, () => {}, biz.businessId, row(2))
			vi.advanceTimersByTime(FLUSH_MS)
		} finally {
			vi.useRealTimers()
		}
		await vi.waitFor(async () => expect((await inbox(biz.businessId)).map((r) => r.customerId)).toEqual(expect.arrayContaining(['cut-1', 'cut-2'])))
	})

	it('a batch with an unreadable, an invalid and an out-of-date summary stores only the good one', async () => {
		const c = customerId()
		expect((await postApple(textMessage(biz.businessId, c, 'one'))).status).toBe(200)
		expect((await postApple(textMessage(biz.businessId, c, 'two'))).status).toBe(200)
		await vi.waitFor(async () => expect((await inbox(biz.businessId))[0]?.lastSequence).toBe(2))
		const current = (await inbox(biz.businessId))[0]!
		const { unread: _unread, ...summary } = current
		const other = customerId()
		const fresh = { ...summary, conversationId: 'a'.repeat(64), customerId: other, lastSequence: 1 }
		await consoleHubStub(env, biz.businessId).noteMany([
			'{not json',
			JSON.stringify({ ...summary, conversationId: 'not-a-conversation-id' }),
			JSON.stringify({ ...summary, lastSequence: 1, last: { ...summary.last!, preview: 'stale' } }),
			JSON.stringify(fresh),
		])
		const rows = await inbox(biz.businessId)
		expect(rows.map((r) => r.customerId).sort()).toEqual([c, other].sort())
		const mine = rows.find((r) => r.customerId === c)!
		expect(mine.lastSequence).toBe(2)
		expect(mine.last?.preview).toBe('two')
	})
})
