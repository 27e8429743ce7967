/**
 * Small crypto helpers of the platform: random tokens, hashing of API keys, constant-time
 * comparison, and AES-256-GCM sealing of secrets at rest (docs/webhooks.md "Secrets").
 */
import { base64ToBytes, bytesToBase64, bytesToBase64Url, bytesToHex, utf8 } from '../apple/encoding'

export function randomBytes(n: number): Uint8Array {
	return crypto.getRandomValues(new Uint8Array(n))
}

export const randomToken = (bytes = 32) => bytesToBase64Url(randomBytes(bytes))

export async function sha256Hex(input: string | Uint8Array): Promise<string> {
	const data = typeof input === 'string' ? utf8.encode(input) : input
	return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)))
}

/** Constant-time equality of two strings (workerd's timingSafeEqual on equal lengths). */
export function timingSafeEqualStr(a: string, b: string): boolean {
	const ab = utf8.encode(a)
	const bb = utf8.encode(b)
	if (ab.byteLength !== bb.byteLength) {
		// Compare b with itself so the time spent does not depend on where a differs.
		crypto.subtle.timingSafeEqual(bb, bb)
		return false
	}
	return crypto.subtle.timingSafeEqual(ab, bb)
}

const kekCache = new Map<string, Promise<CryptoKey>>()

function importKek(keyB64: string): Promise<CryptoKey> {
	let key = kekCache.get(keyB64)
	if (!key) {
		const raw = base64ToBytes(keyB64)
		if (raw.byteLength !== 32) throw new Error('DATA_ENCRYPTION_KEY must be 32 bytes')
		key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
		kekCache.set(keyB64, key)
	}
	return key
}

/** Seal a secret with AES-256-GCM: `v1.<iv b64>.<ciphertext b64>`; `aad` binds it to its owner. */
export async function sealSecret(kekB64: string, plaintext: string, aad: string): Promise<string> {
	const iv = randomBytes(12)
	const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8.encode(aad) }, await importKek(kekB64), utf8.encode(plaintext))
	return `v1.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(ct))}`
}

export async function openSecret(kekB64: string, sealed: string, aad: string): Promise<string> {
	const [v, iv, ct] = sealed.split('.')
	if (v !== 'v1' || !iv || !ct) throw new Error('unknown sealed secret format')
	const pt = await crypto.subtle.decrypt(
		{ name: 'AES-GCM', iv: base64ToBytes(iv), additionalData: utf8.encode(aad) },
		await importKek(kekB64),
		base64ToBytes(ct),
	)
	return new TextDecoder().decode(pt)
}
