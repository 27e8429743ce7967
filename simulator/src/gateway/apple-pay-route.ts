/**
 * Apple Pay's merchant-session endpoint (docs/apple-interactive.md §5.5):
 * `POST /paymentservices/paymentSession` with `{merchantIdentifier, domainName (no scheme),
 * displayName (≤ 64 UTF-8 characters), initiative: "messaging", initiativeContext: <the
 * paymentGatewayUrl>}` → an opaque session object placed verbatim in `payment.merchantSession`.
 * Real Apple requires mutual TLS with the merchant identity certificate; the simulator cannot
 * see client certificates and accepts any caller.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { SimBindings } from '../env'
import { simState } from '../env'
import { randomHex, sha256Hex } from '../lib/bytes'
import { readCapped } from '../lib/read-capped'
import { fail, RejectionError } from '../lib/rejection'
import { respondRejected } from './request-log'
import { parseRule } from './zod-check'

const SessionRequest = z.object({
	merchantIdentifier: z.string().min(1),
	domainName: z
		.string()
		.min(1)
		.refine((d) => !/^[a-z]+:\/\//i.test(d) && !d.includes('/'), 'domainName is a bare host name, without scheme or path'),
	displayName: z
		.string()
		.min(1)
		.refine((s) => new TextEncoder().encode(s).length <= 64, 'displayName is at most 64 UTF-8 bytes'),
	initiative: z.literal('messaging', { error: 'initiative must be "messaging" for Messages for Business' }),
	initiativeContext: z.url({ error: 'initiativeContext must be the paymentGatewayUrl' }),
})

export const applePayRoutes = new Hono<SimBindings>()

applePayRoutes.post('/paymentSession', async (c) => {
	let text: string | null = null
	try {
		text = new TextDecoder().decode(await readCapped(c.req.raw, 64 * 1024))
		let json: unknown
		try {
			json = JSON.parse(text)
		} catch {
			fail(400, 'payment_session_schema', 'body must be JSON')
		}
		const req = parseRule(SessionRequest, json, 'payment_session_schema', 'paymentSession')
		const now = Date.now()
		const id = randomHex(32).toUpperCase()
		const session = {
			epochTimestamp: now,
			expiresAt: now + 60 * 60 * 1000,
			merchantSessionIdentifier: id,
			nonce: randomHex(4),
			// Real sessions carry the merchant id as a 64-hex hash (CW-FORK): so does this one.
			merchantIdentifier: (await sha256Hex(req.merchantIdentifier)).toUpperCase(),
			domainName: req.domainName,
			displayName: req.displayName,
			signature: randomHex(64),
			operationalAnalyticsIdentifier: `${req.displayName}:${randomHex(8)}`,
			retries: 0,
			pspId: randomHex(32).toUpperCase(),
			initiative: req.initiative,
			initiativeContext: req.initiativeContext,
			signedProperties: 'simulated',
		}
		await simState(c.env).storeMerchantSession({ id, initiativeContext: req.initiativeContext, body: session })
		return c.json(session)
	} catch (err) {
		if (err instanceof RejectionError) return respondRejected(c, err.rejection, text, {})
		throw err
	}
})
