import { exports } from 'cloudflare:workers'
import { expect, it } from 'vitest'

it('answers health', async () => {
	const res = await exports.default.fetch('https://msp.test/health')
	expect(await res.json()).toEqual({ ok: true })
})

it('the root is a small page that links the reference, the settings and (in development) the simulator', async () => {
	const res = await exports.default.fetch('https://msp.test/')
	expect(res.status).toBe(200)
	expect(res.headers.get('content-type')).toContain('text/html')
	expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
	const html = await res.text()
	expect(html).toContain('href="/docs"')
	expect(html).toContain('href="/hosted"')
	// The test configuration is development mode with the gateway at http://apple.test.
	expect(html).toContain('href="http://apple.test/device"')
})

it('an unknown path is still a JSON 404', async () => {
	const res = await exports.default.fetch('https://msp.test/nope')
	expect(res.status).toBe(404)
	expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } })
})
