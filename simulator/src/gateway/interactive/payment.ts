/**
 * Apple Pay (docs/apple-interactive.md §5.5): `data.payment` with `paymentRequest`
 * (`applePay.merchantIdentifier`, `supportedNetworks`, `merchantCapabilities`, `countryCode`,
 * `currencyCode`, `total`, amounts as decimal STRINGS), the opaque `merchantSession` obtained
 * from the payment-session endpoint, and `endpoints.paymentGatewayUrl` (required), which must
 * equal the session's `initiativeContext` ("payment gateway url mismatch", CW-FORK).
 */
import { z } from 'zod'
import { fail } from '../../lib/rejection'
import type { GatewayLookups } from '../lookups'
import { parseRule } from '../zod-check'
import { nonEmptyString } from './common'

const amount = z.string({ error: 'amounts are decimal strings, e.g. "1.50"' }).regex(/^-?\d+(\.\d+)?$/, 'amounts are decimal strings, e.g. "1.50"')
const LineItem = z.object({ label: nonEmptyString, amount, type: z.enum(['final', 'pending']).optional() })
const url = z.url()

const Payment = z.object({
	paymentRequest: z.object({
		applePay: z.object({
			merchantIdentifier: nonEmptyString,
			supportedNetworks: z.array(nonEmptyString).min(1),
			merchantCapabilities: z.array(nonEmptyString).min(1),
		}),
		countryCode: z.string().regex(/^[A-Z]{2}$/, 'countryCode is an ISO 3166 alpha-2 code'),
		currencyCode: z.string().regex(/^[A-Z]{3}$/, 'currencyCode is an ISO 4217 code'),
		total: LineItem,
		lineItems: z.array(LineItem).optional(),
		shippingMethods: z.array(z.object({ label: nonEmptyString, amount, identifier: nonEmptyString, detail: z.string().optional() })).optional(),
		requiredBillingContactFields: z.array(z.string()).optional(),
		requiredShippingContactFields: z.array(z.string()).optional(),
	}),
	merchantSession: z.record(z.string(), z.unknown(), { error: 'merchantSession (from the payment-session endpoint) is required' }),
	endpoints: z.object({
		paymentGatewayUrl: url,
		fallbackUrl: url.optional(),
		orderTrackingUrl: url.optional(),
		paymentMethodUpdateUrl: url.optional(),
		shippingContactUpdateUrl: url.optional(),
		shippingMethodUpdateUrl: url.optional(),
	}),
})

export async function checkPayment(value: unknown, lookups: GatewayLookups): Promise<void> {
	const p = parseRule(Payment, value, 'payment_schema', 'interactiveData.data.payment')
	const sessionId = p.merchantSession.merchantSessionIdentifier
	const session = typeof sessionId === 'string' ? await lookups.getMerchantSession(sessionId) : null
	if (!session) {
		fail(400, 'payment_merchant_session_unknown', 'merchantSession is not a session issued by the Apple Pay payment-session endpoint')
	}
	if (session?.initiativeContext !== p.endpoints.paymentGatewayUrl) {
		fail(400, 'payment_gateway_url_mismatch', 'payment gateway url mismatch: endpoints.paymentGatewayUrl must equal the session initiativeContext')
	}
}
