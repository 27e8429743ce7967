import { describe, expect, it } from 'vitest'
import { adminFetch, businessFetch, createBusiness } from '../helpers/platform'

describe('admin API (docs/product.md "Admin API")', () => {
	it('401 without the admin token, 403 with a wrong one', async () => {
		const none = await adminFetch('/businesses/x', { headers: { authorization: '' } })
		expect(none.status).toBe(401)
		const wrong = await adminFetch('/businesses/x', { headers: { authorization: 'Bearer nope-nope-nope' } })
		expect(wrong.status).toBe(403)
		expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('forbidden')
	})

	it('concurrent PATCHes of different fields both land (merged inside the object)', async () => {
		const biz = await createBusiness()
		const patches = [
			{ name: 'Renamed' },
			{ logoUrl: 'https://cdn.example.com/logo.png' },
			{ attachmentRetentionDays: 7 },
			{ routes: [{ intent: 'billing', webhookUrl: 'https://billing.example.com/amb' }] },
		]
		const answers = await Promise.all(patches.map((json) => adminFetch(`/businesses/${biz.businessId}`, { method: 'PATCH', json })))
		expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200])
		const stored = (await (await adminFetch(`/businesses/${biz.businessId}`)).json()) as Record<string, unknown>
		expect(stored).toMatchObject({ name: 'Renamed', logoUrl: 'https://cdn.example.com/logo.png', attachmentRetentionDays: 7, routes: [{ intent: 'billing' }] })
	})

	it('creates a business; secrets are shown once and never read back', async () => {
		const id = crypto.randomUUID()
		const res = await adminFetch('/businesses', {
			method: 'POST',
			json: {
				businessId: id,
				name: 'Acme',
				webhookUrl: 'https://hooks.example.com/amb',
				routes: [{ intent: 'billing', webhookUrl: 'https://billing.example.com/amb' }],
				authentication: {
					authorizationUrl: 'https://idp.example.com/auth',
					tokenUrl: 'https://idp.example.com/token',
					clientId: 'cid',
					clientSecret: 'super-secret-value',
					scopes: ['openid'],
				},
			},
		})
		expect(res.status).toBe(201)
		const created = (await res.json()) as { apiKey: string; webhookSecret: string; businessId: string }
		expect(created.businessId).toBe(id)
		expect(created.apiKey).toMatch(/^amb_/)
		expect(created.webhookSecret).toMatch(/^whsec_/)

		const readBack = await (await adminFetch(`/businesses/${id}`)).text()
		expect(readBack).not.toContain(created.apiKey)
		expect(readBack).not.toContain(created.webhookSecret.slice(6))
		expect(readBack).not.toContain('super-secret-value')
		expect(JSON.parse(readBack)).toMatchObject({
			businessId: id,
			name: 'Acme',
			routes: [{ intent: 'billing', webhookUrl: 'https://billing.example.com/amb' }],
			attachmentRetentionDays: 30,
			authentication: { clientId: 'cid', clientSecret: '(set)' },
		})
	})

	it('409 when the business exists', async () => {
		const b = await createBusiness()
		const res = await adminFetch('/businesses', { method: 'POST', json: { businessId: b.businessId, name: 'x', webhookUrl: 'http://hooks.localhost/x' } })
		expect(res.status).toBe(409)
	})

	it.each([
		['missing name', { webhookUrl: 'https://a.example.com/' }],
		['bad url', { name: 'x', webhookUrl: 'not a url' }],
		['route without intent or group', { name: 'x', webhookUrl: 'https://a.example.com/', routes: [{ webhookUrl: 'https://b.example.com/' }] }],
		['unknown field', { name: 'x', webhookUrl: 'https://a.example.com/', colour: 'red' }],
		['retention out of range', { name: 'x', webhookUrl: 'https://a.example.com/', attachmentRetentionDays: 0 }],
	])('400 for %s, and nothing is stored', async (_n, body) => {
		const id = crypto.randomUUID()
		const res = await adminFetch('/businesses', { method: 'POST', json: { businessId: id, ...body } })
		expect(res.status).toBe(400)
		expect(((await res.json()) as { error: { details: unknown[] } }).error.details.length).toBeGreaterThan(0)
		expect((await adminFetch(`/businesses/${id}`)).status).toBe(404)
	})

	it('422 for a webhook URL on a private address, and nothing is stored', async () => {
		const id = crypto.randomUUID()
		const res = await adminFetch('/businesses', { method: 'POST', json: { businessId: id, name: 'x', webhookUrl: 'https://169.254.169.254/latest' } })
		expect(res.status).toBe(422)
		expect((await adminFetch(`/businesses/${id}`)).status).toBe(404)
	})

	it('400 for malformed JSON and 413 for an oversized body', async () => {
		expect((await adminFetch('/businesses', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } })).status).toBe(400)
		const big = JSON.stringify({ name: 'x'.repeat(300 * 1024) })
		expect((await adminFetch('/businesses', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } })).status).toBe(413)
	})

	it('updates settings, leaving the rest unchanged', async () => {
		const b = await createBusiness()
		const res = await adminFetch(`/businesses/${b.businessId}`, {
			method: 'PATCH',
			json: { name: 'Renamed', routes: [{ group: 'sales', webhookUrl: 'http://sales.localhost/' }] },
		})
		expect(res.status).toBe(200)
		expect(await res.json()).toMatchObject({ name: 'Renamed', webhookUrl: 'http://hooks.localhost/default', routes: [{ group: 'sales' }] })
		expect((await adminFetch(`/businesses/${b.businessId}`, { method: 'PATCH', json: { name: '' } })).status).toBe(400)
		expect((await adminFetch('/businesses/nobody-here', { method: 'PATCH', json: { name: 'x' } })).status).toBe(404)
	})

	it('logoUrl (the image of last resort for rich links): validated, checked like other URLs, removable with null', async () => {
		const b = await createBusiness()
		const path = `/businesses/${b.businessId}`
		const set = await adminFetch(path, { method: 'PATCH', json: { logoUrl: 'https://cdn.example.com/logo.png' } })
		expect(set.status).toBe(200)
		expect(await set.json()).toMatchObject({ logoUrl: 'https://cdn.example.com/logo.png', name: 'Test Business' })
		const notUrl = await adminFetch(path, { method: 'PATCH', json: { logoUrl: 'logo.png' } })
		expect(notUrl.status).toBe(400)
		const privateHost = await adminFetch(path, { method: 'PATCH', json: { logoUrl: 'https://169.254.169.254/logo.png' } })
		expect(privateHost.status).toBe(422)
		expect(((await privateHost.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(['logoUrl'])
		expect(await (await adminFetch(path)).json()).toMatchObject({ logoUrl: 'https://cdn.example.com/logo.png' })
		const cleared = await adminFetch(path, { method: 'PATCH', json: { logoUrl: null } })
		expect(cleared.status).toBe(200)
		expect(await cleared.json()).not.toHaveProperty('logoUrl')
		const id = crypto.randomUUID()
		const created = await adminFetch('/businesses', {
			method: 'POST',
			json: { businessId: id, name: 'x', webhookUrl: 'https://hooks.example.com/x', logoUrl: 'https://10.0.0.1/l.png' },
		})
		expect(created.status).toBe(422)
		expect((await adminFetch(`/businesses/${id}`)).status).toBe(404)
	})

	it('rotating the API key invalidates the old one at once', async () => {
		const b = await createBusiness()
		expect((await businessFetch(b.apiKey, '/v1/deliveries/failed')).status).toBe(200)
		const res = await adminFetch(`/businesses/${b.businessId}/rotate-api-key`, { method: 'POST' })
		const { apiKey } = (await res.json()) as { apiKey: string }
		expect((await businessFetch(b.apiKey, '/v1/deliveries/failed')).status).toBe(401)
		expect((await businessFetch(apiKey, '/v1/deliveries/failed')).status).toBe(200)
	})

	it('deletes a business: its key stops working, a second delete is 404', async () => {
		const b = await createBusiness()
		expect((await adminFetch(`/businesses/${b.businessId}`, { method: 'DELETE' })).status).toBe(204)
		expect((await adminFetch(`/businesses/${b.businessId}`)).status).toBe(404)
		expect((await businessFetch(b.apiKey, '/v1/deliveries/failed')).status).toBe(401)
		expect((await adminFetch(`/businesses/${b.businessId}`, { method: 'DELETE' })).status).toBe(404)
	})
})
