import { createExecutionContext, createScheduledController } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import worker from '../../src/index'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cachedTokenIat } from '../../src/lib/outbound-token'

describe('OpenAPI document and docs page', () => {
	it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
		const doc = (await (await exports.default.fetch('https://msp.test/openapi.json')).json()) as {
			openapi: string
			paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } }>>
		}
		expect(doc.openapi).toBe('3.1.0')
		const send = doc.paths['/v1/messages']!.post!.requestBody!.content['application/json'].schema
		expect(Object.keys(send.properties).sort()).toEqual(['customerId', 'message'])
		expect(JSON.stringify(send)).toContain('listPicker')
		expect(JSON.stringify(send)).toContain('timePicker')
	})
	it('serves the docs page', async () => {
		const res = await exports.default.fetch('https://msp.test/docs')
		expect(res.headers.get('content-type')).toContain('text/html')
		expect(await res.text()).toContain('/openapi.json')
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
