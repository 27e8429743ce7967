/**
 * Fault suite, a crash (docs/TESTING.md "Fault suite"): workerd is killed (SIGKILL) in the
 * middle of a burst of inbound messages and sends, and restarted on the same persisted
 * state. The local queue's contents die with the process; the conversations' storage and
 * alarms do not. Every inbound answered 200 is delivered, every send answered 202 reaches
 * Apple, and Apple's redelivery of a recorded message is still recognised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { businessCall, createBusiness, Endpoint, type Msp, postInbound, startMsp, waitFor } from './stack.mjs'

let msp: Msp
const gateway = new Endpoint()
const hooks = new Endpoint()

beforeAll(async () => {
	await gateway.start()
	await hooks.start()
	msp = await startMsp({ gatewayUrl: gateway.url })
})

afterAll(async () => {
	await msp?.stop()
	msp?.removeState()
	await hooks.stop()
	await gateway.stop()
})

describe('fault suite: kill and restart', () => {
	it('inbound answered 200 is delivered and sends answered 202 reach Apple after a SIGKILL; dedupe survives', async () => {
		const biz = await createBusiness(msp.url, `${hooks.url}/hook`)
		// Slow webhook answers and a slow gateway keep work in flight when the kill comes.
		hooks.answer = () => ({ status: 204 })
		gateway.answer = () => ({ status: 200 })
		const customers = Array.from({ length: 4 }, () => `urn:mbid:crash-${crypto.randomUUID()}`)
		for (const c of customers) expect((await postInbound(msp.url, { businessId: biz.businessId, customerId: c, text: 'open' })).status).toBe(200)

		const answered: { id: string; customerId: string; text: string }[] = []
		const accepted: string[] = []
		let killed = false
		const stateDir = msp.stateDir
		const inbound = Array.from({ length: 40 }, (_, i) => ({ customerId: customers[i % 4]!, text: `burst ${i}`, id: crypto.randomUUID() }))
		// Four lanes of inbound, one lane of sends, until 16 inbound were answered 200: then SIGKILL.
		const lanes = [0, 1, 2, 3].map(async (lane) => {
			for (let i = lane; i < inbound.length && !killed; i += 4) {
				const m = inbound[i]!
				const r = await postInbound(msp.url, { businessId: biz.businessId, ...m })
				if (r.status === 200) answered.push(m)
				if (answered.length >= 16 && !killed) {
					killed = true
					await msp.kill()
				}
			}
		})
		const sends = (async () => {
			for (let i = 0; !killed; i++) {
				const r = await businessCall(msp.url, biz.apiKey, '/v1/messages', {
					method: 'POST',
					json: { customerId: customers[0], message: { type: 'text', text: `send ${i}` } },
				})
				if (r.status === 202) accepted.push((r.json as { id: string }).id)
			}
		})()
		await Promise.all([...lanes, sends])
		expect(answered.length).toBeGreaterThanOrEqual(16)
		expect(accepted.length).toBeGreaterThan(0)

		msp = await startMsp({ stateDir, gatewayUrl: gateway.url })
		// Handoffs lost with the queue are delivered by the conversations' own alarms (60 s watchdog).
		const receivedIds = () => new Set(hooks.delivered.filter((r) => r.json.type === 'message.received').map((r) => String(r.json.data.messageId)))
		await waitFor('every inbound answered 200 delivered', () => answered.every((m) => receivedIds().has(m.id)), 100_000)
		const appleIds = () => new Set(gateway.delivered.map((r) => String((r.json as unknown as { id: string }).id)))
		await waitFor('every send answered 202 at Apple', () => accepted.every((id) => appleIds().has(id)), 60_000)

		// Apple redelivers one it already got a 200 for: recognised, nothing new emitted.
		const again = answered[0]!
		const before = hooks.delivered.filter((r) => r.json.data.messageId === again.id).length
		expect((await postInbound(msp.url, { businessId: biz.businessId, ...again })).status).toBe(200)
		await new Promise((r) => setTimeout(r, 2500))
		expect(hooks.delivered.filter((r) => r.json.data.messageId === again.id).length).toBe(before)
		// Per conversation, the sequences a business saw have no gaps.
		for (const c of customers) {
			const seqs = [...new Set(hooks.delivered.filter((r) => r.json.data.customerId === c && r.json.data.sequence).map((r) => r.json.data.sequence))].sort(
				(x, y) => x - y,
			)
			expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
		}
	})
})
