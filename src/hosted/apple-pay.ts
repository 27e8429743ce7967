/**
 * Apple Pay in Messages (docs/apple-interactive.md §5.5).
 *
 * Before the payment request is sent: a fresh merchant session from Apple Pay
 * (`POST {APPLE_PAY_GATEWAY_URL}/paymentservices/paymentSession`, mutual TLS with the
 * merchant identity certificate through a Workers mTLS binding, `initiative: messaging`,
 * `initiativeContext` = exactly our payment gateway URL), placed verbatim in
 * `merchantSession`. Our endpoints carry an unguessable, signed per-request path token;
 * a callback must also name the same `requestIdentifier`, else it is refused.
 *
 * Callbacks are relayed to the business synchronously (signed like webhooks, short
 * timeout, relay.ts) and answered in Apple's format: the gateway with
 * `{"status":"STATUS_SUCCESS"|"STATUS_FAILURE"}` (failure name [U], Apple Pay JS
 * convention), updates with `{newTotal, newLineItems, newShippingMethods}` or `{}` for "no
 * change" (A-PY/15). The gateway's result is the request's outcome (interactive.received,
 * kind applePay); a repeated gateway call gets the same answer without a second relay.
 */
import { z } from 'zod'
import type { ApplePayContext } from '../apple/outbound'
import { businessStub, loadBusiness } from '../business/directory'
import { chooseRoute } from '../business/routing'
import type { BusinessRecord } from '../business/schema'
import { conversationById } from '../conversation/directory'
import type { Config, Env } from '../context'
import { randomToken } from '../lib/crypto'
import { AppError, unprocessable } from '../lib/errors'
import { readBodyCapped } from '../lib/safe-fetch'
import { openOutcome, type ApplePayOutcome, type FailureReason } from './outcome'
import { relayToBusiness } from './relay'
import { settleAndEmit } from './settle'
import { nowSeconds, signToken, TokenError, verifyToken } from './tokens'

/** The payment sheet may be opened a while after the message arrives. */
export const PAY_REQUEST_TTL_MS = 60 * 60_000
export const PAY_CALLBACK_BASE = '/hosted/pay'
/** Name of the mTLS certificate binding holding the merchant identity certificate (wrangler.toml `[[mtls_certificates]]`). */
export const MERCHANT_CERT_BINDING = 'APPLE_PAY_MERCHANT_CERT'
const SESSION_TIMEOUT_MS = 10_000
const SESSION_MAX_BYTES = 64 * 1024

export const PAY_ENDPOINTS = ['paymentGateway', 'shippingMethodUpdate', 'shippingContactUpdate', 'paymentMethodUpdate'] as const
export type PayEndpoint = (typeof PAY_ENDPOINTS)[number]

/** Event types of the synchronous relay (the business answers in the response body). */
export const RELAY_TYPES: Record<PayEndpoint, string> = {
	paymentGateway: 'applepay.payment_authorized',
	shippingMethodUpdate: 'applepay.shipping_method_changed',
	shippingContactUpdate: 'applepay.shipping_contact_changed',
	paymentMethodUpdate: 'applepay.payment_method_changed',
}

const PayToken = z.object({
	v: z.literal(1),
	b: z.string().min(1).max(128),
	r: z.string().min(1).max(128),
	n: z.string().min(16).max(64),
	exp: z.number().int(),
})

export interface BeginApplePayInput {
	business: BusinessRecord
	conversationId: string
	customerId: string
	requestIdentifier: string
	/** This deployment's public origin: the base of the gateway and update URLs. */
	origin: string
	now?: number
}

/**
 * The merchant half of an `applePay` message (render-parts.ts ApplePayContext) and the
 * remembered request. Throws 422 when Apple Pay is not configured, 502 when Apple Pay's
 * session endpoint fails, 500 `misconfigured` in production without the certificate.
 */
export async function beginApplePay(env: Env, config: Config, input: BeginApplePayInput): Promise<ApplePayContext> {
	const pay = input.business.settings.applePay
	if (!pay) throw unprocessable('Apple Pay is not configured for this business', [{ path: 'message.type', message: 'set Apple Pay in the channel settings' }])
	if (new TextEncoder().encode(pay.displayName).byteLength > 64) {
		throw unprocessable('Apple Pay displayName is longer than 64 UTF-8 bytes', [{ path: 'applePay.displayName', message: 'at most 64 UTF-8 bytes (§5.5)' }])
	}
	const businessId = input.business.settings.businessId
	const now = input.now ?? Date.now()
	const nonce = randomToken(24)
	const exp = nowSeconds(now + PAY_REQUEST_TTL_MS)
	const token = await signToken(config.DATA_ENCRYPTION_KEY, 'pay-callback', { v: 1, b: businessId, r: input.requestIdentifier, n: nonce, exp })
	const base = `${input.origin}${PAY_CALLBACK_BASE}/${token}`
	const endpoints = {
		paymentGatewayUrl: `${base}/paymentGateway`,
		shippingMethodUpdateUrl: `${base}/shippingMethodUpdate`,
		shippingContactUpdateUrl: `${base}/shippingContactUpdate`,
		paymentMethodUpdateUrl: `${base}/paymentMethodUpdate`,
	}
	// Session first: a request is remembered only once it can actually be sent.
	const merchantSession = await requestMerchantSession(env, config, {
		merchantIdentifier: pay.merchantIdentifier,
		domainName: pay.domainName,
		displayName: pay.displayName,
		initiative: 'messaging',
		initiativeContext: endpoints.paymentGatewayUrl,
	})
	const stored = await businessStub(env, businessId).putHostedRequest({
		requestId: input.requestIdentifier,
		kind: 'applePay',
		conversationId: input.conversationId,
		customerId: input.customerId,
		nonce,
		detailJson: JSON.stringify({ gatewayUrl: endpoints.paymentGatewayUrl }),
		secret: null,
		expiresAt: exp * 1000,
	})
	if (!stored) throw new Error(`Apple Pay request ${input.requestIdentifier} already exists`)
	return {
		merchantIdentifier: pay.merchantIdentifier,
		supportedNetworks: pay.supportedNetworks,
		merchantCapabilities: pay.merchantCapabilities,
		countryCode: pay.countryCode,
		currencyCode: pay.currencyCode,
		merchantSession,
		endpoints,
	}
}

export interface MerchantSessionRequest {
	merchantIdentifier: string
	domainName: string
	displayName: string
	initiative: 'messaging'
	initiativeContext: string
}

function isFetcher(x: unknown): x is Fetcher {
	return typeof x === 'object' && x !== null && typeof (x as { fetch?: unknown }).fetch === 'function'
}

/**
 * The mTLS binding presents the merchant identity certificate. Without it only development
 * may go on (the simulator ignores client certificates); production fails closed.
 */
function merchantFetch(env: Env, config: Config): (req: Request) => Promise<Response> {
	const binding = (env as unknown as Record<string, unknown>)[MERCHANT_CERT_BINDING]
	if (isFetcher(binding)) return (req) => binding.fetch(req)
	if (config.ENVIRONMENT === 'development') return (req) => fetch(req)
	throw new AppError(500, 'misconfigured', `Apple Pay needs the merchant identity certificate binding ${MERCHANT_CERT_BINDING}`)
}

const MerchantSessionSchema = z.record(z.string(), z.unknown())

export async function requestMerchantSession(env: Env, config: Config, body: MerchantSessionRequest): Promise<Record<string, unknown>> {
	const doFetch = merchantFetch(env, config)
	const url = new URL('/paymentservices/paymentSession', config.APPLE_PAY_GATEWAY_URL)
	const unavailable = (why: string) => new AppError(502, 'apple_pay_unavailable', `Apple Pay merchant session request failed: ${why}`)
	let res: Response
	try {
		res = await doFetch(
			new Request(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				redirect: 'manual',
				signal: AbortSignal.timeout(SESSION_TIMEOUT_MS),
			}),
		)
	} catch (err) {
		throw unavailable(err instanceof Error ? err.name : 'network error')
	}
	if (res.status < 200 || res.status >= 300) {
		await res.body?.cancel()
		throw unavailable(`status ${res.status}`)
	}
	let json: unknown
	try {
		json = JSON.parse(new TextDecoder().decode(await readBodyCapped(res, SESSION_MAX_BYTES)))
	} catch {
		throw unavailable('response is not JSON')
	}
	const parsed = MerchantSessionSchema.safeParse(json)
	if (!parsed.success || Array.isArray(json)) throw unavailable('response is not a JSON object')
	// Verbatim: Apple verifies the signed session on the device (§5.5).
	return parsed.data
}

// ---------------------------------------------------------------------------------------
// Callbacks.

const CallbackBodySchema = z.looseObject({
	requestIdentifier: z.string().min(1).max(128),
	payment: z.record(z.string(), z.unknown()).optional(),
})

const Amount = z.string().regex(/^-?\d+(\.\d+)?$/)
const PaymentItem = z.object({ label: z.string().min(1).max(256), amount: Amount, type: z.enum(['final', 'pending']).optional() })
const ShippingMethod = PaymentItem.extend({ identifier: z.string().min(1).max(256), detail: z.string().max(256).optional() })
/** Apple Pay errors (ApplePayError in Apple Pay JS): code, contactField, message. */
const PayError = z.object({ code: z.string().max(64), contactField: z.string().max(64).optional(), message: z.string().max(256).optional() })

export const GatewayAnswerSchema = z.object({
	status: z.enum(['success', 'failure', 'STATUS_SUCCESS', 'STATUS_FAILURE']),
	errors: z.array(PayError).max(10).optional(),
})

export const UpdateAnswerSchema = z.object({
	newTotal: PaymentItem.optional(),
	newLineItems: z.array(PaymentItem).max(100).optional(),
	newShippingMethods: z.array(ShippingMethod).max(50).optional(),
	errors: z.array(PayError).max(10).optional(),
})

export interface CallbackAnswer {
	status: number
	json: Record<string, unknown>
}

const refused = (status: number, message: string): CallbackAnswer => ({ status, json: { error: { code: 'refused', message } } })

const PaymentMethodSchema = z.looseObject({
	displayName: z.string().max(256).optional(),
	network: z.string().max(64).optional(),
	type: z.string().max(64).optional(),
})
const PaymentTokenView = z.looseObject({
	paymentToken: z.looseObject({ paymentMethod: PaymentMethodSchema.optional(), transactionIdentifier: z.string().max(256).optional() }).optional(),
})

/** Where the business is reached: the conversation's route (intent/group), else the default URL. */
async function relayUrl(env: Env, business: BusinessRecord, conversationId: string): Promise<string> {
	const state = await conversationById(env, conversationId)
		?.state()
		.catch(() => null)
	return chooseRoute(business.settings, { intent: state?.intent ?? null, group: state?.group ?? null }).webhookUrl
}

export async function handlePayCallback(env: Env, config: Config, token: string, endpoint: PayEndpoint, body: unknown): Promise<CallbackAnswer> {
	let claims: z.infer<typeof PayToken>
	try {
		claims = await verifyToken(config.DATA_ENCRYPTION_KEY, 'pay-callback', token, PayToken)
	} catch (err) {
		if (err instanceof TokenError) return refused(404, 'unknown payment request')
		throw err
	}
	const parsed = CallbackBodySchema.safeParse(body)
	if (!parsed.success) return refused(400, 'body must name the requestIdentifier')
	// The path token and the body must name the same request.
	if (parsed.data.requestIdentifier !== claims.r) return refused(403, 'requestIdentifier does not match this payment request')
	const stub = businessStub(env, claims.b)
	const row = await stub.hostedRequest(claims.r)
	if (!row || row.kind !== 'applePay' || row.nonce !== claims.n) return refused(404, 'unknown payment request')
	const business = await loadBusiness(env, claims.b)
	if (!business) return refused(404, 'unknown payment request')
	const data = { conversationId: row.conversationId, customerId: row.customerId, requestId: row.requestId, payment: parsed.data.payment ?? null }

	if (endpoint !== 'paymentGateway') {
		if (row.status !== 'pending' || row.expiresAt <= Date.now()) return refused(409, 'payment request is no longer open')
		const relayed = await relayToBusiness(config, business, await relayUrl(env, business, row.conversationId), RELAY_TYPES[endpoint], data)
		const answer = relayed.ok ? UpdateAnswerSchema.safeParse(relayed.json ?? {}) : null
		// No usable answer means "no change" for Apple (A-PY/15 `{}`), so the sheet stays usable.
		return { status: 200, json: answer?.success ? stripUndefined(answer.data) : {} }
	}

	if (row.status === 'settled') {
		const previous = await openOutcome(config.DATA_ENCRYPTION_KEY, row).catch(() => null)
		const status = previous?.kind === 'applePay' && previous.appleStatus ? previous.appleStatus : 'STATUS_FAILURE'
		return { status: 200, json: { status } }
	}
	const claim = await stub.claimHostedRequest(claims.r, 'applePay', { nonce: claims.n })
	if (claim.status === 'replayed') return { status: 409, json: { status: 'STATUS_FAILURE' } }
	if (claim.status === 'unknown' || claim.status === 'mismatch') return refused(404, 'unknown payment request')
	const tokenView = PaymentTokenView.safeParse(parsed.data.payment ?? {})
	const method = tokenView.success ? (tokenView.data.paymentToken?.paymentMethod ?? null) : null
	const transactionIdentifier = tokenView.success ? (tokenView.data.paymentToken?.transactionIdentifier ?? null) : null
	const settle = (outcome: 'success' | 'failure', reason: FailureReason | null, detail: string | null) =>
		settleAndEmit(env, config, claims.b, {
			kind: 'applePay',
			requestId: claims.r,
			outcome,
			reason,
			detail,
			paymentMethod: method ? { ...pick(method, ['displayName', 'network', 'type']) } : null,
			transactionIdentifier,
			appleStatus: outcome === 'success' ? 'STATUS_SUCCESS' : 'STATUS_FAILURE',
		} satisfies ApplePayOutcome)
	if (claim.status === 'expired') {
		await settle('failure', 'expired', null)
		return { status: 200, json: { status: 'STATUS_FAILURE' } }
	}
	const relayed = await relayToBusiness(config, business, await relayUrl(env, business, row.conversationId), RELAY_TYPES.paymentGateway, data)
	const answer = relayed.ok ? GatewayAnswerSchema.safeParse(relayed.json) : null
	if (!relayed.ok || !answer?.success) {
		await settle('failure', 'business_unreachable', relayed.ok ? 'invalid answer' : relayed.error)
		return { status: 200, json: { status: 'STATUS_FAILURE' } }
	}
	const approved = answer.data.status === 'success' || answer.data.status === 'STATUS_SUCCESS'
	const settled = await settle(approved ? 'success' : 'failure', approved ? null : 'business_declined', null)
	const status = settled.kind === 'applePay' && settled.appleStatus ? settled.appleStatus : 'STATUS_FAILURE'
	return { status: 200, json: { status, ...(status === 'STATUS_FAILURE' && answer.data.errors ? { errors: answer.data.errors } : {}) } }
}

// ---------------------------------------------------------------------------------------
// The device's reply, from Apple's POST /message.

const PaymentReplySchema = z.looseObject({ status: z.string().max(64).optional() })

/**
 * `interactiveData.data.payment` of a reply to one of our requests: the gateway call
 * settles the request; a reply while it is still open (the customer cancelled, or the
 * sheet failed before authorising) settles it as a failure. Returns whether the reply
 * belongs to one of our requests.
 */
export async function settleApplePayReply(
	env: Env,
	config: Config,
	input: { businessId: string; conversationId: string; requestIdentifier: string; payment: unknown },
): Promise<boolean> {
	const stub = businessStub(env, input.businessId)
	const claim = await stub.claimHostedRequest(input.requestIdentifier, 'applePay', { conversationId: input.conversationId })
	if (claim.status === 'unknown' || claim.status === 'mismatch') return false
	// Already claimed by the gateway call, which settles it.
	if (claim.status === 'replayed') return true
	const reply = PaymentReplySchema.safeParse(input.payment)
	const status = reply.success && reply.data.status && /^[A-Za-z0-9_]{1,64}$/.test(reply.data.status) ? reply.data.status : 'unspecified'
	await settleAndEmit(env, config, input.businessId, {
		kind: 'applePay',
		requestId: input.requestIdentifier,
		outcome: 'failure',
		reason: claim.status === 'expired' ? 'expired' : 'device_reported_failure',
		detail: status === 'STATUS_SUCCESS' ? 'payment gateway was not called' : status,
		paymentMethod: null,
		transactionIdentifier: null,
		appleStatus: null,
	})
	return true
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
	const out: Partial<Pick<T, K>> = {}
	for (const k of keys) if (o[k] !== undefined) out[k] = o[k]
	return out
}

function stripUndefined<T extends object>(o: T): Record<string, unknown> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}
