/**
 * Business API keys name the business they belong to (`amb_<base64url business id>_<secret>`),
 * so a request is checked against that one business's Durable Object without a global
 * lookup (docs/product.md "Data flow" §4). Only the SHA-256 of the key is stored; comparison
 * is constant-time.
 */
import { base64ToBytes, bytesToBase64Url, utf8 } from '../apple/encoding'
import { randomToken, sha256Hex, timingSafeEqualStr } from '../lib/crypto'

const PREFIX = 'amb_'

export function newApiKey(businessId: string): string {
	return `${PREFIX}${bytesToBase64Url(utf8.encode(businessId))}_${randomToken(32)}`
}

/** The business id a key claims, or null if the key is not one of ours. */
export function businessIdOfKey(key: string): string | null {
	if (!key.startsWith(PREFIX)) return null
	const rest = key.slice(PREFIX.length)
	// The secret is the last 43 base64url characters; both parts may contain '_' themselves.
	const sep = rest.length - 44
	if (sep <= 0 || rest[sep] !== '_') return null
	try {
		return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(base64ToBytes(rest.slice(0, sep)))
	} catch {
		return null
	}
}

export const hashApiKey = (key: string) => sha256Hex(key)

export async function apiKeyMatches(key: string, hashes: readonly string[]): Promise<boolean> {
	const h = await hashApiKey(key)
	let ok = false
	for (const stored of hashes) ok = timingSafeEqualStr(h, stored) || ok
	return ok
}
