import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'
import { createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver'

let biz: CreatedBusiness
let hooks: WebhookReceiver
beforeAll(async () => {
	biz = await createBusiness({
		routes: [
			{ intent: 'billing', group: 'vip', webhookUrl: 'http://vip.localhost/hook' },
			{ group: 'sales', webhookUrl: 'http://sales.localhost/hook' },
		],
	})
})
beforeEach(() => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost').on('http://vip.localhost').on('http://sales.localhost')
})
afterEach(() => hooks.restore())

const forCustomer = (c: string) => (r: Received[]) => r.filter((x) => x.json.data.customerId === c)

describe('conversation Durable Object', () => {
	it('dedupes a redelivered message id: 200 again, nothing new emitted', async () => {
		const c = customerId()
		const msg = textMessage(biz.businessId, c, 'once')
		expect(await (await postApple(msg)).json()).toEqual({ status: 'recorded' })
		expect(await (await postApple(msg)).json()).toEqual({ status: 'duplicate' })
		await hooks.until((r) => forCustomer(c)(r).length >= 2)
		// a later message proves the queue drained past the duplicate
		await postApple(textMessage(biz.businessId, c, 'twice'))
		const got = await hooks.until((r) => forCustomer(c)(r).some((x) => x.json.data.text === 'twice'))
		const types = forCustomer(c)(got).map((x) => `${x.json.type}:${x.json.data.sequence}`)
		expect(types.sort()).toEqual(['conversation.started:1', 'message.received:1', 'message.received:2'])
		expect((await conversationOf(biz.businessId, c).state())!.lastSequence).toBe(2)
	})

	it('assigns a gapless sequence under 50 concurrent requests', async () => {
		const c = customerId()
		const msgs = Array.from({ length: 50 }, (_, i) => textMessage(biz.businessId, c, `m${i}`))
		const results = await Promise.all(msgs.map((m) => postApple(m)))
		expect(results.map((r) => r.status)).toEqual(Array(50).fill(200))
		const got = await hooks.until((r) => forCustomer(c)(r).filter((x) => x.json.type === 'message.received').length === 50)
		const seqs = forCustomer(c)(got)
			.filter((x) => x.json.type === 'message.received')
			.map((x) => x.json.data.sequence as number)
			.sort((a, b) => a - b)
		expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
		expect(new Set(forCustomer(c)(got).map((x) => x.headers['webhook-id'])).size).toBe(51)
	})

	it('keeps intent and group from the start, capabilities and locale from the latest message', async () => {
		const c = customerId()
		await postApple(textMessage(biz.businessId, c, 'a', { intent: 'billing', group: 'vip', locale: 'en_US' }))
		await postApple(textMessage(biz.businessId, c, 'b', { intent: 'other', group: 'x', locale: 'fr_FR' }), {
			headers: { 'capability-list': 'list, time', 'device-agent': 'Mac OS X' },
		})
		const s = (await conversationOf(biz.businessId, c).state())!
		expect(s).toMatchObject({
			intent: 'billing',
			group: 'vip',
			locale: 'fr_FR',
			capabilities: ['LIST', 'TIME'],
			deviceAgent: 'Mac OS X',
		})
		// A message without capability headers keeps the last known list.
		await postApple(textMessage(biz.businessId, c, 'c'), { headers: { 'capability-list': '' } })
		expect((await conversationOf(biz.businessId, c).state())!.capabilities).toEqual([])
	})

	it('routes deliveries on intent/group, first matching rule wins, default otherwise', async () => {
		const [vip, sales, plain] = [customerId(), customerId(), customerId()]
		await postApple(textMessage(biz.businessId, vip, 'v', { intent: 'billing', group: 'vip' }))
		await postApple(textMessage(biz.businessId, sales, 's', { intent: 'billing', group: 'sales' }))
		await postApple(textMessage(biz.businessId, plain, 'p'))
		const got = await hooks.until((r) => [vip, sales, plain].every((c) => forCustomer(c)(r).length === 2))
		expect(new Set(forCustomer(vip)(got).map((x) => x.url))).toEqual(new Set(['http://vip.localhost/hook']))
		expect(new Set(forCustomer(sales)(got).map((x) => x.url))).toEqual(new Set(['http://sales.localhost/hook']))
		expect(new Set(forCustomer(plain)(got).map((x) => x.url))).toEqual(new Set(['http://hooks.localhost/default']))
	})

	it('closes on close, reopens on the next customer message', async () => {
		const c = customerId()
		await postApple(textMessage(biz.businessId, c, 'hi', { intent: 'a' }))
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: c, destinationId: biz.businessId })
		expect((await conversationOf(biz.businessId, c).state())!.status).toBe('closed')
		await postApple(textMessage(biz.businessId, c, 'back again', { intent: 'b' }))
		const s = (await conversationOf(biz.businessId, c).state())!
		expect(s.status).toBe('open')
		expect(s.intent).toBe('b')
		const got = await hooks.until((r) => forCustomer(c)(r).length === 5)
		const seq = forCustomer(c)(got)
			.map((x) => [x.json.data.sequence, x.json.type, x.json.data.reopened ?? null] as const)
			.sort((a, b) => (a[0] as number) - (b[0] as number) || String(a[1]).localeCompare(String(b[1])))
		expect(seq).toEqual([
			[1, 'conversation.started', false],
			[1, 'message.received', null],
			[2, 'conversation.closed', null],
			[3, 'conversation.started', true],
			[3, 'message.received', null],
		])
	})

	it('emits typing, reaction and interactive events', async () => {
		const c = customerId()
		const base = { v: 1, sourceId: c, destinationId: biz.businessId }
		await postApple({ ...base, id: crypto.randomUUID(), type: 'typing_start' })
		await postApple({ ...base, id: crypto.randomUUID(), type: 'typing_end' })
		await postApple(textMessage(biz.businessId, c, 'Loved “Your table is ready”'))
		const reply = {
			...base,
			type: 'interactive',
			interactiveData: {
				bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
				data: { requestIdentifier: 'req-1', version: '1.0', 'quick-reply': { selectedIndex: 1 } },
				sessionIdentifier: 'sess-1',
			},
		}
		await postApple({ ...reply, id: crypto.randomUUID() })
		// Apple's duplicate reply: new id, same session + request → no second event
		expect(await (await postApple({ ...reply, id: crypto.randomUUID() })).json()).toEqual({ status: 'duplicate' })
		const got = await hooks.until((r) => forCustomer(c)(r).length === 5)
		const byType = Object.fromEntries(forCustomer(c)(got).map((x) => [x.json.type, x.json.data]))
		expect(Object.keys(byType).sort()).toEqual(['conversation.started', 'interactive.received', 'reaction.received', 'typing.started', 'typing.stopped'])
		expect(byType['reaction.received']).toMatchObject({ reaction: 'loved', targetText: 'Your table is ready', rawText: 'Loved “Your table is ready”' })
		expect(byType['interactive.received']).toMatchObject({ kind: 'quickReply', requestId: 'req-1' })
	})

	it('keeps events in the outbox when the queue loses the doorbell, and the alarm re-drives them', async () => {
		const c = customerId()
		const stub = conversationOf(biz.businessId, c)
		// The queue takes the doorbell and loses it, as a local queue does when workerd restarts
		// (a send that fails outright makes the route ring the conversation itself: inbound-handoff.test.ts).
		const spy = vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockResolvedValue(undefined as never)
		const res = await postApple(textMessage(biz.businessId, c, 'must not be lost'))
		expect(res.status).toBe(200)
		await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1))
		spy.mockRestore()
		expect(await stub.pendingEvents()).toBe(2)
		// Both events were marked handed off with their rows; nothing reached the business yet.
		await runInDurableObject(stub, (_i, state) => {
			const rows = state.storage.sql.exec<{ handed_off: number }>('SELECT handed_off FROM events').toArray()
			expect(rows.map((r) => r.handed_off)).toEqual([1, 1])
		})
		expect(forCustomer(c)(hooks.received)).toEqual([])
		// The alarm is stored for when the events are due (the handoff watchdog); let that time come.
		const due = await runInDurableObject(stub, async (_i, state) => {
			const row = state.storage.sql.exec<{ due: number }>("SELECT MIN(due_at) AS due FROM events WHERE state = 'pending'").one()
			expect(await state.storage.getAlarm()).toBe(row.due)
			state.storage.sql.exec("UPDATE events SET due_at = ? WHERE state = 'pending'", Date.now())
			return row.due
		})
		expect(due).toBeGreaterThan(Date.now())
		expect(await runDurableObjectAlarm(stub)).toBe(true)
		expect(await stub.pendingEvents()).toBe(0)
		const got = await hooks.until((r) => forCustomer(c)(r).length === 2)
		expect(forCustomer(c)(got).find((x) => x.json.type === 'message.received')!.json.data.text).toBe('must not be lost')
	})
})
