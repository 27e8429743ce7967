/**
 * The plaintext of an interactiveDataRef blob. Apple's is opaque (CW-FORK saw a gzip'd binary
 * plist) and only `/v1/decodePayload` turns it into JSON (docs/apple-interactive.md §3.2);
 * the simulator uses gzip'd JSON of the interactiveData dictionary, and its decodePayload
 * accepts exactly those bytes, so an MSP that posts ciphertext or re-encodes the blob fails.
 */
import { gunzip, gzip, isGzip } from '../lib/bytes'
import { aesCtrOneShot, formatAttachmentKey, newAttachmentKey } from '../lib/platform-primitives'

export const encodeIdrPayload = (interactiveData: Record<string, unknown>) => gzip(JSON.stringify(interactiveData))

export async function decodeIdrPayload(bytes: Uint8Array): Promise<Record<string, unknown> | null> {
	if (!isGzip(bytes)) return null
	try {
		const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await gunzip(bytes)))
		return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
	} catch {
		return null
	}
}

/** Encrypt a payload the way Apple's clients do (AES-256-CTR, fresh key, zero IV; docs/apple-protocol.md §5.1). */
export async function encryptFresh(plaintext: Uint8Array): Promise<{ ciphertext: Uint8Array; key: string }> {
	const raw = newAttachmentKey()
	return { ciphertext: await aesCtrOneShot(raw, plaintext), key: formatAttachmentKey(raw) }
}
