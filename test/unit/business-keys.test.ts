import { describe, expect, it } from 'vitest'
import { apiKeyMatches, businessIdOfKey, hashApiKey, newApiKey } from '../../src/business/api-key'
import { chooseRoute } from '../../src/business/routing'
import { openSecret, sealSecret } from '../../src/lib/crypto'

const KEK = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='

describe('API keys', () => {
	it.each(['a884eddf-1234-4321-9999-000000000000', 'biz_with_underscores', 'x'])('name their business: %s', async (id) => {
		const key = newApiKey(id)
		expect(businessIdOfKey(key)).toBe(id)
		expect(await apiKeyMatches(key, [await hashApiKey(key)])).toBe(true)
		expect(await apiKeyMatches(key, [await hashApiKey(newApiKey(id))])).toBe(false)
	})
	it.each(['', 'amb_', 'sk_live_123', 'amb_!!!_' + 'a'.repeat(43), 'amb_YQ_short'])('rejects foreign keys: %s', (k) => {
		expect(businessIdOfKey(k)).toBeNull()
	})
})

describe('sealed secrets', () => {
	it('round-trip and are bound to their owner', async () => {
		const sealed = await sealSecret(KEK, 'whsec_abc', 'webhook-secret:a')
		expect(sealed).not.toContain('whsec_abc')
		expect(await openSecret(KEK, sealed, 'webhook-secret:a')).toBe('whsec_abc')
		await expect(openSecret(KEK, sealed, 'webhook-secret:b')).rejects.toThrow()
	})
})

describe('routing on intent / group (docs/apple-protocol.md §3.1)', () => {
	const settings = {
		webhookUrl: 'https://default.example/',
		routes: [
			{ intent: 'billing', group: 'vip', webhookUrl: 'https://vip-billing.example/' },
			{ intent: 'billing', webhookUrl: 'https://billing.example/' },
			{ group: 'sales', webhookUrl: 'https://sales.example/' },
		],
	}
	it('takes the first rule whose fields all match', () => {
		expect(chooseRoute(settings, { intent: 'billing', group: 'vip' })).toEqual({ rule: 0, webhookUrl: 'https://vip-billing.example/' })
		expect(chooseRoute(settings, { intent: 'billing', group: 'sales' })).toEqual({ rule: 1, webhookUrl: 'https://billing.example/' })
		expect(chooseRoute(settings, { intent: 'other', group: 'sales' })).toEqual({ rule: 2, webhookUrl: 'https://sales.example/' })
	})
	it('falls back to the default URL', () => {
		expect(chooseRoute(settings, { intent: null, group: null })).toEqual({ rule: null, webhookUrl: 'https://default.example/' })
		expect(chooseRoute(settings, { intent: 'vip' })).toEqual({ rule: null, webhookUrl: 'https://default.example/' })
	})
})
