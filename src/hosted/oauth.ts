/**
 * Customer authentication, both generations (docs/apple-interactive.md §5.6).
 *
 * - AUTH2 (new flow): we send `responseType: code`, the scopes, a signed `state` and our
 *   `redirectURI`; the IdP sends the customer's browser to that URI with `code` and `state`;
 *   we exchange the code at the business's token URL (form-encoded `grant_type=
 *   authorization_code&code&redirect_uri&client_id&client_secret`, A-PY/20) and look the
 *   customer up at the business's user-id endpoint when one is configured.
 * - Legacy (AUTH only): a P-384 key pair per request; the public key and the client secret
 *   go to Apple, the reply carries the access token encrypted to our key (src/apple/ecies.ts),
 *   then the same user-id lookup. The private key is stored sealed with the request and
 *   cleared when the reply claims it or the request expires (store.ts).
 *
 * `state` = signed {business, conversation, request, nonce, expiry} (tokens.ts); the
 * request row in the Business object is claimed once, so a replayed state is refused.
 * Every failure becomes a `failed` outcome with a reason, never a crash (outcome.ts).
 */
import { z } from 'zod'
import { AuthTokenDecryptError, decryptAuthToken, generateResponseKeyPair } from '../apple/ecies'
import { authFlowFor, type AuthenticateContext } from '../apple/outbound'
import { businessStub, loadBusiness } from '../business/directory'
import type { BusinessRecord, StoredAuthentication } from '../business/schema'
import type { Config, Env } from '../context'
import { openSecret, randomToken, sealSecret } from '../lib/crypto'
import { unprocessable } from '../lib/errors'
import { clientSecretAad } from '../business/service'
import type { AuthenticateOutcome, FailureReason } from './outcome'
import { exchangeCode, lookupUserId, safeCode, type AccessToken } from './idp-client'
import { settleAndEmit } from './settle'
import type { HostedRequest } from './store'
import { nowSeconds, openToken, signToken, TokenError } from './tokens'
import { errorText, log } from '../lib/log'

/** How long a customer has to sign in; the private key of a legacy request lives at most this long. */
export const AUTH_REQUEST_TTL_MS = 60 * 60_000
/** Our redirect URI's path; the business registers `<origin>` + this at its IdP. */
export const AUTH_CALLBACK_PATH = '/hosted/auth/callback'

const privateKeyAad = (requestId: string) => `auth-private-key:${requestId}`

const StatePayload = z.object({
	v: z.literal(1),
	b: z.string().min(1).max(128),
	c: z.string().regex(/^[0-9a-f]{64}$/),
	r: z.string().min(1).max(128),
	n: z.string().min(16).max(64),
	/** Flow: only an AUTH2 state may come back through the redirect URI. */
	f: z.enum(['auth2', 'legacy']),
	exp: z.number().int(),
})

export const AuthDetailSchema = z.object({
	flow: z.enum(['auth2', 'legacy']),
	returnToken: z.boolean(),
	scope: z.array(z.string()),
	/** Exactly what was sent: the token exchange must repeat it (RFC 6749 §4.1.3). */
	redirectUri: z.string().nullable(),
})
export type AuthDetail = z.infer<typeof AuthDetailSchema>

export interface BeginAuthenticationInput {
	business: BusinessRecord
	conversationId: string
	customerId: string
	/** The `requestIdentifier` the rendered message carries. */
	requestIdentifier: string
	/** The conversation's latest `capability-list` (null: unknown, AUTH2 assumed). */
	capabilities: string[] | null
	deviceAgent?: string | null
	/** The message's scopes; the business's configured scopes otherwise. */
	scope?: string[]
	returnToken?: boolean
	/** This deployment's public origin (e.g. `new URL(c.req.url).origin`): the redirect URI's base. */
	origin: string
	now?: number
}

/**
 * Prepare the OAuth half of an `authenticate` message and remember the request. Throws a
 * 422 AppError when the business has no authentication settings or the device supports
 * neither flow. Call dropHostedRequest() if the message then never reaches Apple.
 */
export async function beginAuthentication(env: Env, config: Config, input: BeginAuthenticationInput): Promise<AuthenticateContext> {
	const auth = input.business.settings.authentication
	if (!auth)
		throw unprocessable('authentication is not configured for this business', [{ path: 'message.type', message: 'set authentication in the channel settings' }])
	const flow = authFlowFor({ capabilities: input.capabilities, deviceAgent: input.deviceAgent ?? null })
	if (!flow) throw unprocessable("the customer's device supports neither authentication flow", [{ path: 'message.type', message: 'needs AUTH2 or AUTH' }])
	const businessId = input.business.settings.businessId
	const now = input.now ?? Date.now()
	const nonce = randomToken(24)
	const exp = nowSeconds(now + AUTH_REQUEST_TTL_MS)
	const state = await signToken(config.DATA_ENCRYPTION_KEY, 'oauth-state', {
		v: 1,
		b: businessId,
		c: input.conversationId,
		r: input.requestIdentifier,
		n: nonce,
		f: flow,
		exp,
	})
	const scope = input.scope ?? auth.scopes
	const redirectURI = `${input.origin}${AUTH_CALLBACK_PATH}`
	let secret: string | null = null
	let context: AuthenticateContext
	if (flow === 'auth2') {
		context = { flow, state, redirectURI, scope }
	} else {
		const pair = await generateResponseKeyPair()
		secret = await sealSecret(config.DATA_ENCRYPTION_KEY, JSON.stringify(pair.privateKeyJwk), privateKeyAad(input.requestIdentifier))
		const clientSecret = await openSecret(config.DATA_ENCRYPTION_KEY, auth.clientSecretSealed, clientSecretAad(businessId))
		context = { flow, state, responseEncryptionKey: pair.publicKey, clientSecret, scope }
	}
	const detail: AuthDetail = { flow, returnToken: input.returnToken === true, scope, redirectUri: flow === 'auth2' ? redirectURI : null }
	const stored = await businessStub(env, businessId).putHostedRequest({
		requestId: input.requestIdentifier,
		kind: 'authenticate',
		conversationId: input.conversationId,
		customerId: input.customerId,
		nonce,
		detailJson: JSON.stringify(detail),
		secret,
		expiresAt: exp * 1000,
	})
	if (!stored) throw new Error(`authentication request ${input.requestIdentifier} already exists`)
	return context
}

// ---------------------------------------------------------------------------------------
// The redirect endpoint (AUTH2).

export const CallbackQuerySchema = z.object({
	state: z.string().max(4096).optional(),
	code: z.string().min(1).max(4096).optional(),
	error: z.string().max(256).optional(),
	error_description: z.string().max(2048).optional(),
})

export interface CallbackResult {
	status: 200 | 400
	outcome: 'authenticated' | 'failed'
	reason: FailureReason | 'invalid_request' | 'replayed' | null
}

const failedPage = (reason: CallbackResult['reason']): CallbackResult => ({ status: 400, outcome: 'failed', reason })

/** An OAuth error code as a short token; anything else is not repeated. */

export async function handleAuthCallback(env: Env, config: Config, query: z.infer<typeof CallbackQuerySchema>): Promise<CallbackResult> {
	if (!query.state) return failedPage('invalid_request')
	let state: z.infer<typeof StatePayload>
	try {
		state = await openToken(config.DATA_ENCRYPTION_KEY, 'oauth-state', query.state, StatePayload)
	} catch (err) {
		// Not our state (forged, altered, truncated): nothing in it can be trusted to name a request.
		if (err instanceof TokenError) return failedPage('state_mismatch')
		throw err
	}
	// A legacy request completes through Apple's reply; its state never legitimately comes here.
	if (state.f !== 'auth2') return failedPage('state_mismatch')
	const base = { businessId: state.b, requestId: state.r }
	const stub = businessStub(env, state.b)
	const claim = await stub.claimHostedRequest(state.r, 'authenticate', { nonce: state.n, conversationId: state.c })
	switch (claim.status) {
		case 'unknown':
			return failedPage('expired')
		case 'mismatch':
			// Signed by us but not for this request's current attempt: fail the request, not just the page.
			await settleAuth(env, config, base, state.f, { reason: 'state_mismatch' })
			return failedPage('state_mismatch')
		case 'replayed':
			return failedPage('replayed')
		case 'expired':
			await settleAuth(env, config, base, state.f, { reason: 'expired' })
			return failedPage('expired')
		case 'claimed':
			break
	}
	// The row expires with the state (same instant), so a claimed request is within its time.
	const detail = AuthDetailSchema.parse(JSON.parse(claim.request.detailJson))
	try {
		return await completeCallback(env, config, base, detail, query)
	} catch (err) {
		// Claimed, so nobody else will finish it: fail it now rather than leave it to expire.
		log.error('auth callback failed after claim', { businessId: state.b, requestId: state.r, error: errorText(err) })
		await settleAuth(env, config, base, detail.flow, { reason: 'token_exchange_failed', detail: 'internal error' })
		return failedPage('token_exchange_failed')
	}
}

async function completeCallback(
	env: Env,
	config: Config,
	base: RequestRef,
	detail: AuthDetail,
	query: z.infer<typeof CallbackQuerySchema>,
): Promise<CallbackResult> {
	if (query.error || !query.code) {
		await settleAuth(env, config, base, detail.flow, { reason: 'idp_error', detail: query.error ? safeCode(query.error) : 'missing code' })
		return failedPage('idp_error')
	}
	const business = await loadBusiness(env, base.businessId)
	const auth = business?.settings.authentication
	if (!business || !auth) {
		await settleAuth(env, config, base, detail.flow, { reason: 'not_configured' })
		return failedPage('not_configured')
	}
	const clientSecret = await openSecret(config.DATA_ENCRYPTION_KEY, auth.clientSecretSealed, clientSecretAad(base.businessId))
	const token = await exchangeCode(config, auth, clientSecret, query.code, detail.redirectUri ?? '')
	if (!token.ok) {
		await settleAuth(env, config, base, detail.flow, { reason: 'token_exchange_failed', detail: token.detail })
		return failedPage('token_exchange_failed')
	}
	const outcome = await completeWithToken(env, config, base, detail, auth, token.token)
	return outcome.outcome === 'authenticated' ? { status: 200, outcome: 'authenticated', reason: null } : failedPage(outcome.reason)
}

// ---------------------------------------------------------------------------------------
// Settling.

interface RequestRef {
	businessId: string
	requestId: string
}

/** Settle a failed authentication. */
function settleAuth(
	env: Env,
	config: Config,
	ref: RequestRef,
	flow: AuthDetail['flow'],
	failure: { reason: FailureReason; detail?: string },
): Promise<unknown> {
	const outcome: AuthenticateOutcome = {
		kind: 'authenticate',
		requestId: ref.requestId,
		flow,
		outcome: 'failed',
		reason: failure.reason,
		detail: failure.detail ?? null,
		externalUserId: null,
	}
	return settleAndEmit(env, config, ref.businessId, outcome)
}

/** With an access token in hand (either flow): user-id lookup, then the outcome. */
async function completeWithToken(
	env: Env,
	config: Config,
	ref: RequestRef,
	detail: AuthDetail,
	auth: StoredAuthentication,
	token: AccessToken,
): Promise<AuthenticateOutcome> {
	let externalUserId: string | null = null
	if (auth.userIdUrl) {
		const user = await lookupUserId(config, auth.userIdUrl, token)
		if (!user.ok) {
			await settleAuth(env, config, ref, detail.flow, { reason: 'user_id_lookup_failed', detail: user.detail })
			return {
				kind: 'authenticate',
				requestId: ref.requestId,
				flow: detail.flow,
				outcome: 'failed',
				reason: 'user_id_lookup_failed',
				detail: user.detail,
				externalUserId: null,
			}
		}
		externalUserId = user.id
	}
	const outcome: AuthenticateOutcome = {
		kind: 'authenticate',
		requestId: ref.requestId,
		flow: detail.flow,
		outcome: 'authenticated',
		reason: null,
		detail: null,
		externalUserId,
		...(detail.returnToken
			? {
					accessToken: token.accessToken,
					...(token.tokenType ? { tokenType: token.tokenType } : {}),
					...(token.expiresIn !== undefined ? { expiresIn: token.expiresIn } : {}),
				}
			: {}),
		...(token.scope ? { scope: token.scope } : {}),
	}
	const settled = await settleAndEmit(env, config, ref.businessId, outcome)
	return settled.kind === 'authenticate' ? settled : outcome
}

// ---------------------------------------------------------------------------------------
// The device's reply (both flows), from Apple's POST /message.

const AuthenticateReplySchema = z.looseObject({
	status: z.string().max(64).optional(),
	token: z.string().max(65_536).optional(),
})

/**
 * `interactiveData.data.authenticate` of a reply to one of our requests. Legacy: decrypt
 * the token and complete. AUTH2: the redirect completes; a reply reporting failure before
 * that settles the request as failed. Returns whether the reply belongs to one of our
 * requests (its outcome event is then the business's news, not the raw reply).
 */
export async function settleAuthenticateReply(
	env: Env,
	config: Config,
	input: { businessId: string; conversationId: string; requestIdentifier: string; authenticate: unknown; pending?: HostedRequest | null },
): Promise<boolean> {
	const reply = AuthenticateReplySchema.safeParse(input.authenticate)
	const ok = reply.success && reply.data.status?.toLowerCase() === 'authenticated'
	const stub = businessStub(env, input.businessId)
	const pending = input.pending ?? (await stub.hostedRequest(input.requestIdentifier))
	if (!pending || pending.kind !== 'authenticate' || pending.conversationId !== input.conversationId) return false
	const detail = AuthDetailSchema.parse(JSON.parse(pending.detailJson))
	if (detail.flow === 'auth2' && ok) return true
	const claim = await stub.claimHostedRequest(input.requestIdentifier, 'authenticate', { conversationId: input.conversationId })
	const ref = { businessId: input.businessId, requestId: input.requestIdentifier }
	if (claim.status === 'expired') {
		await settleAuth(env, config, ref, detail.flow, { reason: 'expired' })
		return true
	}
	if (claim.status !== 'claimed') return true
	if (!ok || !reply.success || !reply.data.token) {
		await settleAuth(env, config, ref, detail.flow, {
			reason: 'device_reported_failure',
			detail: reply.success && reply.data.status ? safeCode(reply.data.status) : 'no token',
		})
		return true
	}
	let accessToken: string
	try {
		if (!claim.secret) throw new Error('no private key stored')
		const jwk = JSON.parse(await openSecret(config.DATA_ENCRYPTION_KEY, claim.secret, privateKeyAad(input.requestIdentifier))) as JsonWebKey
		accessToken = await decryptAuthToken(jwk, reply.data.token)
	} catch (err) {
		await settleAuth(env, config, ref, detail.flow, { reason: 'decryption_failed', detail: err instanceof AuthTokenDecryptError ? err.reason : 'private_key' })
		return true
	}
	const business = await loadBusiness(env, input.businessId)
	const auth = business?.settings.authentication
	if (!auth) {
		await settleAuth(env, config, ref, detail.flow, { reason: 'not_configured' })
		return true
	}
	await completeWithToken(env, config, ref, detail, auth, { accessToken })
	return true
}
