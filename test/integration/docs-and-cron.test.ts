import { createExecutionContext, createScheduledController } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import worker from '../../src/index'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cachedTokenIat } from '../../src/lib/outbound-token'

describe('docs page', () => {
	it('is the Scalar reference of /openapi.json, its script from this origin, under a strict CSP', async () => {
		const res = await exports.default.fetch('https://msp.test/docs')
		expect(res.headers.get('content-type')).toContain('text/html')
		expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
		const html = await res.text()
		expect(html).toContain('/openapi.json')
		expect(html).toContain('<script src="/docs/scalar.js">')
		expect(html).not.toMatch(/<script src="https?:/)
		// The script itself is a static asset, in front of the Worker: test/browser/docs.e2e.ts.
	})
})

describe('hourly cron', () => {
	afterEach(() => vi.useRealTimers())
	it('mints the outbound token, is idempotent when fired twice, and re-mints when it ages', async () => {
		vi.useFakeTimers({ toFake: ['Date'] })
		vi.setSystemTime(new Date('2026-11-22T10:00:00Z'))
		const fire = () => worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '0 * * * *' }), env, createExecutionContext())
		await fire()
		const iat = cachedTokenIat()
		expect(iat).toBe(Math.floor(Date.now() / 1000))
		vi.setSystemTime(new Date('2026-11-22T10:00:30Z'))
		await fire()
		expect(cachedTokenIat()).toBe(iat)
		vi.setSystemTime(new Date('2026-11-22T11:00:00Z'))
		await fire()
		expect(cachedTokenIat()).toBe(Math.floor(Date.now() / 1000))
	})
})
