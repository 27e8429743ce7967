/**
 * Synchronous, signed calls to a business's webhook endpoint: the Apple Pay callbacks that
 * need the business's answer while the customer waits (docs/apple-interactive.md §5.5),
 * and the settings page's test delivery. Same Standard Webhooks envelope and signature as
 * queued events (delivery/sign.ts), the same URL checks (safeFetch), a short timeout, no
 * redirects, a capped response. A test delivery never reads the body at all
 * (docs/webhooks.md "Security", OWASP API7 scenario #2).
 */
import type { BusinessRecord } from '../business/schema'
import type { Config } from '../context'
import { webhookHeaders } from '../delivery/sign'
import { activeWebhookSecrets } from '../business/webhook-secrets'
import { readBodyCapped, safeFetch } from '../lib/safe-fetch'

/** Apple Pay's sheet waits on us; the business gets well under Apple's patience. */
export const RELAY_TIMEOUT_MS = 8_000
export const TEST_DELIVERY_TIMEOUT_MS = 10_000
const RELAY_MAX_RESPONSE_BYTES = 64 * 1024

export type RelayResult =
	| { ok: true; status: number; latencyMs: number; json: unknown }
	| { ok: false; status: number | null; latencyMs: number; error: string }

const newEventId = () => `msg_${crypto.randomUUID().replace(/-/g, '')}`

async function post(
	config: Config,
	business: BusinessRecord,
	url: string,
	type: string,
	data: Record<string, unknown>,
	timeoutMs: number,
): Promise<{ res: Response; latencyMs: number }> {
	const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data: { businessId: business.settings.businessId, ...data } })
	const headers = await webhookHeaders(await activeWebhookSecrets(config.DATA_ENCRYPTION_KEY, business), newEventId(), Math.floor(Date.now() / 1000), body)
	const started = Date.now()
	const res = await safeFetch(url, {
		environment: config.ENVIRONMENT,
		timeoutMs,
		maxResponseBytes: RELAY_MAX_RESPONSE_BYTES,
		init: { method: 'POST', headers, body },
	})
	return { res, latencyMs: Date.now() - started }
}

/** A call whose JSON answer matters (Apple Pay). Any failure is a value, never a throw. */
export async function relayToBusiness(
	config: Config,
	business: BusinessRecord,
	url: string,
	type: string,
	data: Record<string, unknown>,
): Promise<RelayResult> {
	const started = Date.now()
	try {
		const { res, latencyMs } = await post(config, business, url, type, data, RELAY_TIMEOUT_MS)
		if (res.status < 200 || res.status >= 300) {
			await res.body?.cancel()
			return { ok: false, status: res.status, latencyMs, error: `endpoint answered ${res.status}` }
		}
		const bytes = await readBodyCapped(res, RELAY_MAX_RESPONSE_BYTES)
		let json: unknown = null
		if (bytes.byteLength > 0) {
			try {
				json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
			} catch {
				return { ok: false, status: res.status, latencyMs, error: 'endpoint answered with invalid JSON' }
			}
		}
		return { ok: true, status: res.status, latencyMs, json }
	} catch (err) {
		return { ok: false, status: null, latencyMs: Date.now() - started, error: err instanceof Error ? err.name : 'error' }
	}
}

/** Settings page "test delivery": status code and latency only, the body is never read. */
export async function testDelivery(
	config: Config,
	business: BusinessRecord,
	url: string,
): Promise<{ status: number | null; latencyMs: number; error: string | null }> {
	const started = Date.now()
	try {
		const { res, latencyMs } = await post(
			config,
			business,
			url,
			'webhook.test',
			{ message: 'Test delivery from the channel settings page' },
			TEST_DELIVERY_TIMEOUT_MS,
		)
		await res.body?.cancel()
		return { status: res.status, latencyMs, error: null }
	} catch (err) {
		// Only the error's class: a message could carry details of an internal network.
		const name = err instanceof Error ? err.name : 'error'
		return {
			status: null,
			latencyMs: Date.now() - started,
			error: name === 'UnsafeUrlError' ? 'URL not allowed' : name === 'TimeoutError' ? 'timed out' : 'could not connect',
		}
	}
}
