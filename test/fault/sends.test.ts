/**
 * Fault suite, send side (docs/TESTING.md "Fault suite"): Apple's gateway fails about 30 %
 * of first attempts (429, 500, 503, or no answer within our timeout) while two customers get
 * 30 and 10 sends at once; one message Apple refuses for good; one Idempotency-Key sent ten
 * times at once. Real workerd, loopback, bounded waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { businessCall, createBusiness, Endpoint, type Msp, postInbound, type Received, startMsp, waitFor } from './stack.mjs'

let msp: Msp
const gateway = new Endpoint()
const hooks = new Endpoint()
let biz: { businessId: string; apiKey: string }

beforeAll(async () => {
	await gateway.start()
	await hooks.start()
	msp = await startMsp({ gatewayUrl: gateway.url })
	biz = await createBusiness(msp.url, `${hooks.url}/hook`)
})

afterAll(async () => {
	await msp?.stop()
	msp?.removeState()
	await hooks.stop()
	await gateway.stop()
})

interface Sent {
	id: string
	sequence: number
}

const appleId = (r: Received) => String((r.json as unknown as { id: string }).id)
const bodyText = (r: Received) => String((r.json as unknown as { body?: string }).body ?? '')

async function openConversation(): Promise<string> {
	const c = `urn:mbid:send-${crypto.randomUUID()}`
	expect((await postInbound(msp.url, { businessId: biz.businessId, customerId: c, text: 'hi' })).status).toBe(200)
	return c
}

describe('fault suite: sends to Apple', () => {
	it('~30 % gateway failures: each send reaches Apple once, per customer in acceptance order, message.sent for each; a 400 is final', async () => {
		const [a, b] = [await openConversation(), await openConversation()]
		const firstTry = new Set<string>()
		let n = 0
		let hung = false
		gateway.answer = (r) => {
			if (r.path !== '/v1/message') return { status: 404 }
			if (bodyText(r) === 'b-reject') return { status: 400, body: '{"error":"refused"}' }
			const id = appleId(r)
			if (firstTry.has(id)) return { status: 200 }
			firstTry.add(id)
			const k = n++ % 10
			if (k === 1 && !hung) {
				hung = true
				return 'hang'
			}
			if (k === 1 || k === 4) return { status: 500 }
			if (k === 7) return { status: 503 }
			if (k === 9) return { status: 429 }
			return { status: 200 }
		}
		const send = (c: string, text: string) =>
			businessCall(msp.url, biz.apiKey, '/v1/messages', { method: 'POST', json: { customerId: c, message: { type: 'text', text } } })
		const jobs = [
			...Array.from({ length: 30 }, (_, i) => [a, `a${i}`] as const),
			...Array.from({ length: 10 }, (_, i) => [b, i === 4 ? 'b-reject' : `b${i}`] as const),
		]
		const answers = await Promise.all(jobs.map(([c, text]) => send(c, text)))
		expect(answers.map((x) => x.status)).toEqual(Array(40).fill(202))
		const sent = answers.map((x) => x.json as Sent)
		const ofA = sent.slice(0, 30).sort((x, y) => x.sequence - y.sequence)
		const ofB = sent.slice(30).sort((x, y) => x.sequence - y.sequence)
		const rejected = sent[34]!.id

		// One no-answer costs our 30 s timeout; the rest retry within seconds.
		const accepted = () => gateway.delivered.filter((r) => r.path === '/v1/message')
		await waitFor('39 sends accepted by Apple', () => accepted().length >= 39, 100_000)
		await waitFor(
			'message.sent ×39 and message.failed ×1',
			() => hooks.delivered.filter((r) => r.json.type === 'message.sent').length >= 39 && hooks.delivered.some((r) => r.json.type === 'message.failed'),
			30_000,
		)
		const ids = accepted().map(appleId)
		expect(new Set(ids).size).toBe(ids.length) // each reached Apple once
		expect(ids.filter((id) => ofA.some((s) => s.id === id))).toEqual(ofA.map((s) => s.id))
		expect(ids.filter((id) => ofB.some((s) => s.id === id))).toEqual(ofB.map((s) => s.id).filter((id) => id !== rejected))
		// Some first attempts really failed, and one went unanswered.
		expect(gateway.seen.length).toBeGreaterThan(accepted().length + 1 + 8)
		expect(hung).toBe(true)
		// The refusal: message.failed with Apple's status, tried once.
		expect(gateway.seen.filter((r) => appleId(r) === rejected)).toHaveLength(1)
		const failed = hooks.delivered.find((r) => r.json.type === 'message.failed')!
		expect(failed.json.data).toMatchObject({ messageId: rejected, appleStatus: 400, reason: 'apple_rejected' })
		const sentEvents = hooks.delivered.filter((r) => r.json.type === 'message.sent').map((r) => String(r.json.data.messageId))
		expect(new Set(sentEvents)).toEqual(new Set(sent.map((s) => s.id).filter((id) => id !== rejected)))
	})

	it('10 concurrent sends with one Idempotency-Key: one reaches Apple, equal answers', async () => {
		const c = await openConversation()
		gateway.answer = () => ({ status: 200 })
		const before = gateway.seen.length
		const answers = await Promise.all(
			Array.from({ length: 10 }, () =>
				businessCall(msp.url, biz.apiKey, '/v1/messages', {
					method: 'POST',
					json: { customerId: c, message: { type: 'text', text: 'once' } },
					headers: { 'idempotency-key': 'fault-once' },
				}),
			),
		)
		expect(answers.map((x) => x.status)).toEqual(Array(10).fill(202))
		expect(new Set(answers.map((x) => JSON.stringify(x.json))).size).toBe(1)
		const id = (answers[0]!.json as Sent).id
		await waitFor('message.sent', () => hooks.delivered.some((r) => r.json.type === 'message.sent' && r.json.data.messageId === id), 10_000)
		expect(gateway.seen.slice(before).map(appleId)).toEqual([id])
	})
})
