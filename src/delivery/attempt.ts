/**
 * One delivery attempt of one event to the business's webhook endpoint (docs/webhooks.md):
 * Standard Webhooks signature with every active secret, the event id as a stable
 * `webhook-id`, a timeout, manual redirects (a 3xx is a failure), 2xx alone is success, 410
 * disables the endpoint. The caller (the conversation's courier) decides what happens next.
 */
import { getConfig, type Env } from '../context'
import { loadBusiness } from '../business/directory'
import { chooseRoute } from '../business/routing'
import { activeWebhookSecrets } from '../business/webhook-secrets'
import { safeFetch } from '../lib/safe-fetch'
import { UnsafeUrlError } from '../lib/safe-url'
import { parseRetryAfter } from './backoff'
import type { WebhookEvent } from './queue-messages'
import { webhookHeaders } from './sign'
import { errorText } from '../lib/log'

export const ATTEMPT_TIMEOUT_MS = 15_000

export type AttemptOutcome =
	| { kind: 'delivered'; status: number; url: string }
	| { kind: 'retry'; status: number | null; error: string; retryAfter: number | null; url: string }
	| { kind: 'dead'; status: number | null; error: string; url: string; disable?: boolean }
	| { kind: 'drop'; reason: string }

export interface AttemptInput {
	businessId: string
	route: { intent: string | null; group: string | null }
	eventId: string
	event: WebhookEvent
}

export async function attemptDelivery(env: Env, input: AttemptInput): Promise<AttemptOutcome> {
	const config = getConfig(env)
	const business = await loadBusiness(env, input.businessId)
	if (!business) return { kind: 'drop', reason: 'business no longer exists' }
	const { webhookUrl: url } = chooseRoute(business.settings, input.route)
	if (business.disabledEndpoints.includes(url)) {
		return { kind: 'dead', status: null, error: 'endpoint disabled after 410 Gone', url }
	}
	const body = JSON.stringify(input.event)
	const secrets = await activeWebhookSecrets(config.DATA_ENCRYPTION_KEY, business)
	const headers = await webhookHeaders(secrets, input.eventId, Math.floor(Date.now() / 1000), body)
	let res: Response
	try {
		res = await safeFetch(url, {
			environment: config.ENVIRONMENT,
			timeoutMs: ATTEMPT_TIMEOUT_MS,
			maxResponseBytes: Number.MAX_SAFE_INTEGER,
			init: { method: 'POST', headers, body },
		})
	} catch (err) {
		if (err instanceof UnsafeUrlError) return { kind: 'dead', status: null, error: `endpoint refused: ${err.message}`, url }
		return { kind: 'retry', status: null, error: errorText(err), retryAfter: null, url }
	}
	// The response body is never read or shown (docs/webhooks.md "Security").
	await res.body?.cancel()
	if (res.status >= 200 && res.status < 300) return { kind: 'delivered', status: res.status, url }
	if (res.status === 410) return { kind: 'dead', status: 410, error: 'endpoint answered 410 Gone; disabled', url, disable: true }
	return {
		kind: 'retry',
		status: res.status,
		error: `endpoint answered ${res.status}`,
		retryAfter: res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : null,
		url,
	}
}
