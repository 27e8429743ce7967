/**
 * Signed, expiring tokens for the hosted flows: the OAuth `state`, the Apple Pay callback
 * path token and the session cookie. `<base64url(JSON)>.<base64url(HMAC-SHA256)>`, the MAC
 * taken over `purpose.payload` so a token minted for one use is refused for another. Keys
 * are derived with HKDF from DATA_ENCRYPTION_KEY (one label per purpose), so no new secret
 * is needed and rotating that key invalidates every outstanding token
 * (docs/webhooks.md "Secrets": one secret per purpose; fail closed when it is missing).
 */
import type { z } from 'zod'
import { base64ToBytes, bytesToBase64Url, utf8 } from '../apple/encoding'

export type TokenPurpose = 'oauth-state' | 'pay-callback' | 'session' | 'csrf' | 'login-csrf'

export type TokenFailure = 'malformed' | 'signature' | 'expired'

export class TokenError extends Error {
	constructor(readonly reason: TokenFailure) {
		super(`token ${reason}`)
		this.name = 'TokenError'
	}
}

const keyCache = new Map<string, Promise<CryptoKey>>()

/** HMAC key for one purpose; cached per isolate (derivation costs an HKDF per call otherwise). */
export function purposeKey(dataKeyB64: string, purpose: TokenPurpose): Promise<CryptoKey> {
	const cacheKey = `${purpose}\u0000${dataKeyB64}`
	let key = keyCache.get(cacheKey)
	if (!key) {
		key = (async () => {
			const base = await crypto.subtle.importKey('raw', base64ToBytes(dataKeyB64), 'HKDF', false, ['deriveKey'])
			return crypto.subtle.deriveKey(
				{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: utf8.encode(`amb-edge/hosted/${purpose}/v1`) },
				base,
				{ name: 'HMAC', hash: 'SHA-256', length: 256 },
				false,
				['sign', 'verify'],
			)
		})()
		keyCache.set(cacheKey, key)
		if (keyCache.size > 64) keyCache.delete(keyCache.keys().next().value!)
	}
	return key
}

/** MAC of `purpose.message` with the purpose's key, base64url. */
export async function mac(dataKeyB64: string, purpose: TokenPurpose, message: string): Promise<string> {
	const key = await purposeKey(dataKeyB64, purpose)
	const sig = await crypto.subtle.sign('HMAC', key, utf8.encode(`${purpose}.${message}`))
	return bytesToBase64Url(new Uint8Array(sig))
}

/** Constant-time check of a MAC made by mac() (crypto.subtle.verify compares in constant time). */
export async function verifyMac(dataKeyB64: string, purpose: TokenPurpose, message: string, macB64Url: string): Promise<boolean> {
	let sig: Uint8Array
	try {
		sig = base64ToBytes(macB64Url)
	} catch {
		return false
	}
	const key = await purposeKey(dataKeyB64, purpose)
	return crypto.subtle.verify('HMAC', key, sig, utf8.encode(`${purpose}.${message}`))
}

/** Every token carries `exp` (Unix seconds). */
export interface Expiring {
	exp: number
}

export async function signToken<T extends Expiring>(dataKeyB64: string, purpose: TokenPurpose, payload: T): Promise<string> {
	const body = bytesToBase64Url(utf8.encode(JSON.stringify(payload)))
	return `${body}.${await mac(dataKeyB64, purpose, body)}`
}

/**
 * Check signature, then shape (zod); expiry is the caller's (see verifyToken). The payload
 * is parsed only after the MAC matched, so nothing an attacker wrote reaches the schema.
 */
export async function openToken<S extends z.ZodType<Expiring>>(dataKeyB64: string, purpose: TokenPurpose, token: string, schema: S): Promise<z.output<S>> {
	if (token.length > 4096) throw new TokenError('malformed')
	const parts = token.split('.')
	if (parts.length !== 2 || !parts[0] || !parts[1]) throw new TokenError('malformed')
	const [body, sig] = parts as [string, string]
	if (!(await verifyMac(dataKeyB64, purpose, body, sig))) throw new TokenError('signature')
	let json: unknown
	try {
		json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(base64ToBytes(body)))
	} catch {
		throw new TokenError('malformed')
	}
	const parsed = schema.safeParse(json)
	if (!parsed.success) throw new TokenError('malformed')
	return parsed.data
}

/** openToken plus expiry; throws TokenError. */
export async function verifyToken<S extends z.ZodType<Expiring>>(
	dataKeyB64: string,
	purpose: TokenPurpose,
	token: string,
	schema: S,
	nowMs = Date.now(),
): Promise<z.output<S>> {
	const payload = await openToken(dataKeyB64, purpose, token, schema)
	if (payload.exp * 1000 <= nowMs) throw new TokenError('expired')
	return payload
}

export const nowSeconds = (nowMs = Date.now()) => Math.floor(nowMs / 1000)
