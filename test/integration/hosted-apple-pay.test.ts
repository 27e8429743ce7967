/**
 * Apple Pay (docs/apple-interactive.md §5.5): the merchant session from a fake Apple Pay
 * gateway (`applepay.test`), the payment gateway and update callbacks relayed to the
 * business (`shop.localhost`) with Standard Webhooks signatures, answered in Apple's format.
 */
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { businessStub } from '../../src/business/directory'
import type { BusinessRecord } from '../../src/business/schema'
import { beginApplePay } from '../../src/hosted/apple-pay'
import { openOutcome, type ApplePayOutcome } from '../../src/hosted/outcome'
import { settleAppleReply } from '../../src/hosted/replies'
import { createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'
import { config, env, fakeConversationId, hostedFetch, ORIGIN } from '../helpers/hosted'

const PAY_GATEWAY = 'http://applepay.test'
const APPLE_PAY = {
	merchantIdentifier: 'merchant.com.example.shop',
	displayName: 'Example Shop',
	domainName: 'shop.example.com',
	countryCode: 'US',
	currencyCode: 'USD',
	supportedNetworks: ['visa', 'masterCard'],
	merchantCapabilities: ['supports3DS'],
}
const SESSION = {
	epochTimestamp: 1,
	expiresAt: 2,
	merchantSessionIdentifier: 'SSH1',
	nonce: 'n0',
	merchantIdentifier: 'ABCDEF',
	signature: 'sig',
	nested: { keep: [1, 'two'] },
}

let hooks: WebhookReceiver
let sessionRequests: Record<string, unknown>[]
let sessionAnswer: () => Response
/** Relayed calls the business received, and its programmable answer. */
let relayed: { headers: Record<string, string>; body: string }[]
let businessAnswer: (type: string) => Response

beforeEach(() => {
	hooks = new WebhookReceiver().install()
	sessionRequests = []
	relayed = []
	sessionAnswer = () => Response.json(SESSION)
	businessAnswer = (type) => (type === 'applepay.payment_authorized' ? Response.json({ status: 'success' }) : Response.json({}))
	hooks.on(
		`${PAY_GATEWAY}/paymentservices/paymentSession`,
		(_req, body) => {
			sessionRequests.push(JSON.parse(body) as Record<string, unknown>)
			return sessionAnswer()
		},
		false,
	)
	hooks.on(
		'http://shop.localhost/hook',
		(req, body) => {
			relayed.push({ headers: Object.fromEntries(req.headers), body })
			return businessAnswer((JSON.parse(body) as { type: string }).type)
		},
		false,
	)
})
afterEach(() => hooks.restore())

const payConfig = () => config({ APPLE_PAY_GATEWAY_URL: PAY_GATEWAY })

async function setup() {
	const biz = await createBusiness({ webhookUrl: 'http://shop.localhost/hook', applePay: APPLE_PAY })
	const record = (await businessStub(env, biz.businessId).get()) as BusinessRecord
	const requestIdentifier = crypto.randomUUID()
	const conversationId = fakeConversationId()
	const ctx = await beginApplePay(env, payConfig(), { business: record, conversationId, customerId: 'urn:mbid:payer', requestIdentifier, origin: ORIGIN })
	return { biz, record, ctx, requestIdentifier, conversationId }
}

const path = (url: string) => url.slice(ORIGIN.length)
const post = (url: string, body: unknown) =>
	hostedFetch(path(url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

const PAYMENT = {
	paymentToken: {
		paymentMethod: { displayName: 'Visa 0492', network: 'Visa', type: 'credit' },
		paymentData: { version: 'EC_v1', data: 'ZGF0YQ==', signature: 'c2ln', header: {} },
		transactionIdentifier: 'TX-1',
	},
}

async function outcomeOf(businessId: string, requestId: string): Promise<ApplePayOutcome> {
	const row = await businessStub(env, businessId).hostedRequest(requestId)
	expect(row?.status).toBe('settled')
	return (await openOutcome(config().DATA_ENCRYPTION_KEY, row!)) as ApplePayOutcome
}

describe('merchant session', () => {
	it('is requested with initiative messaging and our gateway URL, and passed on verbatim', async () => {
		const { ctx } = await setup()
		expect(sessionRequests).toEqual([
			{
				merchantIdentifier: 'merchant.com.example.shop',
				domainName: 'shop.example.com',
				displayName: 'Example Shop',
				initiative: 'messaging',
				initiativeContext: ctx.endpoints.paymentGatewayUrl,
			},
		])
		expect(ctx.merchantSession).toEqual(SESSION)
		expect(ctx.endpoints.paymentGatewayUrl).toMatch(/^https:\/\/msp\.test\/hosted\/pay\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}\/paymentGateway$/)
		for (const k of ['shippingMethodUpdateUrl', 'shippingContactUpdateUrl', 'paymentMethodUpdateUrl'] as const) {
			expect(ctx.endpoints[k]).toBe(ctx.endpoints.paymentGatewayUrl.replace(/paymentGateway$/, k.replace(/Url$/, '')))
		}
		expect(ctx).toMatchObject({
			merchantIdentifier: APPLE_PAY.merchantIdentifier,
			countryCode: 'US',
			currencyCode: 'USD',
			supportedNetworks: ['visa', 'masterCard'],
		})
	})

	it('a failing Apple Pay gateway is a 502, and no request is remembered', async () => {
		sessionAnswer = () => new Response('nope', { status: 500 })
		const biz = await createBusiness({ webhookUrl: 'http://shop.localhost/hook', applePay: APPLE_PAY })
		const record = (await businessStub(env, biz.businessId).get()) as BusinessRecord
		const requestIdentifier = crypto.randomUUID()
		await expect(
			beginApplePay(env, payConfig(), { business: record, conversationId: fakeConversationId(), customerId: 'c', requestIdentifier, origin: ORIGIN }),
		).rejects.toMatchObject({ status: 502, code: 'apple_pay_unavailable' })
		expect(await businessStub(env, biz.businessId).hostedRequest(requestIdentifier)).toBeNull()
	})

	it('production without the merchant certificate binding fails closed', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://shop.localhost/hook', applePay: APPLE_PAY })
		const record = (await businessStub(env, biz.businessId).get()) as BusinessRecord
		await expect(
			beginApplePay(env, config({ APPLE_PAY_GATEWAY_URL: PAY_GATEWAY, ENVIRONMENT: 'production' }), {
				business: record,
				conversationId: fakeConversationId(),
				customerId: 'c',
				requestIdentifier: crypto.randomUUID(),
				origin: ORIGIN,
			}),
		).rejects.toMatchObject({ status: 500, code: 'misconfigured' })
		expect(sessionRequests).toEqual([])
	})

	it('a business without Apple Pay settings cannot send a payment request', async () => {
		const biz = await createBusiness()
		const record = (await businessStub(env, biz.businessId).get()) as BusinessRecord
		await expect(
			beginApplePay(env, payConfig(), { business: record, conversationId: fakeConversationId(), customerId: 'c', requestIdentifier: 'r', origin: ORIGIN }),
		).rejects.toMatchObject({ status: 422 })
	})
})

describe('payment gateway callback', () => {
	it('relays the payment signed like a webhook and answers STATUS_SUCCESS; the outcome is success', async () => {
		const { biz, ctx, requestIdentifier, conversationId } = await setup()
		const res = await post(ctx.endpoints.paymentGatewayUrl, { requestIdentifier, payment: PAYMENT, version: 1 })
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ status: 'STATUS_SUCCESS' })
		expect(relayed).toHaveLength(1)
		const verified = new Webhook(biz.webhookSecret).verify(relayed[0]!.body, relayed[0]!.headers) as { type: string; data: Record<string, unknown> }
		expect(verified.type).toBe('applepay.payment_authorized')
		expect(verified.data).toEqual({ businessId: biz.businessId, conversationId, customerId: 'urn:mbid:payer', requestId: requestIdentifier, payment: PAYMENT })
		expect(await outcomeOf(biz.businessId, requestIdentifier)).toEqual({
			kind: 'applePay',
			requestId: requestIdentifier,
			outcome: 'success',
			reason: null,
			detail: null,
			paymentMethod: { displayName: 'Visa 0492', network: 'Visa', type: 'credit' },
			transactionIdentifier: 'TX-1',
			appleStatus: 'STATUS_SUCCESS',
		})
	})

	it('a repeated gateway call gets the same answer without a second relay', async () => {
		const { ctx, requestIdentifier } = await setup()
		await post(ctx.endpoints.paymentGatewayUrl, { requestIdentifier, payment: PAYMENT })
		const again = await post(ctx.endpoints.paymentGatewayUrl, { requestIdentifier, payment: PAYMENT })
		expect(await again.json()).toEqual({ status: 'STATUS_SUCCESS' })
		expect(relayed).toHaveLength(1)
	})

	it('a declining business → STATUS_FAILURE with its errors; an unreachable one → STATUS_FAILURE', async () => {
		businessAnswer = () =>
			Response.json({ status: 'failure', errors: [{ code: 'shippingContactInvalid', contactField: 'postalCode', message: 'We do not ship there' }] })
		const declined = await setup()
		const res = await post(declined.ctx.endpoints.paymentGatewayUrl, { requestIdentifier: declined.requestIdentifier, payment: PAYMENT })
		expect(await res.json()).toEqual({
			status: 'STATUS_FAILURE',
			errors: [{ code: 'shippingContactInvalid', contactField: 'postalCode', message: 'We do not ship there' }],
		})
		expect(await outcomeOf(declined.biz.businessId, declined.requestIdentifier)).toMatchObject({ outcome: 'failure', reason: 'business_declined' })

		businessAnswer = () => new Response('internal secrets', { status: 500 })
		const down = await setup()
		const res2 = await post(down.ctx.endpoints.paymentGatewayUrl, { requestIdentifier: down.requestIdentifier, payment: PAYMENT })
		expect(await res2.json()).toEqual({ status: 'STATUS_FAILURE' })
		const o = await outcomeOf(down.biz.businessId, down.requestIdentifier)
		expect(o).toMatchObject({ outcome: 'failure', reason: 'business_unreachable', detail: 'endpoint answered 500' })
		expect(JSON.stringify(o)).not.toContain('internal secrets')
	})

	it('refuses a callback naming another request, an altered path token, or an unknown endpoint', async () => {
		const { ctx, requestIdentifier } = await setup()
		const wrongRequest = await post(ctx.endpoints.paymentGatewayUrl, { requestIdentifier: crypto.randomUUID(), payment: PAYMENT })
		expect(wrongRequest.status).toBe(403)
		const tampered = ctx.endpoints.paymentGatewayUrl.replace(
			/(\/hosted\/pay\/[^./]+\.)([A-Za-z0-9_-])/,
			(_m, head: string, ch: string) => `${head}${ch === 'A' ? 'B' : 'A'}`,
		)
		expect(tampered).not.toBe(ctx.endpoints.paymentGatewayUrl)
		expect((await post(tampered, { requestIdentifier, payment: PAYMENT })).status).toBe(404)
		expect((await post(ctx.endpoints.paymentGatewayUrl.replace(/paymentGateway$/, 'orderTracking'), { requestIdentifier })).status).toBe(404)
		expect((await post(ctx.endpoints.paymentGatewayUrl, { payment: PAYMENT })).status).toBe(400)
		expect(relayed).toEqual([])
	})

	it('a path token of another business request does not open this one', async () => {
		const a = await setup()
		const b = await setup()
		const res = await post(a.ctx.endpoints.paymentGatewayUrl, { requestIdentifier: b.requestIdentifier, payment: PAYMENT })
		expect(res.status).toBe(403)
		expect(relayed).toEqual([])
	})
})

describe('update callbacks', () => {
	it('shipping method change: the business answers new line items and total, passed to Apple', async () => {
		businessAnswer = () =>
			Response.json({ newTotal: { label: 'Total', amount: '12.50', type: 'final' }, newLineItems: [{ label: 'Express', amount: '2.50' }], ignored: 'x' })
		const { biz, ctx, requestIdentifier } = await setup()
		const res = await post(ctx.endpoints.shippingMethodUpdateUrl!, {
			requestIdentifier,
			payment: { shippingMethod: { label: 'Express', amount: '2.50', identifier: 'express', detail: 'Tomorrow' } },
			version: 1,
		})
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ newTotal: { label: 'Total', amount: '12.50', type: 'final' }, newLineItems: [{ label: 'Express', amount: '2.50' }] })
		const verified = new Webhook(biz.webhookSecret).verify(relayed[0]!.body, relayed[0]!.headers) as { type: string }
		expect(verified.type).toBe('applepay.shipping_method_changed')
		// An update does not settle the request.
		expect((await businessStub(env, biz.businessId).hostedRequest(requestIdentifier))?.status).toBe('pending')
	})

	it('an unusable business answer means "no change": {}', async () => {
		businessAnswer = () => Response.json({ newTotal: { label: 'Total', amount: 'twelve' } })
		const { ctx, requestIdentifier } = await setup()
		for (const url of [ctx.endpoints.shippingContactUpdateUrl!, ctx.endpoints.paymentMethodUpdateUrl!]) {
			const res = await post(url, { requestIdentifier, payment: { paymentMethod: { type: 'debit' } } })
			expect(await res.json()).toEqual({})
		}
		expect(relayed.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['applepay.shipping_contact_changed', 'applepay.payment_method_changed'])
	})

	it('after the payment, updates are refused', async () => {
		const { ctx, requestIdentifier } = await setup()
		await post(ctx.endpoints.paymentGatewayUrl, { requestIdentifier, payment: PAYMENT })
		expect((await post(ctx.endpoints.shippingMethodUpdateUrl!, { requestIdentifier, payment: {} })).status).toBe(409)
	})
})

describe('device reply', () => {
	it('a failure reply before any gateway call settles the request as failed; after the gateway it changes nothing', async () => {
		const open = await setup()
		const reply = (s: { businessId: string; conversationId: string; requestIdentifier: string }, status: string) =>
			settleAppleReply(env, config(), {
				businessId: s.businessId,
				conversationId: s.conversationId,
				data: { requestIdentifier: s.requestIdentifier, payment: { status } },
			})
		expect(await reply({ businessId: open.biz.businessId, ...open }, 'STATUS_FAILURE')).toBe(true)
		expect(await outcomeOf(open.biz.businessId, open.requestIdentifier)).toMatchObject({
			outcome: 'failure',
			reason: 'device_reported_failure',
			detail: 'STATUS_FAILURE',
		})

		const paid = await setup()
		await post(paid.ctx.endpoints.paymentGatewayUrl, { requestIdentifier: paid.requestIdentifier, payment: PAYMENT })
		expect(await reply({ businessId: paid.biz.businessId, ...paid }, 'STATUS_SUCCESS')).toBe(true)
		expect((await outcomeOf(paid.biz.businessId, paid.requestIdentifier)).outcome).toBe('success')
	})
})
