import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { AppleJwtError, mintMspToken, verifyAppleJwt } from '../../src/apple/jwt'

const SECRET = 'dGVzdC1hcHBsZS1zZWNyZXQtMzItYnl0ZXMtLS0tLS0='
const PREVIOUS = 'cHJldmlvdXMtYXBwbGUtc2VjcmV0LTMyLWJ5dGVzLS0='
const OTHER = 'b3RoZXItc2VjcmV0LW5vYm9keS1rbm93cy0tLS0tLS0='
const MSP = 'msp-1'
const NOW = 1_800_000_000

const raw = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))

async function token(claims: Record<string, unknown>, secret = SECRET, alg = 'HS256') {
	return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(raw(secret))
}

async function reason(t: string, secrets = [SECRET]): Promise<string | 'ok'> {
	try {
		await verifyAppleJwt(t, { mspId: MSP, secrets, nowSeconds: NOW })
		return 'ok'
	} catch (err) {
		if (err instanceof AppleJwtError) return err.reason
		throw err
	}
}

describe('verifyAppleJwt (docs/apple-protocol.md §2)', () => {
	it('accepts HS256 with aud = MSP ID and a fresh iat', async () => {
		expect(await reason(await token({ aud: MSP, iat: NOW }))).toBe('ok')
		expect(await reason(await token({ aud: [MSP, 'x'], iat: NOW - 3599 }))).toBe('ok')
		expect(await reason(await token({ aud: MSP, iat: NOW + 59 }))).toBe('ok')
	})
	it('rejects each claim that is wrong', async () => {
		expect(await reason(await token({ aud: 'someone-else', iat: NOW }))).toBe('audience')
		expect(await reason(await token({ iat: NOW }))).toBe('audience')
		expect(await reason(await token({ aud: MSP }))).toBe('iat_missing')
		expect(await reason(await token({ aud: MSP, iat: 'yesterday' }))).toBe('malformed')
	})
	it('rejects tokens older than one hour and too far in the future', async () => {
		expect(await reason(await token({ aud: MSP, iat: NOW - 3601 }))).toBe('iat_expired')
		expect(await reason(await token({ aud: MSP, iat: NOW + 61 }))).toBe('iat_future')
		// milliseconds instead of seconds lands far in the future (docs/apple-protocol.md §2.4 pitfall)
		expect(await reason(await token({ aud: MSP, iat: NOW * 1000 }))).toBe('iat_future')
	})
	it('rejects every algorithm but HS256, including none', async () => {
		expect(await reason(await token({ aud: MSP, iat: NOW }, SECRET, 'HS384'))).toBe('algorithm')
		expect(await reason(await token({ aud: MSP, iat: NOW }, SECRET, 'HS512'))).toBe('algorithm')
		const header = btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')
		const body = btoa(JSON.stringify({ aud: MSP, iat: NOW })).replace(/=+$/, '')
		expect(await reason(`${header}.${body}.`)).toBe('algorithm')
	})
	it('rejects a wrong signature and garbage', async () => {
		expect(await reason(await token({ aud: MSP, iat: NOW }, OTHER))).toBe('signature')
		const good = await token({ aud: MSP, iat: NOW })
		expect(await reason(good.slice(0, -3) + 'AAA')).toBe('signature')
		expect(await reason('not-a-jwt')).toBe('malformed')
	})
	it('honours the previous secret during rotation, and only while configured', async () => {
		const signedWithOld = await token({ aud: MSP, iat: NOW }, PREVIOUS)
		expect(await reason(signedWithOld, [SECRET, PREVIOUS])).toBe('ok')
		expect(await reason(signedWithOld, [SECRET])).toBe('signature')
	})
	it('uses the base64-decoded secret as the key, not its text (docs/apple-protocol.md §7)', async () => {
		const signedWithText = await new SignJWT({ aud: MSP, iat: NOW }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))
		expect(await reason(signedWithText)).toBe('signature')
	})
})

describe('mintMspToken (docs/apple-protocol.md §2.3)', () => {
	it('carries iss = MSP ID and iat in whole seconds, HS256', async () => {
		const t = await mintMspToken(MSP, SECRET, NOW)
		const [h, p] = t
			.split('.')
			.slice(0, 2)
			.map((s) => JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/'))))
		expect(h).toEqual({ alg: 'HS256', typ: 'JWT' })
		expect(p).toEqual({ iss: MSP, iat: NOW })
	})
})
