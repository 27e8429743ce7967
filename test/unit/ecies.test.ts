import { describe, expect, it } from 'vitest'
import { AuthTokenDecryptError, decryptAuthToken, generateResponseKeyPair, privateKeyJwkFromRaw, x963Kdf } from '../../src/apple/ecies'

// --- independent helpers (no product code) -------------------------------------------------

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const unhex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)))
const b64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''))
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
const concat = (...parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
	let at = 0
	for (const p of parts) {
		out.set(p, at)
		at += p.length
	}
	return out
}

/** X9.63 KDF written out in the test (SEC 1 §3.6.1), to check the module against. */
async function testKdf(z: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
	let out = new Uint8Array(0)
	for (let i = 1; out.length < length; i++) {
		const counter = new Uint8Array([(i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff])
		const d = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(z, counter, info)))
		out = concat(out, d)
	}
	return out.slice(0, length)
}

/**
 * Encrypt `plaintext` to the MSP's `responseEncryptionKey` the way Apple does (see
 * docs/apple-interactive.md §5.6): ephemeral P-384 key, ECDH, X9.63-SHA-256 KDF with the
 * ephemeral point as sharedInfo → AES-256 key ‖ 16-byte IV, AES-256-GCM, token =
 * base64(ephemeral point ‖ ciphertext ‖ tag).
 */
async function appleEncrypt(publicKeyB64: string, plaintext: string): Promise<string> {
	const recipient = await crypto.subtle.importKey('raw', unb64(publicKeyB64), { name: 'ECDH', namedCurve: 'P-384' }, false, [])
	const eph = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits'])) as CryptoKeyPair
	const ephPoint = new Uint8Array((await crypto.subtle.exportKey('raw', eph.publicKey)) as ArrayBuffer)
	const params = { name: 'ECDH', public: recipient }
	const z = new Uint8Array(await crypto.subtle.deriveBits(params, eph.privateKey, 384))
	const k = await testKdf(z, ephPoint, 48)
	const aes = await crypto.subtle.importKey('raw', k.slice(0, 32), 'AES-GCM', false, ['encrypt'])
	const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: k.slice(32, 48), tagLength: 128 }, aes, new TextEncoder().encode(plaintext)))
	return b64(concat(ephPoint, sealed))
}

async function failure(p: Promise<unknown>): Promise<AuthTokenDecryptError> {
	const e = await p.then(
		() => undefined,
		(err: unknown) => err,
	)
	expect(e).toBeInstanceOf(AuthTokenDecryptError)
	return e as AuthTokenDecryptError
}

// --- X9.63 KDF ----------------------------------------------------------------------------------

describe('x963Kdf', () => {
	// NIST CAVS ansx963_2001.rsp, [SHA-256] sections (also used by pyca/cryptography's tests).
	const vectors = [
		{
			z: '96c05619d56c328ab95fe84b18264b08725b85e33fd34f08',
			info: '',
			out: '443024c3dae66b95e6f5670601558f71',
		},
		{
			z: '96f600b73ad6ac5629577eced51743dd2c24c21b1ac83ee4',
			info: '',
			out: 'b6295162a7804f5667ba9070f82fa522',
		},
		{
			z: '22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d',
			info: '75eef81aa3041e33b80971203d2c0c52',
			out:
				'c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e' +
				'52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485' +
				'500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269' +
				'142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21',
		},
	]

	for (const [i, v] of vectors.entries()) {
		it(`matches NIST CAVS vector ${i + 1} (${v.out.length / 2} bytes)`, async () => {
			expect(hex(await x963Kdf(unhex(v.z), unhex(v.info), v.out.length / 2))).toBe(v.out)
		})
	}

	it('matches the in-test implementation for Apple’s sizes, and prefixes are consistent', async () => {
		const z = crypto.getRandomValues(new Uint8Array(48))
		const info = crypto.getRandomValues(new Uint8Array(97))
		const k48 = await x963Kdf(z, info, 48)
		expect(hex(k48)).toBe(hex(await testKdf(z, info, 48)))
		expect(hex(await x963Kdf(z, info, 32))).toBe(hex(k48.subarray(0, 32)))
		expect((await x963Kdf(z, info, 0)).length).toBe(0)
		// Views into larger buffers work too.
		const big = concat(new Uint8Array(5), z, new Uint8Array(3))
		expect(hex(await x963Kdf(big.subarray(5, 53), info, 48))).toBe(hex(k48))
		await expect(x963Kdf(z, info, -1)).rejects.toThrow(RangeError)
	})
})

// --- key pair --------------------------------------------------------------------------------------

describe('generateResponseKeyPair', () => {
	it('returns base64 of the 97-byte uncompressed P-384 point and a matching private JWK', async () => {
		const { publicKey, privateKeyJwk } = await generateResponseKeyPair()
		const point = unb64(publicKey)
		expect(point.length).toBe(97)
		expect(point[0]).toBe(0x04)
		expect(publicKey).toMatch(/^B[A-P]/) // 0x04 → "B" + one of A–P in base64
		expect(privateKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-384' })
		expect(typeof privateKeyJwk.d).toBe('string')
		const toB64u = (b: Uint8Array) => b64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
		expect(privateKeyJwk.x).toBe(toB64u(point.subarray(1, 49)))
		expect(privateKeyJwk.y).toBe(toB64u(point.subarray(49)))
		// The JWK survives a JSON round trip (it is stored until the reply comes).
		expect(JSON.parse(JSON.stringify(privateKeyJwk))).toEqual(privateKeyJwk)
		const other = await generateResponseKeyPair()
		expect(other.publicKey).not.toBe(publicKey)
	})
})

// --- decryption --------------------------------------------------------------------------------------

describe('decryptAuthToken', () => {
	it('decrypts tokens encrypted in Apple’s format by an independent in-test encryptor', async () => {
		const { publicKey, privateKeyJwk } = await generateResponseKeyPair()
		const stored = JSON.parse(JSON.stringify(privateKeyJwk)) as JsonWebKey
		for (const plaintext of ['ya29.a0AfH6SMBx-access-token', '', 'ünïcødé ✓ 🔐', 'eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(4000) + '.sig']) {
			const token = await appleEncrypt(publicKey, plaintext)
			expect(token.startsWith('B')).toBe(true) // Apple's sample tokens begin "BP…" (0x04)
			expect(await decryptAuthToken(stored, token)).toBe(plaintext)
		}
	})

	// Generated offline with Python `cryptography` 48 (OpenSSL): ec.derive_private_key on
	// SECP384R1, ECDH, X963KDF(SHA256, 48, sharedinfo=ephemeral point), AESGCM with the 16-byte
	// derived nonce. The recipient scalar has a leading zero byte, so Apple's sample would print
	// it as 47 bytes: privateKeyJwkFromRaw must left-pad it.
	const KAT = {
		publicKey: 'BA2KT461oS44gni8AXDl9wB6PJd8sVDpX3shDN0ZhVP4K1Df4OTl8eN52UUg9mHPHIET1UiQfWKmFo+omQQ8plf9OdazBOjCFMHYKMQQYraJ2EdvmAoErwIGA1da6OZs7g==',
		privateKeyRaw: '6s9Ro9HA9QnEgMtiTofTV5+icMCDIKefNjm8OuF94FFZudfORwsvTjac4D79mOY=',
		jwk: {
			kty: 'EC',
			crv: 'P-384',
			x: 'DYpPjrWhLjiCeLwBcOX3AHo8l3yxUOlfeyEM3RmFU_grUN_g5OXx43nZRSD2Yc8c',
			y: 'gRPVSJB9YqYWj6iZBDymV_051rME6MIUwdgoxBBitonYR2-YCgSvAgYDV1ro5mzu',
			d: 'AOrPUaPRwPUJxIDLYk6H01efonDAgyCnnzY5vDrhfeBRWbnXzkcLL042nOA-_Zjm',
		} satisfies JsonWebKey,
		token:
			'BDgBVU90FjiSFxSu5RGNfDtdXEHwNVItpsv4LihuWuQ1Xnw93Dl8iqHXdsZWh6zm/6s6XV44+XHZx7pq+xe8FC7Q63wfMbDvps0yKh4WaH7MvL/5RT7FTRk7mbd1+S0hqks4dUx5YXckurr741NS3q8msUAWjOpbyzcSUc3EPzkbAVmuGFCkbYwYpy7/',
		plaintext: 'ya29.test-access-token-\u00e9\u2713',
	}

	it('decrypts a known-answer token produced by OpenSSL', async () => {
		expect(await decryptAuthToken(KAT.jwk, KAT.token)).toBe(KAT.plaintext)
	})

	it('builds the JWK from the key strings Apple’s Python sample prints', async () => {
		const jwk = privateKeyJwkFromRaw(KAT.publicKey, KAT.privateKeyRaw)
		expect(jwk).toEqual(KAT.jwk)
		expect(await decryptAuthToken(jwk, KAT.token)).toBe(KAT.plaintext)
		expect(() => privateKeyJwkFromRaw(KAT.publicKey.slice(8), KAT.privateKeyRaw)).toThrow(AuthTokenDecryptError)
		expect(() => privateKeyJwkFromRaw(KAT.publicKey, b64(new Uint8Array(49)))).toThrow(AuthTokenDecryptError)
	})

	it('is tolerant of URL-safe base64, missing padding and line breaks', async () => {
		const urlSafe = KAT.token.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
		expect(await decryptAuthToken(KAT.jwk, urlSafe)).toBe(KAT.plaintext)
		const wrapped = KAT.token.replace(/(.{64})/g, '$1\r\n')
		expect(await decryptAuthToken(KAT.jwk, ` ${wrapped}\n`)).toBe(KAT.plaintext)
	})

	it('ignores stray JWK members such as key_ops from another library', async () => {
		const jwk = { ...KAT.jwk, key_ops: ['sign'], use: 'sig', ext: true }
		expect(await decryptAuthToken(jwk, KAT.token)).toBe(KAT.plaintext)
	})

	it('fails with the wrong private key', async () => {
		const { privateKeyJwk } = await generateResponseKeyPair()
		expect((await failure(decryptAuthToken(privateKeyJwk, KAT.token))).reason).toBe('decryption')
	})

	it('fails on truncated tokens', async () => {
		const bytes = unb64(KAT.token)
		// Last byte of the tag missing: GCM authentication fails.
		expect((await failure(decryptAuthToken(KAT.jwk, b64(bytes.subarray(0, bytes.length - 1))))).reason).toBe('decryption')
		// Ciphertext dropped, only point + tag length left.
		expect((await failure(decryptAuthToken(KAT.jwk, b64(bytes.subarray(0, 97 + 16))))).reason).toBe('decryption')
		// Shorter than point + tag.
		expect((await failure(decryptAuthToken(KAT.jwk, b64(bytes.subarray(0, 112))))).reason).toBe('malformed')
		expect((await failure(decryptAuthToken(KAT.jwk, b64(bytes.subarray(0, 50))))).reason).toBe('malformed')
		expect((await failure(decryptAuthToken(KAT.jwk, ''))).reason).toBe('malformed')
	})

	it('fails on a tampered tag, ciphertext or ephemeral key', async () => {
		const bytes = unb64(KAT.token)
		const flip = (i: number) => {
			const c = bytes.slice()
			c[i] = (c[i] ?? 0) ^ 0x01
			return b64(c)
		}
		expect((await failure(decryptAuthToken(KAT.jwk, flip(bytes.length - 1)))).reason).toBe('decryption') // tag
		expect((await failure(decryptAuthToken(KAT.jwk, flip(97)))).reason).toBe('decryption') // ciphertext
		// A changed coordinate is (almost surely) off the curve: rejected as malformed, never decrypted.
		await failure(decryptAuthToken(KAT.jwk, flip(60)))
		// Not an uncompressed point.
		const compressedPrefix = bytes.slice()
		compressedPrefix[0] = 0x02
		expect((await failure(decryptAuthToken(KAT.jwk, b64(compressedPrefix)))).reason).toBe('malformed')
	})

	it('fails clearly on garbage input and unusable keys', async () => {
		expect((await failure(decryptAuthToken(KAT.jwk, 'not base64 at all!'))).reason).toBe('malformed')
		const { x, y, kty, crv } = KAT.jwk
		expect((await failure(decryptAuthToken({ kty, crv, x, y }, KAT.token))).reason).toBe('private_key')
		const p256 = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair
		const p256Jwk = (await crypto.subtle.exportKey('jwk', p256.privateKey)) as JsonWebKey
		expect((await failure(decryptAuthToken(p256Jwk, KAT.token))).reason).toBe('private_key')
		expect((await failure(decryptAuthToken({ ...KAT.jwk, d: 'AAAA' }, KAT.token))).reason).toBe('private_key')
	})
})
