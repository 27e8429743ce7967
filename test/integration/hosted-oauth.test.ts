/**
 * Customer authentication end to end (docs/apple-interactive.md §5.6): the IdP is played
 * on loopback test hosts (`idp.localhost`, fetch interception like the webhook receivers);
 * the customer's browser coming back from the IdP is a GET of our redirect URI.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { businessStub } from '../../src/business/directory'
import type { BusinessRecord } from '../../src/business/schema'
import { AppleMessageBodySchema, BusinessMessageSchema, renderAppleBody, type RenderableMessage } from '../../src/apple/outbound'
import type { ConversationState } from '../../src/conversation/conversation-do'
import { isHostedReply, prepareHosted } from '../../src/hosted'
import { beginAuthentication, AUTH_CALLBACK_PATH } from '../../src/hosted/oauth'
import { openOutcome, type AuthenticateOutcome } from '../../src/hosted/outcome'
import { settleAppleReply } from '../../src/hosted/replies'
import { createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'
import { appleEncryptToken, config, env, fakeConversationId, hostedFetch, ORIGIN } from '../helpers/hosted'

const IDP = 'http://idp.localhost'
const AUTH = {
	authorizationUrl: `${IDP}/authorize`,
	tokenUrl: `${IDP}/token`,
	clientId: 'amb-client',
	clientSecret: 'idp-client-secret-value',
	scopes: ['openid', 'email'],
	userIdUrl: `${IDP}/userinfo`,
}

let hooks: WebhookReceiver
/** What the IdP saw. */
let tokenCalls: { contentType: string | null; form: Record<string, string> }[]
let userCalls: string[]
let tokenAnswer: () => Response

beforeEach(() => {
	hooks = new WebhookReceiver().install()
	tokenCalls = []
	userCalls = []
	tokenAnswer = () => Response.json({ access_token: 'at-123', token_type: 'Bearer', expires_in: 3600, scope: 'openid email' })
	hooks.on(
		`${IDP}/token`,
		(req, body) => {
			tokenCalls.push({ contentType: req.headers.get('content-type'), form: Object.fromEntries(new URLSearchParams(body)) })
			return tokenAnswer()
		},
		false,
	)
	hooks.on(
		`${IDP}/userinfo`,
		(req) => {
			userCalls.push(req.headers.get('authorization') ?? '')
			return req.headers.get('authorization') === 'Bearer at-123'
				? Response.json({ sub: 'customer-42', email: 'c@example.com' })
				: new Response(null, { status: 401 })
		},
		false,
	)
})
afterEach(() => hooks.restore())

async function setup(over: Record<string, unknown> = {}) {
	const biz = await createBusiness({ authentication: AUTH, ...over })
	const record = (await businessStub(env, biz.businessId).get()) as BusinessRecord
	return { biz, record, stub: businessStub(env, biz.businessId) }
}

async function begin(record: BusinessRecord, opts: { capabilities?: string[] | null; returnToken?: boolean; now?: number } = {}) {
	const requestIdentifier = crypto.randomUUID()
	const conversationId = fakeConversationId()
	const ctx = await beginAuthentication(env, config(), {
		business: record,
		conversationId,
		customerId: 'urn:mbid:customer',
		requestIdentifier,
		capabilities: opts.capabilities === undefined ? ['AUTH2', 'AUTH'] : opts.capabilities,
		returnToken: opts.returnToken ?? false,
		origin: ORIGIN,
		...(opts.now !== undefined ? { now: opts.now } : {}),
	})
	return { ctx, requestIdentifier, conversationId }
}

async function outcomeOf(businessId: string, requestId: string): Promise<AuthenticateOutcome> {
	const row = await businessStub(env, businessId).hostedRequest(requestId)
	expect(row?.status).toBe('settled')
	const o = await openOutcome(config().DATA_ENCRYPTION_KEY, row!)
	expect(o?.kind).toBe('authenticate')
	return o as AuthenticateOutcome
}

const callback = (params: Record<string, string>) => hostedFetch(`${AUTH_CALLBACK_PATH}?${new URLSearchParams(params)}`)

describe('AUTH2: authorization code flow', () => {
	it('sends responseType code, scope, a signed state and our redirect URI', async () => {
		const { record } = await setup()
		const { ctx } = await begin(record)
		expect(ctx.flow).toBe('auth2')
		if (ctx.flow !== 'auth2') return
		expect(ctx.redirectURI).toBe(`${ORIGIN}/hosted/auth/callback`)
		expect(ctx.scope).toEqual(['openid', 'email'])
		expect(ctx.state).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
		// The state must not reveal the client secret or anything sealed.
		expect(atob(ctx.state.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))).not.toContain('secret')
	})

	it('redirect → code exchange (form-encoded, client credentials) → user id → authenticated', async () => {
		const { biz, record } = await setup()
		const { ctx, requestIdentifier } = await begin(record, { returnToken: true })
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		const res = await callback({ code: 'code-abc', state: ctx.state })
		expect(res.status).toBe(200)
		expect(await res.text()).toContain('data-outcome="authenticated"')
		expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
		expect(tokenCalls).toEqual([
			{
				contentType: 'application/x-www-form-urlencoded',
				form: {
					grant_type: 'authorization_code',
					code: 'code-abc',
					redirect_uri: `${ORIGIN}/hosted/auth/callback`,
					client_id: 'amb-client',
					client_secret: 'idp-client-secret-value',
				},
			},
		])
		expect(userCalls).toEqual(['Bearer at-123'])
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toEqual({
			kind: 'authenticate',
			requestId: requestIdentifier,
			flow: 'auth2',
			outcome: 'authenticated',
			reason: null,
			detail: null,
			externalUserId: 'customer-42',
			// The token went to the business in interactive.received; once delivered it is not kept.
			tokenType: 'Bearer',
			expiresIn: 3600,
			scope: ['openid', 'email'],
		})
	})

	it('without returnToken the outcome carries no access token; without userIdUrl no lookup', async () => {
		const { userIdUrl: _u, ...noLookup } = AUTH
		const { biz, record } = await setup({ authentication: noLookup })
		const { ctx, requestIdentifier } = await begin(record)
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		expect((await callback({ code: 'c', state: ctx.state })).status).toBe(200)
		const o = await outcomeOf(biz.businessId, requestIdentifier)
		expect(o.outcome).toBe('authenticated')
		expect(o.externalUserId).toBeNull()
		expect(o).not.toHaveProperty('accessToken')
		expect(userCalls).toEqual([])
	})

	it('a replayed state is refused and exchanges nothing', async () => {
		const { biz, record } = await setup()
		const { ctx, requestIdentifier } = await begin(record)
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		expect((await callback({ code: 'c1', state: ctx.state })).status).toBe(200)
		const again = await callback({ code: 'c2', state: ctx.state })
		expect(again.status).toBe(400)
		expect(await again.text()).toContain('data-reason="replayed"')
		expect(tokenCalls).toHaveLength(1)
		expect((await outcomeOf(biz.businessId, requestIdentifier)).outcome).toBe('authenticated')
	})

	it('an altered or foreign state is refused before any call to the IdP', async () => {
		const { record } = await setup()
		const { ctx } = await begin(record)
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		const [body, mac] = ctx.state.split('.') as [string, string]
		const flipped = body.slice(0, -2) + (body.at(-2) === 'A' ? 'B' : 'A') + body.at(-1)
		for (const state of [`${flipped}.${mac}`, `${body}.${mac.slice(0, -1)}`, 'garbage', '']) {
			const res = await callback({ code: 'c', state })
			expect(res.status).toBe(400)
			expect(await res.text()).toMatch(/data-reason="(state_mismatch|invalid_request)"/)
		}
		expect(tokenCalls).toEqual([])
	})

	it('an IdP error is a failed outcome with the (sanitised) error code', async () => {
		const { biz, record } = await setup()
		const { ctx, requestIdentifier } = await begin(record)
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		const res = await callback({ error: 'access_denied', error_description: '<script>x</script>', state: ctx.state })
		expect(res.status).toBe(400)
		expect(await res.text()).not.toContain('<script>x')
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toMatchObject({ outcome: 'failed', reason: 'idp_error', detail: 'access_denied' })
		expect(tokenCalls).toEqual([])
	})

	it('a failed code exchange is a failed outcome naming the OAuth error, never the body', async () => {
		const { biz, record } = await setup()
		tokenAnswer = () => Response.json({ error: 'invalid_grant', error_description: 'secret internals' }, { status: 400 })
		const { ctx, requestIdentifier } = await begin(record)
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		expect((await callback({ code: 'c', state: ctx.state })).status).toBe(400)
		const o = await outcomeOf(biz.businessId, requestIdentifier)
		expect(o).toMatchObject({ outcome: 'failed', reason: 'token_exchange_failed', detail: 'status 400: invalid_grant' })
		expect(JSON.stringify(o)).not.toContain('secret internals')
	})

	it('a failed user-id lookup fails the authentication', async () => {
		const { biz, record } = await setup()
		tokenAnswer = () => Response.json({ access_token: 'other-token', token_type: 'Bearer' })
		const { ctx, requestIdentifier } = await begin(record)
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		expect((await callback({ code: 'c', state: ctx.state })).status).toBe(400)
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toMatchObject({ outcome: 'failed', reason: 'user_id_lookup_failed', detail: 'status 401' })
	})

	it('an expired request fails with reason expired', async () => {
		const { biz, record } = await setup()
		const { ctx, requestIdentifier } = await begin(record, { now: Date.now() - 2 * 3600_000 })
		if (ctx.flow !== 'auth2') throw new Error('expected AUTH2')
		const res = await callback({ code: 'c', state: ctx.state })
		expect(res.status).toBe(400)
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toMatchObject({ outcome: 'failed', reason: 'expired' })
		expect(tokenCalls).toEqual([])
	})

	it('a request nobody completes is expired by the Business object alarm', async () => {
		const { biz, record, stub } = await setup()
		const { requestIdentifier } = await begin(record, { now: Date.now() - 2 * 3600_000 })
		expect(await runDurableObjectAlarm(stub)).toBe(true)
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toMatchObject({ outcome: 'failed', reason: 'expired', flow: 'auth2' })
	})

	it('a device reply reporting failure settles an AUTH2 request as failed; a success reply waits for the redirect', async () => {
		const { biz, record, stub } = await setup()
		const ok = await begin(record)
		expect(
			await settleAppleReply(env, config(), {
				businessId: biz.businessId,
				conversationId: ok.conversationId,
				data: { requestIdentifier: ok.requestIdentifier, authenticate: { status: 'authenticated' } },
			}),
		).toBe(true)
		expect((await stub.hostedRequest(ok.requestIdentifier))?.status).toBe('pending')

		const bad = await begin(record)
		expect(
			await settleAppleReply(env, config(), {
				businessId: biz.businessId,
				conversationId: bad.conversationId,
				data: { requestIdentifier: bad.requestIdentifier, authenticate: { status: 'failed' } },
			}),
		).toBe(true)
		expect(await outcomeOf(biz.businessId, bad.requestIdentifier)).toMatchObject({ outcome: 'failed', reason: 'device_reported_failure', detail: 'failed' })
	})

	it('a reply from another conversation or for an unknown request is not ours', async () => {
		const { biz, record } = await setup()
		const { requestIdentifier } = await begin(record)
		expect(
			await settleAppleReply(env, config(), {
				businessId: biz.businessId,
				conversationId: fakeConversationId(),
				data: { requestIdentifier, authenticate: { status: 'failed' } },
			}),
		).toBe(false)
		expect(
			await settleAppleReply(env, config(), {
				businessId: biz.businessId,
				conversationId: fakeConversationId(),
				data: { requestIdentifier: 'nope', authenticate: {} },
			}),
		).toBe(false)
	})
})

describe('legacy flow (AUTH only)', () => {
	it('sends a fresh P-384 public key and the client secret', async () => {
		const { record } = await setup()
		const a = await begin(record, { capabilities: ['AUTH'] })
		const b = await begin(record, { capabilities: ['AUTH'] })
		if (a.ctx.flow !== 'legacy' || b.ctx.flow !== 'legacy') throw new Error('expected legacy')
		expect(a.ctx.clientSecret).toBe('idp-client-secret-value')
		const point = Uint8Array.from(atob(a.ctx.responseEncryptionKey), (ch) => ch.charCodeAt(0))
		expect(point.length).toBe(97)
		expect(point[0]).toBe(0x04)
		expect(a.ctx.responseEncryptionKey).not.toBe(b.ctx.responseEncryptionKey)
	})

	it('decrypts the token of the reply, looks the customer up, and forgets the private key', async () => {
		const { biz, record, stub } = await setup()
		const { ctx, requestIdentifier, conversationId } = await begin(record, { capabilities: ['AUTH'], returnToken: true })
		if (ctx.flow !== 'legacy') throw new Error('expected legacy')
		const token = await appleEncryptToken(ctx.responseEncryptionKey, 'at-123')
		const secretBefore = await runInDurableObject(
			stub,
			(_i, state) =>
				state.storage.sql.exec<{ secret: string | null }>('SELECT secret FROM hosted_requests WHERE request_id = ?', requestIdentifier).one().secret,
		)
		expect(secretBefore).toMatch(/^v1\./)
		const ours = await settleAppleReply(env, config(), {
			businessId: biz.businessId,
			conversationId,
			data: { requestIdentifier, authenticate: { status: 'authenticated', token } },
		})
		expect(ours).toBe(true)
		expect(userCalls).toEqual(['Bearer at-123'])
		expect(tokenCalls).toEqual([])
		const legacy = await outcomeOf(biz.businessId, requestIdentifier)
		expect(legacy).toMatchObject({ flow: 'legacy', outcome: 'authenticated', externalUserId: 'customer-42' })
		expect(legacy).not.toHaveProperty('accessToken') // delivered to the business, then dropped
		const secretAfter = await runInDurableObject(
			stub,
			(_i, state) =>
				state.storage.sql.exec<{ secret: string | null }>('SELECT secret FROM hosted_requests WHERE request_id = ?', requestIdentifier).one().secret,
		)
		expect(secretAfter).toBeNull()
	})

	it('a token encrypted to another key fails with decryption_failed; a second reply changes nothing', async () => {
		const { biz, record } = await setup()
		const { ctx, requestIdentifier, conversationId } = await begin(record, { capabilities: ['AUTH'] })
		const other = await begin(record, { capabilities: ['AUTH'] })
		if (ctx.flow !== 'legacy' || other.ctx.flow !== 'legacy') throw new Error('expected legacy')
		const wrong = await appleEncryptToken(other.ctx.responseEncryptionKey, 'at-123')
		const reply = { businessId: biz.businessId, conversationId, data: { requestIdentifier, authenticate: { status: 'authenticated', token: wrong } } }
		expect(await settleAppleReply(env, config(), reply)).toBe(true)
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toMatchObject({ outcome: 'failed', reason: 'decryption_failed', detail: 'decryption' })
		const right = await appleEncryptToken(ctx.responseEncryptionKey, 'at-123')
		await settleAppleReply(env, config(), { ...reply, data: { requestIdentifier, authenticate: { status: 'authenticated', token: right } } })
		expect((await outcomeOf(biz.businessId, requestIdentifier)).reason).toBe('decryption_failed')
		expect(userCalls).toEqual([])
	})

	it('the redirect endpoint refuses the state of a legacy request, which stays open for its reply', async () => {
		const { biz, record } = await setup()
		const { ctx, requestIdentifier } = await begin(record, { capabilities: ['AUTH'] })
		if (ctx.flow !== 'legacy') throw new Error('expected legacy')
		const res = await callback({ code: 'c', state: ctx.state })
		expect(res.status).toBe(400)
		expect(await res.text()).toContain('data-reason="state_mismatch"')
		expect(tokenCalls).toEqual([])
		expect((await businessStub(env, biz.businessId).hostedRequest(requestIdentifier))?.status).toBe('pending')
	})

	it('a business without authentication settings cannot send an authenticate message', async () => {
		const biz = await createBusiness()
		const record = (await businessStub(env, biz.businessId).get()) as BusinessRecord
		await expect(begin(record)).rejects.toMatchObject({ status: 422 })
	})
})

describe('wiring: prepareHosted → renderer → reply hook', () => {
	const state = (conversationId: string, capabilities: string[] | null): ConversationState => ({
		conversationId,
		businessId: 'b',
		appleBusinessId: 'b',
		customerId: 'urn:mbid:customer',
		status: 'open',
		capabilities,
		deviceAgent: 'iPhone OS',
		locale: 'en_US',
		intent: null,
		group: null,
		lastSequence: 1,
		startedAt: new Date().toISOString(),
		updatedAt: new Date().toISOString(),
		closedAt: null,
	})

	it('an authenticate message renders the AUTH2 oauth2 block of Apple sample; the reply is recognised as ours', async () => {
		const { biz, record } = await setup()
		const message = BusinessMessageSchema.parse({ type: 'authenticate', title: 'Sign in to Acme', returnToken: true }) as RenderableMessage
		const requestIdentifier = crypto.randomUUID()
		const conversationId = fakeConversationId()
		const ctx = await prepareHosted(env, config(), { business: record, state: state(conversationId, ['AUTH2']), message, requestIdentifier, origin: ORIGIN })
		const body = renderAppleBody(message, {
			messageId: crypto.randomUUID(),
			businessId: biz.businessId,
			customerId: 'urn:mbid:customer',
			requestIdentifier,
			images: new Map(),
			...ctx,
		})
		expect(AppleMessageBodySchema.safeParse(body).success).toBe(true)
		const data = (body as { interactiveData: { data: Record<string, unknown> } }).interactiveData.data
		expect(data.requestIdentifier).toBe(requestIdentifier)
		expect(data.authenticate).toEqual({
			oauth2: { responseType: 'code', scope: ['openid', 'email'], state: expect.stringMatching(/\./), redirectURI: `${ORIGIN}/hosted/auth/callback` },
		})
		expect(await isHostedReply(env, biz.businessId, { requestIdentifier, authenticate: { status: 'authenticated' } })).toBe(true)
		expect(await isHostedReply(env, biz.businessId, { requestIdentifier, payment: {} })).toBe(false)
		expect(await isHostedReply(env, biz.businessId, { requestIdentifier: 'other', authenticate: {} })).toBe(false)
	})

	it('other message types need no hosted context', async () => {
		const { record } = await setup()
		const message = BusinessMessageSchema.parse({ type: 'text', text: 'hi' }) as RenderableMessage
		expect(
			await prepareHosted(env, config(), { business: record, state: state(fakeConversationId(), null), message, requestIdentifier: 'r', origin: ORIGIN }),
		).toEqual({})
	})
})
