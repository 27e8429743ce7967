/**
 * `POST /v1/message` and `POST /v1/authenticate` as Apple's gateway answers them (see
 * docs/apple-protocol.md §1.2, §1.6; docs/apple-interactive.md §5.6): token, envelope and type rules; a message
 * to an unknown or blocking customer → 404; success → 200 with an empty body, or
 * `{"dataRef": …}` for an interactive message sent with `include-data-ref: true` (§4.8).
 * A refused request is logged and nothing is stored. What Apple accepts but hurts the customer
 * is stored as the message's warnings (the answer stays Apple's: 200, empty).
 */
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { SimBindings } from '../env'
import { simConfig, simState } from '../env'
import { readCapped } from '../lib/read-capped'
import { reject, RejectionError } from '../lib/rejection'
import { checkMessage } from './check-message'
import { createDataRef } from './data-ref'
import { checkEnvelope, parseJsonBody } from './envelope'
import { checkMspToken } from './jwt-check'
import { checkNotification } from './notification-rules'
import { respondRejected } from './request-log'
import { stateLookups } from './state-lookups'

/**
 * A notification (invitation): checked as docs/invitations.md describes it, then shown to the customer
 * whose phone number it names (the simulator's phone directory); an unknown number → 404.
 */
async function notify(c: Context<SimBindings>, body: Record<string, unknown>, text: string): Promise<Response> {
	const config = simConfig(c.env)
	const env = checkEnvelope({ id: c.req.header('id'), sourceId: c.req.header('source-id'), destinationId: c.req.header('destination-id') }, body, {
		mspId: config.MSP_ID,
		notification: true,
	})
	const n = checkNotification(body, env.destinationId)
	const stored = await simState(c.env).storeNotification({
		id: env.id,
		businessId: env.sourceId,
		phoneNumber: n.phoneNumber,
		body,
		headers: { 'message-type': 'notification' },
	})
	if (!stored.ok) return respondRejected(c, stored.rejection, text)
	return c.body(null, 200, { 'cache-control': 'no-cache, no-store' })
}

/** No documented cap (docs/apple-protocol.md §8 q14); 10 MB keeps inline images possible and memory bounded. */
export const MESSAGE_MAX_BYTES = 10 * 1024 * 1024

/** Optional headers kept with each business message, so tests can see what the MSP sent (docs/apple-protocol.md §3). */
const OPTIONAL_HEADERS = ['auto-reply', 'msp-agent', 'include-data-ref'] as const

export const messageRoutes = new Hono<SimBindings>()

messageRoutes.post('/message', (c) => handle(c, 'message'))
messageRoutes.post('/authenticate', (c) => handle(c, 'authenticate'))

async function handle(c: Context<SimBindings>, endpoint: 'message' | 'authenticate'): Promise<Response> {
	const config = simConfig(c.env)
	const authFailure = await checkMspToken(c.req.header('authorization'), { mspId: config.MSP_ID, secret: config.APPLE_API_SECRET })
	if (authFailure) return respondRejected(c, authFailure, null)

	const injected = await simState(c.env).consumeInjectedFailure()
	if (injected !== null) {
		const status = injected as ContentfulStatusCode
		return respondRejected(c, reject(status, 'injected_failure', `simulated transient gateway failure (${status}); retry later`), null)
	}

	let text: string | null = null
	try {
		text = new TextDecoder().decode(await readCapped(c.req.raw, MESSAGE_MAX_BYTES))
		const body = parseJsonBody(c.req.header('content-type'), text)
		const messageType = c.req.header('message-type')
		if (messageType !== undefined) {
			if (messageType !== 'notification' || endpoint !== 'message') {
				return respondRejected(
					c,
					reject(400, 'header_message_type', `message-type ${JSON.stringify(messageType)} is not known here; only "notification" on /v1/message`),
					text,
				)
			}
			return await notify(c, body, text)
		}
		const msg = await checkMessage({ id: c.req.header('id'), sourceId: c.req.header('source-id'), destinationId: c.req.header('destination-id') }, body, {
			mspId: config.MSP_ID,
			lookups: stateLookups(c.env),
			endpoint,
		})
		const optional: Record<string, string> = {}
		for (const name of OPTIONAL_HEADERS) {
			const value = c.req.header(name)
			if (value !== undefined) optional[name] = value
		}
		// docs/apple-protocol.md §3: `auto-reply` is "true"/"false" (true when a bot answers).
		if (optional['auto-reply'] !== undefined && !/^(true|false)$/i.test(optional['auto-reply'])) {
			return respondRejected(c, reject(400, 'header_auto_reply', 'auto-reply must be "true" or "false"'), text)
		}
		const stored = await simState(c.env).storeBusinessMessage({
			id: msg.id,
			customerId: msg.destinationId,
			businessId: msg.sourceId,
			type: msg.type,
			endpoint: `/v1/${endpoint}`,
			body,
			resolvedInteractive: msg.interactive?.fromDataRef ? msg.interactive.interactiveData : null,
			headers: optional,
			warnings: msg.interactive?.warnings ?? [],
		})
		if (!stored.ok) return respondRejected(c, stored.rejection, text)

		const wantsRef = c.req.header('include-data-ref')?.toLowerCase() === 'true'
		if (wantsRef && msg.interactive && !msg.interactive.fromDataRef && endpoint === 'message') {
			const dataRef = await createDataRef(c.env, msg.sourceId, msg.interactive.interactiveData)
			return c.json({ dataRef })
		}
		// Apple answers 200 with an empty body (docs/apple-protocol.md §1.6).
		return c.body(null, 200, { 'cache-control': 'no-cache, no-store' })
	} catch (err) {
		if (err instanceof RejectionError) return respondRejected(c, err.rejection, text)
		throw err
	}
}
