/**
 * Verifying webhooks (Standard Webhooks): `webhook-signature` holds space-separated
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` entries, keyed by the base64 after
 * `whsec_`. During a secret rotation the platform signs with both secrets, and a receiver may
 * hold both too: any secret matching any signature passes. The timestamp must be within the
 * tolerance (5 minutes) of now, so a captured request cannot be replayed later. Web Crypto
 * only; signatures are compared in constant time.
 */
import { base64ToBytes, bytesToBase64 } from './base64.ts'
import { AmbError } from './errors.ts'
import type { WebhookEvent } from './types/events.ts'

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>
/** The raw request body, exactly as received: verify before parsing. */
export type WebhookBody = string | ArrayBuffer | Uint8Array<ArrayBuffer>

export interface VerifyOptions {
	/** Seconds the timestamp may differ from now (default 300). */
	toleranceSeconds?: number
	/** The time to check against (default: now). */
	now?: Date | number
}

export type VerificationFailure =
	| 'missing_header'
	| 'invalid_timestamp'
	| 'timestamp_out_of_tolerance'
	| 'invalid_secret'
	| 'invalid_signature'
	| 'invalid_payload'

export class AmbWebhookVerificationError extends AmbError {
	constructor(
		readonly reason: VerificationFailure,
		message: string,
	) {
		super(message)
	}
}

const encoder = new TextEncoder()

/**
 * Check a delivery's signature and timestamp against one secret or several (rotation), and
 * return its event. Throws AmbWebhookVerificationError saying why a delivery is refused.
 */
export async function verifyWebhook(
	secret: string | readonly string[],
	headers: WebhookHeaders,
	body: WebhookBody,
	options: VerifyOptions = {},
): Promise<WebhookEvent> {
	const id = header(headers, 'webhook-id')
	const timestamp = header(headers, 'webhook-timestamp')
	const signatures = header(headers, 'webhook-signature')
	if (!id || !timestamp || !signatures)
		throw new AmbWebhookVerificationError('missing_header', 'webhook-id, webhook-timestamp and webhook-signature are required')
	if (!/^\d{1,12}$/.test(timestamp)) throw new AmbWebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not a Unix time in seconds')
	const now = Math.floor(Number(options.now ?? Date.now()) / 1000)
	const tolerance = options.toleranceSeconds ?? 300
	if (Math.abs(now - Number(timestamp)) > tolerance) {
		throw new AmbWebhookVerificationError('timestamp_out_of_tolerance', `webhook-timestamp is more than ${tolerance} s from now`)
	}
	const raw = typeof body === 'string' ? encoder.encode(body) : body instanceof Uint8Array ? body : new Uint8Array(body)
	const signed = concat(encoder.encode(`${id}.${timestamp}.`), raw)
	const given = signatures
		.split(' ')
		.filter((s) => s.startsWith('v1,'))
		.map((s) => decodeOrNull(s.slice(3)))
		.filter((b): b is Uint8Array<ArrayBuffer> => b !== null)
	let matched = false
	for (const s of typeof secret === 'string' ? [secret] : secret) {
		const mac = await hmac(s, signed)
		// Every pair is compared, so the time taken does not tell which one matched.
		for (const g of given) matched = constantTimeEqual(mac, g) || matched
	}
	if (!matched) throw new AmbWebhookVerificationError('invalid_signature', 'no signature matches the secret')
	return parseEvent(raw)
}

/** The `webhook-signature` entry for a payload (for testing a receiver). */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	return `v1,${bytesToBase64(await hmac(secret, encoder.encode(`${id}.${timestamp}.${body}`)))}`
}

async function hmac(secret: string, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
	let key: Uint8Array<ArrayBuffer>
	try {
		key = base64ToBytes(secret.startsWith('whsec_') ? secret.slice(6) : secret)
	} catch {
		throw new AmbWebhookVerificationError('invalid_secret', 'the secret is not whsec_ followed by base64')
	}
	if (key.length === 0) throw new AmbWebhookVerificationError('invalid_secret', 'the secret is empty')
	const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
	return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data))
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false
	let diff = 0
	for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
	return diff === 0
}

function header(headers: WebhookHeaders, name: string): string | null {
	if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name)
	const record = headers as Record<string, string | string[] | undefined>
	const key = Object.keys(record).find((k) => k.toLowerCase() === name)
	const value = key === undefined ? undefined : record[key]
	return Array.isArray(value) ? (value[0] ?? null) : (value ?? null)
}

function decodeOrNull(b64: string): Uint8Array<ArrayBuffer> | null {
	try {
		return base64ToBytes(b64)
	} catch {
		return null
	}
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(a.length + b.length)
	out.set(a)
	out.set(b, a.length)
	return out
}

function parseEvent(raw: Uint8Array): WebhookEvent {
	let json: unknown
	try {
		json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
	} catch {
		throw new AmbWebhookVerificationError('invalid_payload', 'the body is not UTF-8 JSON')
	}
	const e = json as { type?: unknown; timestamp?: unknown; data?: unknown }
	if (
		typeof json !== 'object' ||
		json === null ||
		typeof e.type !== 'string' ||
		typeof e.timestamp !== 'string' ||
		typeof e.data !== 'object' ||
		e.data === null
	) {
		throw new AmbWebhookVerificationError('invalid_payload', 'the body is not a webhook event { type, timestamp, data }')
	}
	return json as WebhookEvent
}
