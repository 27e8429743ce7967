/**
 * Standard Webhooks signature check (docs/product.md "Webhooks"; docs/webhooks.md):
 * `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256>` entries over
 * `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the base64 bytes after `whsec_`;
 * the timestamp must be within 5 minutes. Written here from the spec, not with the
 * `standardwebhooks` package, so the inbox is an independent judge of the MSP's signer.
 */
import { decodeBase64Strict, timingSafeEqualBytes, utf8Bytes } from '../lib/bytes'

export const TOLERANCE_SECONDS = 5 * 60

export type VerifyResult = { ok: true } | { ok: false; reason: string }

export async function verifyStandardWebhook(
	secret: string,
	headers: { id: string | null; timestamp: string | null; signature: string | null },
	body: string,
	nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VerifyResult> {
	if (!headers.id || !headers.timestamp || !headers.signature) {
		return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' }
	}
	if (!/^\d+$/.test(headers.timestamp)) return { ok: false, reason: 'webhook-timestamp is not integer seconds' }
	const ts = Number(headers.timestamp)
	if (Math.abs(nowSeconds - ts) > TOLERANCE_SECONDS) return { ok: false, reason: `timestamp ${ts} is outside the 5-minute tolerance` }
	let keyBytes: Uint8Array
	try {
		keyBytes = decodeBase64Strict(secret.replace(/^whsec_/, ''))
	} catch {
		return { ok: false, reason: 'the configured secret is not whsec_<base64>' }
	}
	const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
	const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8Bytes(`${headers.id}.${headers.timestamp}.${body}`)))
	for (const entry of headers.signature.split(' ')) {
		const [version, sig] = entry.split(',', 2)
		if (version !== 'v1' || !sig) continue
		let given: Uint8Array
		try {
			given = decodeBase64Strict(sig)
		} catch {
			continue
		}
		if (timingSafeEqualBytes(expected, given)) return { ok: true }
	}
	return { ok: false, reason: 'no v1 signature matches' }
}
