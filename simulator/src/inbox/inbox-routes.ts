/**
 * The demo business's webhook receiver: `POST /inbox/webhook` records every delivery with the
 * result of the Standard Webhooks check and answers like a careful receiver (401 when the
 * signature fails; otherwise the `inboxRespondStatus` switch, 204 by default, so the MSP's
 * retries can be exercised). `GET /sim/api/inbox` lists them; `/inbox` shows them.
 */
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { SimBindings } from '../env'
import { simConfig, simState } from '../env'
import { readCapped } from '../lib/read-capped'
import { RejectionError } from '../lib/rejection'
import { verifyStandardWebhook } from './standard-webhooks'

export const INBOX_MAX_BYTES = 1024 * 1024

export const inboxRoutes = new Hono<SimBindings>()

inboxRoutes.post('/webhook', async (c) => {
	let body: string
	try {
		body = new TextDecoder().decode(await readCapped(c.req.raw, INBOX_MAX_BYTES, 'webhook body'))
	} catch (err) {
		if (err instanceof RejectionError) return c.json({ error: err.message }, 413)
		throw err
	}
	const state = simState(c.env)
	const switches = await state.getSwitches()
	const secret = switches.inboxWebhookSecret ?? simConfig(c.env).INBOX_WEBHOOK_SECRET ?? null
	const headers = {
		id: c.req.header('webhook-id') ?? null,
		timestamp: c.req.header('webhook-timestamp') ?? null,
		signature: c.req.header('webhook-signature') ?? null,
	}
	const result = secret ? await verifyStandardWebhook(secret, headers, body) : ({ ok: false, reason: 'not checked: no webhook secret configured' } as const)
	let eventType: string | null = null
	try {
		const parsed = JSON.parse(body) as { type?: unknown }
		if (typeof parsed.type === 'string') eventType = parsed.type
	} catch {
		// recorded as is
	}
	const status = secret && !result.ok ? 401 : switches.inboxRespondStatus
	const recorded: Record<string, string> = {}
	c.req.raw.headers.forEach((v, k) => {
		if (k.startsWith('webhook-') || k === 'content-type' || k === 'user-agent') recorded[k] = v
	})
	await state.storeInboxEvent({
		webhookId: headers.id,
		eventType,
		verified: result.ok,
		detail: result.ok ? 'signature valid' : result.reason,
		status,
		headers: recorded,
		body,
	})
	return status === 204 ? c.body(null, 204) : c.json({ received: true, verified: result.ok }, status as ContentfulStatusCode)
})
