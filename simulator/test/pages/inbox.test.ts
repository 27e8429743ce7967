import { env } from 'cloudflare:workers'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { fetchSim, state } from '../helpers/gateway'
import { api } from '../helpers/sim-api'

function signed(body: string, secret = env.INBOX_WEBHOOK_SECRET as string, at = new Date()) {
	const id = `msg_${crypto.randomUUID()}`
	const signature = new Webhook(secret).sign(id, at, body)
	return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature, 'content-type': 'application/json' }
}

describe('webhook inbox (Standard Webhooks)', () => {
	it('records a correctly signed delivery as verified and answers 204', async () => {
		const body = JSON.stringify({ type: 'message.received', timestamp: new Date().toISOString(), data: { text: 'hi' } })
		const res = await fetchSim('/inbox/webhook', { method: 'POST', headers: signed(body), body })
		expect(res.status).toBe(204)
		const { events } = await api<{ events: Array<{ verified: boolean; eventType: string; detail: string }> }>('GET', '/inbox')
		expect(events.at(-1)).toMatchObject({ verified: true, eventType: 'message.received', detail: 'signature valid' })
		const page = await (await fetchSim('/inbox')).text()
		expect(page).toContain('data-testid="inbox-event"')
		expect(page).toContain('data-verified="true"')
	})

	it('401 and records the failure when the body was changed', async () => {
		const body = JSON.stringify({ type: 'message.received', data: { text: 'hi' } })
		const res = await fetchSim('/inbox/webhook', { method: 'POST', headers: signed(body), body: body.replace('hi', 'ho') })
		expect(res.status).toBe(401)
		const { events } = await api<{ events: Array<{ verified: boolean; detail: string }> }>('GET', '/inbox')
		expect(events.at(-1)).toMatchObject({ verified: false, detail: 'no v1 signature matches' })
	})

	it('401 on a stale timestamp', async () => {
		const body = JSON.stringify({ type: 'x' })
		const res = await fetchSim('/inbox/webhook', { method: 'POST', headers: signed(body, undefined, new Date(Date.now() - 10 * 60_000)), body })
		expect(res.status).toBe(401)
	})

	it('uses the secret and answer status set through the switches', async () => {
		const secret = 'whsec_' + btoa('another-inbox-secret-of-32-bytes')
		await state().setSwitches({ inboxWebhookSecret: secret, inboxRespondStatus: 503 })
		try {
			const body = JSON.stringify({ type: 'conversation.started' })
			const res = await fetchSim('/inbox/webhook', { method: 'POST', headers: signed(body, secret), body })
			expect(res.status).toBe(503)
			const { events } = await api<{ events: Array<{ verified: boolean; status: number }> }>('GET', '/inbox')
			expect(events.at(-1)).toMatchObject({ verified: true, status: 503 })
		} finally {
			await state().setSwitches({ inboxWebhookSecret: null, inboxRespondStatus: 204 })
		}
	})

	it('says the demo business is already wired when its webhookUrl is this inbox', async () => {
		const before = await (await fetchSim('/inbox')).text()
		expect(before).toContain('data-testid="inbox-unwired"')
		expect(before).not.toContain('inbox-wired')
		// A business whose webhooks go elsewhere changes nothing.
		await api('PUT', '/businesses/elsewhere', { name: 'Elsewhere', webhookUrl: 'https://hooks.example/x' })
		expect(await (await fetchSim('/inbox')).text()).toContain('data-testid="inbox-unwired"')
		// As `npm run dev` registers its demo business (localhost is the same inbox as PUBLIC_URL's host).
		await api('PUT', '/businesses/demo-business', { name: 'Demo <Coffee>', webhookUrl: 'http://sim.test/inbox/webhook' })
		const page = await (await fetchSim('/inbox')).text()
		expect(page).not.toContain('inbox-unwired')
		expect(page).toMatch(
			/data-testid="inbox-wired">Already wired: <strong>Demo &lt;Coffee&gt;<\/strong> \(<span class="mono">demo-business<\/span>\) sends its webhooks to <span class="mono" data-testid="inbox-url">http:\/\/sim\.test\/inbox\/webhook<\/span>\. Nothing to set up\./,
		)
		await api('PUT', '/businesses/bad', { name: 'x', webhookUrl: 'javascript:alert(1)' }, 400)
	})
})
