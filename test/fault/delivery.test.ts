/**
 * Fault suite, delivery side (docs/TESTING.md "Fault suite"): a business endpoint that
 * fails in every way a network can, 410 Gone with replay, a quiet conversation left alone,
 * and a hung endpoint next to a healthy one. Real workerd, loopback, bounded waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminCall, businessCall, createBusiness, Endpoint, type Msp, postInbound, type Received, startMsp, waitFor } from './stack.mjs'

let msp: Msp
const gateway = new Endpoint()
const hooks = new Endpoint()
/** Started first, checked last: one message on a conversation nobody touches again. */
let quiet: { customerId: string; at: number }

beforeAll(async () => {
	await gateway.start()
	await hooks.start()
	msp = await startMsp({ gatewayUrl: gateway.url })
	const biz = await createBusiness(msp.url, `${hooks.url}/quiet`)
	quiet = { customerId: `urn:mbid:quiet-${crypto.randomUUID()}`, at: Date.now() }
	expect((await postInbound(msp.url, { businessId: biz.businessId, customerId: quiet.customerId, text: 'one message' })).status).toBe(200)
})

afterAll(async () => {
	await msp?.stop()
	msp?.removeState()
	await hooks.stop()
	await gateway.stop()
})

const on = (path: string) => (r: Received) => r.path === path
const byCustomer = (list: Received[], c: string) => list.filter((r) => r.json.data.customerId === c)
const ids = (list: Received[]) => list.map((r) => String(r.headers['webhook-id']))

describe('fault suite: webhook delivery', () => {
	it('503, then refused connections, then timeouts, while 30 messages arrive: all delivered once, in order, gapless', async () => {
		const biz = await createBusiness(msp.url, `${hooks.url}/flaky`)
		const t0 = Date.now()
		// 0–1.2 s: 503; 1.2–2.4 s: connection refused; 2.4–3.6 s: accepted and never answered; then healthy.
		let phase: 'fail' | 'refuse' | 'hang' | 'ok' = 'fail'
		hooks.answer = (r) => {
			if (r.path !== '/flaky') return { status: 204 }
			;(r as Received & { phase?: string }).phase = phase
			return phase === 'fail' ? { status: 503 } : phase === 'hang' ? 'hang' : { status: 204 }
		}
		// Ten conversations, three messages each, a new one starting every 360 ms: every phase meets first attempts.
		const customers = Array.from({ length: 10 }, () => `urn:mbid:flaky-${crypto.randomUUID()}`)
		const posts: Promise<{ status: number }>[] = []
		for (let i = 0; i < 30; i++) {
			const elapsed = Date.now() - t0
			const want = elapsed < 1200 ? 'fail' : elapsed < 2400 ? 'refuse' : elapsed < 3600 ? 'hang' : 'ok'
			if (want !== phase) {
				if (want === 'refuse') await hooks.refuse()
				if (phase === 'refuse') await hooks.resume()
				phase = want
			}
			posts.push(postInbound(msp.url, { businessId: biz.businessId, customerId: customers[Math.floor(i / 3)]!, text: `m${i}` }))
			await new Promise((r) => setTimeout(r, 120))
		}
		if (phase === 'refuse') await hooks.resume()
		phase = 'ok'
		expect((await Promise.all(posts)).map((p) => p.status)).toEqual(Array(30).fill(200))
		// Attempts met the 503s and the hang (refused connections leave no trace here).
		const tried = hooks.seen.filter(on('/flaky')).map((r) => (r as Received & { phase?: string }).phase)
		expect(tried).toContain('fail')
		expect(tried).toContain('hang')
		// 10 × conversation.started + 30 × message.received; hung attempts time out at 15 s, retried ~5 s later.
		await waitFor('all 40 events delivered', () => hooks.delivered.filter(on('/flaky')).length >= 40, 60_000).catch((err) => {
			for (const c of customers)
				console.log(
					c.slice(-6),
					byCustomer(hooks.seen.filter(on('/flaky')), c)
						.map((r) => `${r.json.type}#${r.json.data.sequence}@${(r as Received & { at?: number }).at ?? ''}`)
						.join(' '),
				)
			throw err
		})
		const got = hooks.delivered.filter(on('/flaky'))
		expect(got).toHaveLength(40)
		expect(new Set(ids(got)).size).toBe(40) // no duplicate on the recovered path
		for (const c of customers) {
			const mine = byCustomer(got, c)
			expect(mine.map((r) => r.json.type)).toEqual(['conversation.started', 'message.received', 'message.received', 'message.received'])
			// Delivered in sequence order, gapless.
			expect(mine.map((r) => r.json.data.sequence)).toEqual([1, 1, 2, 3])
		}
	})

	it('410 Gone disables the endpoint; dead letters are listed and replay delivers them', async () => {
		const biz = await createBusiness(msp.url, `${hooks.url}/gone`)
		hooks.answer = (r) => (r.path === '/gone' ? { status: 410 } : { status: 204 })
		const c = `urn:mbid:gone-${crypto.randomUUID()}`
		expect((await postInbound(msp.url, { businessId: biz.businessId, customerId: c, text: 'to nowhere' })).status).toBe(200)
		let dead: { id: string; lastStatus: number }[] = []
		await waitFor(
			'two dead letters',
			async () => {
				dead = ((await businessCall(msp.url, biz.apiKey, '/v1/deliveries/failed')).json as { data: typeof dead }).data
				return dead.length === 2
			},
			15_000,
		)
		expect(dead.map((d) => d.lastStatus).sort()).toEqual([410, null])
		expect(hooks.seen.filter(on('/gone'))).toHaveLength(1) // the second event never tried the disabled endpoint
		const business = (await adminCall(msp.url, `/businesses/${biz.businessId}`)).json as { disabledEndpoints: string[] }
		expect(business.disabledEndpoints).toEqual([`${hooks.url}/gone`])
		// The business fixes its endpoint and replays.
		expect((await adminCall(msp.url, `/businesses/${biz.businessId}`, { method: 'PATCH', json: { webhookUrl: `${hooks.url}/back` } })).status).toBe(200)
		for (const d of dead) expect((await businessCall(msp.url, biz.apiKey, `/v1/deliveries/${d.id}/replay`, { method: 'POST' })).status).toBe(202)
		await waitFor('replays delivered', () => hooks.delivered.filter(on('/back')).length === 2, 15_000)
		expect(new Set(ids(hooks.delivered.filter(on('/back'))))).toEqual(new Set(dead.map((d) => d.id)))
	})

	it('a hung endpoint of one business does not delay another business beyond a second or two', async () => {
		const slow = await createBusiness(msp.url, `${hooks.url}/hung`)
		const fast = await createBusiness(msp.url, `${hooks.url}/fast`)
		hooks.answer = (r) => (r.path === '/hung' ? 'hang' : { status: 204 })
		expect((await postInbound(msp.url, { businessId: slow.businessId, customerId: `urn:mbid:h-${crypto.randomUUID()}`, text: 'hello?' })).status).toBe(200)
		await waitFor('the hung endpoint reached', () => hooks.seen.some(on('/hung')), 5000)
		const c = `urn:mbid:f-${crypto.randomUUID()}`
		const t0 = Date.now()
		expect((await postInbound(msp.url, { businessId: fast.businessId, customerId: c, text: 'quick' })).status).toBe(200)
		await waitFor('the other business delivered', () => byCustomer(hooks.delivered.filter(on('/fast')), c).length === 2, 10_000)
		expect(Date.now() - t0).toBeLessThan(2500)
	})

	it('a quiet conversation: one message, the object left alone for 60 s, exactly one delivery per event', async () => {
		const wait = quiet.at + 62_000 - Date.now()
		if (wait > 0) await new Promise((r) => setTimeout(r, wait))
		const got = byCustomer(hooks.seen.filter(on('/quiet')), quiet.customerId)
		expect(got.map((r) => r.json.type)).toEqual(['conversation.started', 'message.received'])
		expect(new Set(ids(got)).size).toBe(2)
	})
})
