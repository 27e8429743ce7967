/**
 * `POST /message`: everything the customer does reaches us here (docs/apple-protocol.md
 * §1.3). JWT (401 missing / 403 invalid) → capped, gunzipped body (413 / 400) → zod (400)
 * → known business (404) → the conversation's Durable Object. `200` only once the message
 * is durable there; Apple times out at 30 s.
 */
import { Hono } from 'hono'
import { readAppleJson, BodyError } from '../apple/body'
import { EMPTY_TEXT_MESSAGE, InboundMessageSchema, InboundTextSchema, readInboundHeaders, type InboundInteractive } from '../apple/inbound'
import { AppleJwtError, verifyAppleJwt } from '../apple/jwt'
import { businessForDestination } from '../business/directory'
import { conversationByCustomer } from '../conversation/directory'
import { getConfig, type AppBindings } from '../context'
import type { DeliverWebhook } from '../delivery/queue-messages'
import { findHostedRequest, settleAppleReply } from '../hosted'
import { invitationsStub } from '../invitations/directory'
import { invitationAnswered, invitationSignal } from '../invitations/inbound'
import { reportToHub } from '../live/hub-feed'
import { badRequest, forbidden, notFound, payloadTooLarge, unauthorized } from '../lib/errors'
import { errorText, log } from '../lib/log'

/** Wire cap, and cap on the inflated JSON (a DO row holds at most 2 MB; docs/platform-limits.md §4). */
export const INBOUND_LIMITS = { maxBytes: 1024 * 1024, maxInflatedBytes: 1024 * 1024 }

/** How long Apple's answer waits for the doorbell's queue send before it goes without it. */
export const DOORBELL_WAIT_MS = 1_000

export const appleInbound = new Hono<AppBindings>()

appleInbound.post('/message', async (c) => {
	const config = getConfig(c.env)
	const auth = c.req.header('authorization')
	const token = auth?.match(/^Bearer\s+(\S+)$/i)?.[1]
	if (!token) throw unauthorized('missing bearer token')
	try {
		const secrets = [config.APPLE_API_SECRET, config.APPLE_API_SECRET_PREVIOUS].filter((s): s is string => !!s)
		await verifyAppleJwt(token, { mspId: config.MSP_ID, secrets })
	} catch (err) {
		if (err instanceof AppleJwtError) throw forbidden(`invalid token: ${err.reason}`)
		throw err
	}

	let json: unknown
	try {
		json = await readAppleJson(c.req.raw, INBOUND_LIMITS)
	} catch (err) {
		if (err instanceof BodyError) {
			if (err.kind === 'too_large' || err.kind === 'inflated_too_large') throw payloadTooLarge(err.message)
			throw badRequest(err.message)
		}
		throw err
	}
	const parsed = InboundMessageSchema.safeParse(json)
	if (!parsed.success) {
		// The union hides which branch failed; an empty text is common enough to name (nothing recorded).
		const text = InboundTextSchema.safeParse(json)
		if (!text.success && text.error.issues.length === 1 && text.error.issues[0]!.message === EMPTY_TEXT_MESSAGE) {
			throw badRequest(EMPTY_TEXT_MESSAGE, [{ path: 'body', message: EMPTY_TEXT_MESSAGE }])
		}
		throw badRequest(
			'body does not match any Apple message type',
			parsed.error.issues.slice(0, 10).map((i) => ({
				path: i.path.join('.'),
				message: i.message,
			})),
		)
	}
	const message = parsed.data
	const headers = readInboundHeaders(c.req.raw.headers)
	const messageId = pick('id', headers.id, message.id)
	const customerId = pick('source-id', headers.sourceId, message.sourceId)
	const destinationId = pick('destination-id', headers.destinationId, message.destinationId)

	const business = await businessForDestination(c.env, destinationId)
	if (!business) throw notFound('unknown destination-id')
	const businessId = business.settings.businessId

	// Invitations (docs/invitations.md "What comes back"): an opt-out is recorded by the business's
	// invitations object and is not a conversation close; an answer starts the conversation as usual.
	const invitation = invitationSignal(message)
	if (invitation?.kind === 'opt_out') {
		const r = await invitationsStub(c.env, businessId).recordOptOut(invitation.referenceIds, customerId)
		if (r.phones === 0) log.warn('opt-out for reference ids no invitation of this business carries; nothing recorded', { businessId })
		return c.json({ status: 'recorded' })
	}
	const invitationId = invitation?.kind === 'answer' ? await invitationAnswered(c.env, businessId, customerId, invitation.answer) : null

	// A reply to our authentication / Apple Pay request: the hosted flow settles it and its
	// outcome is the business's event (src/hosted/replies.ts). One Business-object read, and
	// only for such replies.
	const replyData = message.type === 'interactive' ? (message as InboundInteractive).interactiveData?.data : undefined
	const pending = await findHostedRequest(c.env, businessId, replyData)
	const hostedReply = pending !== null
	const conversation = conversationByCustomer(c.env, businessId, customerId)
	const result = await conversation.receive({
		businessId,
		customerId,
		messageId,
		receivedAt: new Date().toISOString(),
		capabilities: headers.capabilities,
		deviceAgent: headers.deviceAgent,
		message,
		origin: new URL(c.req.url).origin,
		retentionDays: business.settings.attachmentRetentionDays,
		hostedReply,
		appleBusinessId: destinationId,
		...(invitationId ? { invitationId } : {}),
	})
	if (result.doorbell) {
		// The events are durable and marked handed off; if this send fails, the route rings the
		// conversation itself, and its alarm covers that too (docs/ARCHITECTURE.md "Delivery"),
		// so Apple gets its 200 either way. Awaited, so that under load a request's work stays inside it and the caller
		// feels backpressure, where sends left to waitUntil pile up behind new requests
		// (docs/performance.md "The inbound path against the floor"); but never longer than
		// DOORBELL_WAIT_MS: a slow queue must not hold Apple's answer (the send goes on).
		const doorbell = JSON.parse(result.doorbell) as DeliverWebhook
		const sent = c.env.WEBHOOK_QUEUE.send(doorbell, { contentType: 'json' }).catch((err: unknown) => {
			// Ring the conversation directly: later messages may ride on this doorbell
			// (outbox.ts `doorbellToRide`), and none of them should wait for the watchdog.
			log.warn('queue handoff failed; ringing the conversation', { businessId, conversationId: result.conversationId, error: errorText(err) })
			c.executionCtx.waitUntil(
				conversation
					.deliver()
					.catch((e: unknown) =>
						log.warn('conversation not rung; the alarm delivers', { businessId, conversationId: result.conversationId, error: errorText(e) }),
					),
			)
		})
		c.executionCtx.waitUntil(sent)
		let timer: ReturnType<typeof setTimeout> | undefined
		await Promise.race([sent, new Promise((resolve) => (timer = setTimeout(resolve, DOORBELL_WAIT_MS)))])
		clearTimeout(timer)
	}
	if (result.summary && result.sequence !== null) {
		reportToHub(c.env, (p) => c.executionCtx.waitUntil(p), businessId, {
			conversationId: result.conversationId,
			sequence: result.sequence,
			summary: result.summary,
		})
	}
	if (invitationId && invitation?.kind === 'answer') {
		// After the conversation holds the answer; a retry by Apple repeats this harmlessly.
		await invitationsStub(c.env, businessId).markAccepted(invitationId, { conversationId: result.conversationId, customerId, choice: invitation.answer.choice })
	}
	if (hostedReply && result.status === 'recorded') {
		// After the 200 (Apple waits at most 30 s); if this dies, the request expires as failed.
		c.executionCtx.waitUntil(
			settleAppleReply(c.env, config, { businessId, conversationId: result.conversationId, data: replyData, pending }).catch((err: unknown) =>
				log.error('hosted reply settlement failed', { businessId, conversationId: result.conversationId, error: errorText(err) }),
			),
		)
	}
	return c.json({ status: result.status })
})

/** Header first, body second; both present and different is a malformed request. */
function pick(name: string, header: string | null, body: string | undefined): string {
	if (header && body && header !== body) throw badRequest(`${name} header and body disagree`)
	const value = header ?? body
	if (!value) throw badRequest(`missing ${name}`)
	if (value.length > 512) throw badRequest(`${name} too long`)
	return value
}
