/**
 * Legacy authentication ("v1") token decryption (docs/apple-interactive.md §5.6).
 *
 * Apple encrypts the OAuth access token to the `responseEncryptionKey` the MSP sent, with
 * what Apple calls `eciesEncryptionCofactorVariableIVX963SHA256AESGCM`:
 *
 * - Curve P-384 (secp384r1). `responseEncryptionKey` = base64 of the X9.62 uncompressed point
 *   `0x04 ‖ X ‖ Y` (97 bytes), one key pair per request (docs/apple-interactive.md §5.6 step 1).
 * - `token` = base64( ephemeral public point (97 bytes) ‖ ciphertext ‖ 16-byte GCM tag )
 *   (step 2; sample tokens start with `BP…`, i.e. 0x04).
 * - Z = ECDH(our private key, ephemeral point). "Cofactor" ECDH equals plain ECDH on P-384,
 *   whose cofactor is 1, so WebCrypto's ECDH gives the same Z (step 3).
 * - K = ANSI X9.63 KDF, SHA-256, over Z with sharedInfo = the 97-byte ephemeral point, 48
 *   bytes: first 32 = AES-256 key, last 16 = GCM IV ("variable IV": derived, 16 bytes, not
 *   the usual 12) (step 4).
 * - AES-256-GCM, no AAD, 128-bit tag → UTF-8 access token (step 5).
 *
 * The layout matches Apple's 2025 Python sample (`auth_util.py`). WebCrypto takes GCM input
 * as `ciphertext ‖ tag`, the same order Apple uses, so the tail needs no reshuffling.
 *
 * Pure module: imports nothing outside src/apple/.
 */
import { base64ToBytes, bytesToBase64, bytesToBase64Url } from './encoding'

const CURVE = 'P-384'
/** X9.62 uncompressed P-384 point: 0x04 ‖ X (48) ‖ Y (48). */
export const P384_UNCOMPRESSED_POINT_BYTES = 97
const P384_FIELD_BYTES = 48
const AES_KEY_BYTES = 32
const GCM_IV_BYTES = 16
const GCM_TAG_BYTES = 16
const SHA256_BYTES = 32

export type AuthTokenFailure = 'malformed' | 'private_key' | 'decryption'

/**
 * The token could not be decrypted. `reason`: `malformed` (not base64, too short, not an
 * uncompressed P-384 point, not UTF-8), `private_key` (the stored key is unusable), or
 * `decryption` (GCM authentication failed: wrong key pair, tampered or truncated token).
 */
export class AuthTokenDecryptError extends Error {
	constructor(
		readonly reason: AuthTokenFailure,
		message: string,
	) {
		super(`authentication token: ${message}`)
		this.name = 'AuthTokenDecryptError'
	}
}

export interface ResponseKeyPair {
	/** Goes into `authenticate.oauth2.responseEncryptionKey`: base64 of the 97-byte uncompressed point. */
	publicKey: string
	/** Keep server-side (keyed by `requestIdentifier`) until the reply arrives. */
	privateKeyJwk: JsonWebKey
}

/** A fresh P-384 key pair for one authentication request (docs/apple-interactive.md §5.6 step 1). */
export async function generateResponseKeyPair(): Promise<ResponseKeyPair> {
	const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: CURVE }, true, ['deriveBits'])) as CryptoKeyPair
	const raw = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer)
	const privateKeyJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey
	return { publicKey: bytesToBase64(raw), privateKeyJwk }
}

/**
 * Build the private JWK from the key strings Apple's Python sample prints (docs/apple-interactive.md
 * §5.6 step 1 says the brand may generate the pair): `publicKeyB64` = base64 uncompressed
 * point, `privateKeyB64` = base64 of the big-endian private scalar, which that sample writes
 * without leading zero bytes (so it may be shorter than 48 bytes).
 */
export function privateKeyJwkFromRaw(publicKeyB64: string, privateKeyB64: string): JsonWebKey {
	const point = decodeBase64(publicKeyB64, 'public key')
	if (point.length !== P384_UNCOMPRESSED_POINT_BYTES || point[0] !== 0x04) {
		throw new AuthTokenDecryptError('private_key', 'public key is not an uncompressed P-384 point')
	}
	const scalar = decodeBase64(privateKeyB64, 'private key')
	if (scalar.length === 0 || scalar.length > P384_FIELD_BYTES) {
		throw new AuthTokenDecryptError('private_key', 'private key is not a P-384 scalar')
	}
	const d = new Uint8Array(P384_FIELD_BYTES)
	d.set(scalar, P384_FIELD_BYTES - scalar.length)
	return {
		kty: 'EC',
		crv: CURVE,
		x: bytesToBase64Url(point.subarray(1, 1 + P384_FIELD_BYTES)),
		y: bytesToBase64Url(point.subarray(1 + P384_FIELD_BYTES)),
		d: bytesToBase64Url(d),
	}
}

/**
 * Decrypt the `token` of an `authenticate` reply (`interactiveData.data.authenticate.token`)
 * with the private key of the request's key pair. Returns the access token as text.
 *
 * Tolerant on input (docs/product.md "Protocol decisions"): standard or URL-safe base64, padding
 * optional, embedded whitespace/newlines ignored. Strict on content: the ephemeral key must
 * be the 97-byte uncompressed point Apple sends, and GCM authentication must pass.
 */
export async function decryptAuthToken(privateKeyJwk: JsonWebKey, encryptedBase64: string): Promise<string> {
	if (typeof encryptedBase64 !== 'string') throw new AuthTokenDecryptError('malformed', 'token must be a string')
	const bytes = decodeBase64(encryptedBase64, 'token')
	if (bytes.length < P384_UNCOMPRESSED_POINT_BYTES + GCM_TAG_BYTES) {
		throw new AuthTokenDecryptError('malformed', `too short (${bytes.length} bytes)`)
	}
	if (bytes[0] !== 0x04) {
		throw new AuthTokenDecryptError('malformed', 'does not start with an uncompressed P-384 point (0x04)')
	}
	const ephemeralPoint = bytes.subarray(0, P384_UNCOMPRESSED_POINT_BYTES)
	const sealed = bytes.subarray(P384_UNCOMPRESSED_POINT_BYTES) // ciphertext ‖ tag

	let privateKey: CryptoKey
	try {
		privateKey = await crypto.subtle.importKey('jwk', ecdhJwk(privateKeyJwk), { name: 'ECDH', namedCurve: CURVE }, false, ['deriveBits'])
	} catch (e) {
		throw new AuthTokenDecryptError('private_key', `unusable P-384 private key (${errorText(e)})`)
	}
	let ephemeralKey: CryptoKey
	try {
		ephemeralKey = await crypto.subtle.importKey('raw', ephemeralPoint, { name: 'ECDH', namedCurve: CURVE }, false, [])
	} catch (e) {
		throw new AuthTokenDecryptError('malformed', `ephemeral key is not a valid P-384 point (${errorText(e)})`)
	}

	// Not an inline literal: workers-types spells the member `$public` (a generator artefact for
	// the reserved word); the runtime reads the standard `public`.
	const ecdhParams = { name: 'ECDH', public: ephemeralKey }
	const z = new Uint8Array(await crypto.subtle.deriveBits(ecdhParams, privateKey, P384_FIELD_BYTES * 8))
	const k = await x963Kdf(z, ephemeralPoint, AES_KEY_BYTES + GCM_IV_BYTES)
	const aesKey = await crypto.subtle.importKey('raw', k.subarray(0, AES_KEY_BYTES), { name: 'AES-GCM' }, false, ['decrypt'])
	let plain: ArrayBuffer
	try {
		plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: k.subarray(AES_KEY_BYTES), tagLength: GCM_TAG_BYTES * 8 }, aesKey, sealed)
	} catch {
		throw new AuthTokenDecryptError('decryption', 'GCM authentication failed (wrong key pair, or token altered or truncated)')
	}
	try {
		return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(plain)
	} catch {
		throw new AuthTokenDecryptError('malformed', 'decrypted token is not UTF-8')
	}
}

/**
 * ANSI X9.63 KDF with SHA-256 (SEC 1 v2 §3.6.1): SHA-256(Z ‖ counter32be(i) ‖ sharedInfo) for
 * i = 1, 2, … concatenated and cut to `length` bytes.
 */
export async function x963Kdf(sharedSecret: Uint8Array, sharedInfo: Uint8Array, length: number): Promise<Uint8Array> {
	// The counter is 32 bits, so at most (2^32 - 1) hash blocks; far beyond any real use.
	if (!Number.isSafeInteger(length) || length < 0 || length > SHA256_BYTES * 0xffffffff) {
		throw new RangeError(`x963Kdf length must be a non-negative integer, got ${length}`)
	}
	const out = new Uint8Array(length)
	const input = new Uint8Array(sharedSecret.length + 4 + sharedInfo.length)
	input.set(sharedSecret, 0)
	input.set(sharedInfo, sharedSecret.length + 4)
	const counterView = new DataView(input.buffer, sharedSecret.length, 4)
	for (let i = 1, offset = 0; offset < length; i++, offset += SHA256_BYTES) {
		counterView.setUint32(0, i, false)
		const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input))
		out.set(digest.subarray(0, Math.min(SHA256_BYTES, length - offset)), offset)
	}
	return out
}

/**
 * Keep only the EC members of the stored JWK: stored keys may carry `key_ops`/`use`/`alg`
 * values from another library that would make WebCrypto refuse an ECDH import.
 */
function ecdhJwk(jwk: JsonWebKey): JsonWebKey {
	if (!jwk || typeof jwk !== 'object') throw new Error('not a JWK')
	if (jwk.kty !== 'EC' || jwk.crv !== CURVE || !jwk.d) throw new Error(`expected an EC ${CURVE} private JWK`)
	return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }
}

function decodeBase64(s: string, what: string): Uint8Array {
	try {
		return base64ToBytes(s.replace(/\s+/g, ''))
	} catch {
		throw new AuthTokenDecryptError(what === 'token' ? 'malformed' : 'private_key', `${what} is not base64`)
	}
}

function errorText(e: unknown): string {
	return e instanceof Error ? e.message : String(e)
}
