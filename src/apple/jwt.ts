/**
 * JWT between Apple and the MSP (docs/apple-protocol.md §2).
 *
 * - Apple → MSP: HS256 only, key = base64-decoded Messaging API secret, `aud` = MSP ID,
 *   `iat` required. Apple's own sample does not check the age; we accept `iat` within one
 *   hour in the past and a small skew in the future (§2.4, implementation consensus).
 *   During a secret rotation the previous secret is tried too (§2.5).
 * - MSP → Apple: `iss` = MSP ID, `iat` in integer seconds (§2.3), HS256.
 */
import { SignJWT, jwtVerify, decodeProtectedHeader, errors as joseErrors } from 'jose'
import { base64ToBytes } from './encoding'

export const MAX_TOKEN_AGE_SECONDS = 3600
export const CLOCK_SKEW_SECONDS = 60

export type JwtFailure = 'malformed' | 'algorithm' | 'signature' | 'audience' | 'iat_missing' | 'iat_expired' | 'iat_future'

export class AppleJwtError extends Error {
	constructor(readonly reason: JwtFailure) {
		super(`Apple JWT rejected: ${reason}`)
		this.name = 'AppleJwtError'
	}
}

const keyCache = new Map<string, Promise<CryptoKey>>()

/** Import the HMAC key once per isolate; importing per call costs measurable CPU (docs/performance.md). */
export function hmacKeyFromSecret(secretB64: string): Promise<CryptoKey> {
	let key = keyCache.get(secretB64)
	if (!key) {
		key = crypto.subtle.importKey('raw', base64ToBytes(secretB64), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
		keyCache.set(secretB64, key)
	}
	return key
}

export interface VerifyOptions {
	mspId: string
	/** Current secret first, then the previous one during rotation. */
	secrets: readonly string[]
	nowSeconds?: number
}

/** Verify the bearer token of an inbound Apple request; throws AppleJwtError. */
export async function verifyAppleJwt(token: string, opts: VerifyOptions): Promise<void> {
	let alg: unknown
	try {
		alg = decodeProtectedHeader(token).alg
	} catch {
		throw new AppleJwtError('malformed')
	}
	if (alg !== 'HS256') throw new AppleJwtError('algorithm')

	let lastFailure: JwtFailure = 'signature'
	for (const secret of opts.secrets) {
		let payload
		try {
			;({ payload } = await jwtVerify(token, await hmacKeyFromSecret(secret), {
				algorithms: ['HS256'],
			}))
		} catch (err) {
			if (err instanceof joseErrors.JWSSignatureVerificationFailed) continue
			// exp/nbf present and violated, or claims not JSON: not a rotation question.
			lastFailure = err instanceof joseErrors.JWTExpired ? 'iat_expired' : 'malformed'
			break
		}
		const aud = payload.aud
		const audOk = Array.isArray(aud) ? aud.includes(opts.mspId) : aud === opts.mspId
		if (!audOk) throw new AppleJwtError('audience')
		const iat = payload.iat
		if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new AppleJwtError('iat_missing')
		const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000)
		if (now - iat > MAX_TOKEN_AGE_SECONDS) throw new AppleJwtError('iat_expired')
		if (iat - now > CLOCK_SKEW_SECONDS) throw new AppleJwtError('iat_future')
		return
	}
	throw new AppleJwtError(lastFailure)
}

/** Mint the MSP → Apple token (§2.3): `{"alg":"HS256","typ":"JWT"}`, `iss`, `iat`. */
export async function mintMspToken(mspId: string, secretB64: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
	return new SignJWT({})
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.setIssuer(mspId)
		.setIssuedAt(nowSeconds)
		.sign(await hmacKeyFromSecret(secretB64))
}
