import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppError } from '../../src/lib/errors'
import { handleError } from '../../src/routes/error-handler'

function appThrowing(err: Error) {
	const app = new Hono()
	app.onError(handleError)
	app.all('*', () => {
		throw err
	})
	return app
}

describe('the one error path', () => {
	afterEach(() => vi.restoreAllMocks())

	it('answers API failures with the JSON envelope, details included', async () => {
		const res = await appThrowing(new AppError(400, 'bad_request', 'message.text is required', [{ path: 'message.text', message: 'required' }])).request(
			'/v1/messages',
		)
		expect(res.status).toBe(400)
		expect(await res.json()).toEqual({
			error: { code: 'bad_request', message: 'message.text is required', details: [{ path: 'message.text', message: 'required' }] },
		})
	})

	it('logs the cause and internal facts of a server failure, and sends neither', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
		const err = new AppError(502, 'upstream_failed', 'Apple did not answer', undefined, {
			cause: new Error('socket hang up at 10.0.0.7'),
			internal: { upstreamStatus: 503 },
		})
		const res = await appThrowing(err).request('/v1/messages')
		expect(res.status).toBe(502)
		const text = await res.text()
		expect(text).not.toContain('10.0.0.7')
		expect(text).not.toContain('upstreamStatus')
		expect(JSON.parse(text)).toEqual({ error: { code: 'upstream_failed', message: 'Apple did not answer' } })
		const line = JSON.parse(String(logged.mock.calls[0]?.[0]))
		expect(line).toMatchObject({ level: 'error', path: '/v1/messages', upstreamStatus: 503 })
		expect(line.error).toContain('socket hang up at 10.0.0.7')
	})

	it('hides unknown errors behind a generic 500', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {})
		const res = await appThrowing(new TypeError('cannot read x of undefined')).request('/v1/conversations')
		expect(res.status).toBe(500)
		expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } })
	})

	it('renders pages as HTML, escaping the message, and keeps the pay endpoints JSON', async () => {
		const page = await appThrowing(new AppError(404, 'not_found', 'No business <b>x</b>')).request('/hosted/businesses/x/settings')
		expect(page.status).toBe(404)
		expect(page.headers.get('content-type')).toContain('text/html')
		const html = await page.text()
		expect(html).toContain('No business &lt;b&gt;x&lt;/b&gt;')
		expect(html).not.toContain('<b>x</b>')
		const pay = await appThrowing(new HTTPException(403, { message: 'origin refused' })).request('/hosted/pay/session')
		expect(pay.headers.get('content-type')).toContain('application/json')
		expect(await pay.json()).toEqual({ error: { code: 'http_error', message: 'origin refused' } })
		vi.spyOn(console, 'error').mockImplementation(() => {})
		const broken = await appThrowing(new Error('db path /var/x')).request('/landing?id=1')
		expect(broken.status).toBe(500)
		expect(await broken.text()).not.toContain('/var/x')
	})
})
