import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { sameOrigin } from '../../src/hosted/csrf'
import { openToken, signToken, TokenError, verifyToken } from '../../src/hosted/tokens'

const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
const OTHER_KEY = 'HxwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgEAAAA='
const Payload = z.object({ r: z.string(), exp: z.number() })
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

async function reason(p: Promise<unknown>): Promise<string> {
	const err = await p.then(
		() => null,
		(e: unknown) => e,
	)
	expect(err).toBeInstanceOf(TokenError)
	return (err as TokenError).reason
}

describe('signed tokens (state, pay path token, session)', () => {
	it('round-trips and is URL-safe', async () => {
		const t = await signToken(KEY, 'oauth-state', { r: 'req-1', exp: inAnHour() })
		expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
		expect(await verifyToken(KEY, 'oauth-state', t, Payload)).toMatchObject({ r: 'req-1' })
	})

	it('a token minted for one purpose is refused for another', async () => {
		const t = await signToken(KEY, 'pay-callback', { r: 'req-1', exp: inAnHour() })
		expect(await reason(verifyToken(KEY, 'oauth-state', t, Payload))).toBe('signature')
		expect(await reason(verifyToken(KEY, 'session', t, Payload))).toBe('signature')
	})

	it('refuses another key, altered payload or MAC, and garbage', async () => {
		const t = await signToken(KEY, 'oauth-state', { r: 'req-1', exp: inAnHour() })
		const [body, mac] = t.split('.') as [string, string]
		const forged = btoa(JSON.stringify({ r: 'req-2', exp: inAnHour() })).replace(/=+$/, '')
		expect(await reason(verifyToken(OTHER_KEY, 'oauth-state', t, Payload))).toBe('signature')
		expect(await reason(verifyToken(KEY, 'oauth-state', `${forged}.${mac}`, Payload))).toBe('signature')
		expect(await reason(verifyToken(KEY, 'oauth-state', `${body}.${mac.slice(0, 20)}`, Payload))).toBe('signature')
		for (const junk of ['', 'a', 'a.b.c', `${body}.`, '.x', 'x'.repeat(5000)]) {
			expect(['malformed', 'signature']).toContain(await reason(verifyToken(KEY, 'oauth-state', junk, Payload)))
		}
	})

	it('checks the shape after the MAC, and expiry last', async () => {
		const wrongShape = await signToken(KEY, 'oauth-state', { q: 1, exp: inAnHour() })
		expect(await reason(verifyToken(KEY, 'oauth-state', wrongShape, Payload))).toBe('malformed')
		const old = await signToken(KEY, 'oauth-state', { r: 'x', exp: Math.floor(Date.now() / 1000) - 1 })
		expect(await reason(verifyToken(KEY, 'oauth-state', old, Payload))).toBe('expired')
		// openToken leaves expiry to the caller (the redirect settles an expired request as such).
		expect(await openToken(KEY, 'oauth-state', old, Payload)).toMatchObject({ r: 'x' })
	})
})

describe('Origin check of form posts', () => {
	const req = (headers: Record<string, string>) => new Request('https://msp.example.com/hosted/x', { method: 'POST', headers })
	it.each([
		[{ origin: 'https://msp.example.com' }, true],
		[{ origin: 'https://evil.example' }, false],
		[{ origin: 'http://msp.example.com' }, false],
		[{ origin: 'https://msp.example.com:8443' }, false],
		[{ origin: 'null' }, false],
		[{ 'sec-fetch-site': 'same-origin' }, true],
		[{ 'sec-fetch-site': 'same-site' }, false],
		[{ 'sec-fetch-site': 'cross-site' }, false],
		[{ referer: 'https://msp.example.com/hosted/login' }, true],
		[{ referer: 'https://evil.example/https://msp.example.com/' }, false],
		[{ referer: 'not a url' }, false],
		[{}, false],
	])('%j → %s', (headers, ok) => {
		expect(sameOrigin(req(headers))).toBe(ok)
	})
})
