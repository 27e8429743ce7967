/**
 * The hosted outcome reaches the business as one `interactive.received` (docs/product.md
 * "Webhooks"): AUTH2 sign-in completed at our redirect URI → the conversation sequences the
 * outcome and delivers it, signed, to the business's webhook.
 *
 * Runs once conversation-do.ts has recordHostedOutcome (the hosted flows' wiring); until then
 * outcomes wait in the Business object's outbox and this is skipped.
 */
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { businessStub } from '../../src/business/directory'
import { Conversation } from '../../src/conversation/conversation-do'
import { prepareHosted } from '../../src/hosted'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'
import { appleEncryptToken, config, env, hostedFetch, ORIGIN } from '../helpers/hosted'
import { createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
beforeEach(() => {
	hooks = new WebhookReceiver().install()
})
afterEach(() => hooks.restore())

const wired = 'recordHostedOutcome' in Conversation.prototype

describe.skipIf(!wired)('hosted outcome events', () => {
	it('AUTH2 completed → interactive.received kind authenticate with outcome, once, in sequence', async () => {
		const biz = await createBusiness({
			webhookUrl: 'http://biz.localhost/hook',
			authentication: {
				authorizationUrl: 'http://idp.localhost/a',
				tokenUrl: 'http://idp.localhost/token',
				clientId: 'c',
				clientSecret: 's',
				scopes: ['openid'],
				userIdUrl: 'http://idp.localhost/me',
			},
		})
		hooks.on('http://biz.localhost/hook')
		hooks.on('http://idp.localhost/token', () => Response.json({ access_token: 'at', token_type: 'Bearer' }), false)
		hooks.on('http://idp.localhost/me', () => Response.json({ sub: 'user-9' }), false)
		const customer = customerId()
		expect((await postApple(textMessage(biz.businessId, customer, 'hi'))).status).toBe(200)
		const state = (await conversationOf(biz.businessId, customer).state())!
		const record = (await businessStub(env, biz.businessId).get())!
		const requestIdentifier = crypto.randomUUID()
		const ctx = await prepareHosted(env, config(), { business: record, state, message: { type: 'authenticate' }, requestIdentifier, origin: ORIGIN })
		if (ctx.authenticate?.flow !== 'auth2') throw new Error('expected AUTH2')
		const res = await hostedFetch(`/hosted/auth/callback?code=c1&state=${encodeURIComponent(ctx.authenticate.state)}`)
		expect(res.status).toBe(200)

		await vi.waitFor(() => expect(hooks.received.some((r) => r.json.type === 'interactive.received')).toBe(true), { timeout: 5000 })
		const events = hooks.received.filter((r) => r.json.type === 'interactive.received')
		expect(events).toHaveLength(1)
		const got = events[0]!
		new Webhook(biz.webhookSecret).verify(got.body, got.headers)
		expect(got.json.data).toMatchObject({
			businessId: biz.businessId,
			conversationId: state.conversationId,
			customerId: customer,
			sequence: state.lastSequence + 1,
			kind: 'authenticate',
			requestId: requestIdentifier,
			outcome: 'authenticated',
			externalUserId: 'user-9',
		})
		expect(got.json.data).not.toHaveProperty('accessToken')
		await vi.waitFor(async () => expect((await businessStub(env, biz.businessId).hostedRequest(requestIdentifier))?.emitted).toBe(true))
	})

	it('legacy: the device reply carries the encrypted token → one outcome event, the raw reply none', async () => {
		const biz = await createBusiness({
			webhookUrl: 'http://biz.localhost/legacy',
			authentication: {
				authorizationUrl: 'http://idp.localhost/a',
				tokenUrl: 'http://idp.localhost/token',
				clientId: 'c',
				clientSecret: 's',
				scopes: ['openid'],
				userIdUrl: 'http://idp.localhost/me',
			},
		})
		hooks.on('http://biz.localhost/legacy')
		hooks.on(
			'http://idp.localhost/me',
			(req) => Response.json({ sub: req.headers.get('authorization') === 'Bearer legacy-at' ? 'user-legacy' : 'wrong' }),
			false,
		)
		const customer = customerId()
		expect((await postApple(textMessage(biz.businessId, customer, 'hi'), { headers: { 'capability-list': 'LIST,AUTH' } })).status).toBe(200)
		const state = (await conversationOf(biz.businessId, customer).state())!
		const record = (await businessStub(env, biz.businessId).get())!
		const requestIdentifier = crypto.randomUUID()
		const ctx = await prepareHosted(env, config(), { business: record, state, message: { type: 'authenticate' }, requestIdentifier, origin: ORIGIN })
		if (ctx.authenticate?.flow !== 'legacy') throw new Error('expected the legacy flow')
		const token = await appleEncryptToken(ctx.authenticate.responseEncryptionKey, 'legacy-at')
		const reply = {
			v: 1,
			id: crypto.randomUUID(),
			type: 'interactive',
			sourceId: customer,
			destinationId: biz.businessId,
			interactiveData: {
				bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
				data: { version: '1.0', requestIdentifier, authenticate: { status: 'authenticated', token } },
				sessionIdentifier: crypto.randomUUID(),
			},
		}
		expect((await postApple(reply, { headers: { 'capability-list': 'LIST,AUTH' } })).status).toBe(200)
		await vi.waitFor(() => expect(hooks.received.filter((r) => r.json.type === 'interactive.received')).toHaveLength(1), { timeout: 5000 })
		const got = hooks.received.find((r) => r.json.type === 'interactive.received')!
		expect(got.json.data).toMatchObject({
			kind: 'authenticate',
			requestId: requestIdentifier,
			flow: 'legacy',
			outcome: 'authenticated',
			externalUserId: 'user-legacy',
		})
		expect(got.body).not.toContain(token)
	})
})
