/**
 * Standard Webhooks v1 signatures (docs/webhooks.md "Signatures"): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` with the base64 key after `whsec_`, sent as a
 * space-separated list `v1,<b64>` so old and new secrets can both sign during rotation.
 */
import { base64ToBytes, bytesToBase64, utf8 } from '../apple/encoding'
import { randomBytes } from '../lib/crypto'

export const newWebhookSecret = () => `whsec_${bytesToBase64(randomBytes(32))}`

function keyBytes(secret: string): Uint8Array {
	return base64ToBytes(secret.startsWith('whsec_') ? secret.slice(6) : secret)
}

export async function signPayload(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	const key = await crypto.subtle.importKey('raw', keyBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
	const mac = await crypto.subtle.sign('HMAC', key, utf8.encode(`${id}.${timestamp}.${body}`))
	return `v1,${bytesToBase64(new Uint8Array(mac))}`
}

export async function webhookHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Promise<Record<string, string>> {
	const signatures = await Promise.all(secrets.map((s) => signPayload(s, id, timestamp, body)))
	return {
		'content-type': 'application/json',
		'user-agent': 'amb-edge/0.1',
		'webhook-id': id,
		'webhook-timestamp': String(timestamp),
		'webhook-signature': signatures.join(' '),
	}
}
