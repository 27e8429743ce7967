/**
 * How Apple's gateway judges the MSP's bearer token (docs/apple-protocol.md §2):
 * HS256, key = base64-DEcoded Messaging API secret (§2.1, the #1 FAQ pitfall in §7),
 * `iss` = MSP ID, `iat` integer seconds (§2.4: not milliseconds) issued within the last hour
 * and not more than 60 s ahead. No header → 401; anything wrong with the token → 403
 * (the 401/403 split of §1.3).
 *
 * Written independently of the MSP's src/apple/jwt.ts so a mistake there shows up here.
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import { decodeBase64Strict } from '../lib/bytes'
import { reject, type Rejection } from '../lib/rejection'

export const MAX_IAT_AGE_SECONDS = 3600
export const MAX_IAT_SKEW_SECONDS = 60

const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secretB64: string): Promise<CryptoKey> {
	let k = keys.get(secretB64)
	if (!k) {
		k = crypto.subtle.importKey('raw', decodeBase64Strict(secretB64.trim()), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify', 'sign'])
		keys.set(secretB64, k)
	}
	return k
}

export { hmacKey as simulatorHmacKey }

export async function checkMspToken(
	authorization: string | undefined,
	opts: { mspId: string; secret: string; nowSeconds?: number },
): Promise<Rejection | null> {
	if (!authorization) return reject(401, 'auth_missing', 'Authorization header is missing')
	const m = /^Bearer\s+(\S+)$/.exec(authorization.trim())
	if (!m) return reject(401, 'auth_missing', 'Authorization must be "Bearer <JWT>"')
	const token = m[1] as string

	let alg: unknown
	try {
		alg = decodeProtectedHeader(token).alg
	} catch {
		return reject(403, 'auth_invalid', 'JWT is malformed')
	}
	if (alg !== 'HS256') return reject(403, 'auth_invalid', `JWT alg must be HS256, got ${String(alg)}`)

	let payload: Record<string, unknown>
	try {
		;({ payload } = await jwtVerify(token, await hmacKey(opts.secret), { algorithms: ['HS256'] }))
	} catch (err) {
		if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
			return reject(403, 'auth_invalid', 'JWT signature does not verify with the base64-decoded Messaging API secret')
		}
		return reject(403, 'auth_invalid', `JWT rejected: ${err instanceof Error ? err.message : String(err)}`)
	}
	if (payload.iss !== opts.mspId) {
		return reject(403, 'auth_invalid', `JWT iss must be the MSP ID ${opts.mspId}, got ${JSON.stringify(payload.iss ?? null)}`)
	}
	const iat = payload.iat
	if (typeof iat !== 'number' || !Number.isInteger(iat)) {
		return reject(403, 'auth_invalid', 'JWT iat must be an integer number of seconds')
	}
	const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000)
	if (iat - now > MAX_IAT_SKEW_SECONDS) {
		return reject(403, 'auth_invalid', `JWT iat is ${iat - now} s in the future${iat > now * 100 ? ' (milliseconds instead of seconds?)' : ''}`)
	}
	if (now - iat > MAX_IAT_AGE_SECONDS) {
		return reject(403, 'auth_invalid', `JWT iat is ${now - iat} s old; tokens older than one hour are refused`)
	}
	return null
}
