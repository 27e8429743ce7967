/**
 * Hosted pages in workerd, as a browser would drive them (docs/product.md "Hosted pages"):
 * login and session cookie, CSRF (Origin + synchronizer token), business scoping, settings
 * forms saved through the admin API, test delivery, failed deliveries with replay. The
 * account-linking landing page is hosted-landing.test.ts. Chromium drives the same pages in
 * test/browser/.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { businessStub } from '../../src/business/directory'
import { RETRY_WINDOW_MS } from '../../src/delivery/backoff'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf, eventRows, letTimePass } from '../helpers/conversation'
import { openSecret } from '../../src/lib/crypto'
import { clientSecretAad } from '../../src/business/service'
import { ADMIN_TOKEN, adminFetch, createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'
import { config, csrfOf, env, hostedFetch, ORIGIN, PageClient } from '../helpers/hosted'

let hooks: WebhookReceiver
beforeEach(() => {
	hooks = new WebhookReceiver().install()
})
afterEach(() => hooks.restore())

const settingsPath = (id: string) => `/hosted/businesses/${encodeURIComponent(id)}/settings`

async function admin(): Promise<PageClient> {
	const client = new PageClient()
	const res = await client.login(ADMIN_TOKEN)
	expect(res.status).toBe(303)
	return client
}

describe('login and session', () => {
	it('pages need a session: GET redirects to the login with a return path, POST is refused', async () => {
		const res = await hostedFetch('/hosted/businesses/abc/settings')
		expect(res.status).toBe(303)
		expect(res.headers.get('location')).toBe(`/hosted/login?next=${encodeURIComponent('/hosted/businesses/abc/settings')}`)
		const post = await hostedFetch('/hosted/businesses/abc/webhooks', { method: 'POST', headers: { origin: ORIGIN } })
		expect(post.status).toBe(401)
	})

	it('admin token login sets an HttpOnly, SameSite=Strict session cookie (not Secure in development)', async () => {
		const client = new PageClient()
		const res = await client.login(ADMIN_TOKEN, '/hosted')
		expect(res.status).toBe(303)
		expect(res.headers.get('location')).toBe('/hosted')
		const cookie = client.jar.raw.find((c) => c.startsWith('amb_session='))!
		expect(cookie).toMatch(/HttpOnly/i)
		expect(cookie).toMatch(/SameSite=Strict/i)
		expect(cookie).toMatch(/Path=\//)
		expect(cookie).not.toMatch(/Secure/i)
		const page = await client.get('/hosted')
		expect(page.status).toBe(200)
		expect(await page.text()).toContain('Operator')
	})

	it('in production the cookie is Secure and __Host- prefixed', async () => {
		const client = new PageClient({ ENVIRONMENT: 'production' })
		const res = await client.login(ADMIN_TOKEN)
		expect(res.status).toBe(303)
		const cookie = client.jar.raw.find((c) => c.startsWith('__Host-amb_session='))
		expect(cookie).toMatch(/Secure/i)
		expect(cookie).toMatch(/HttpOnly/i)
		expect(cookie).toMatch(/SameSite=Strict/i)
	})

	it('a wrong credential opens no session; an unknown business key answers like a wrong token', async () => {
		const client = new PageClient()
		for (const bad of ['not-the-token', 'amb_dGVzdA_' + 'x'.repeat(43)]) {
			const res = await client.login(bad)
			expect(res.status).toBe(401)
			expect(await res.text()).toContain('Invalid admin token or API key.')
		}
		expect(client.jar.cookies.has('amb_session')).toBe(false)
	})

	it('login is CSRF-protected too: no nonce cookie, wrong token or foreign Origin are refused', async () => {
		const client = new PageClient()
		const page = await (await client.get('/hosted/login')).text()
		const token = csrfOf(page)
		expect((await client.post('/hosted/login', { _csrf: token, credential: ADMIN_TOKEN }, { origin: 'https://evil.example' })).status).toBe(403)
		expect((await client.post('/hosted/login', { _csrf: token.slice(0, -2) + 'AA', credential: ADMIN_TOKEN })).status).toBe(403)
		const fresh = new PageClient()
		expect((await fresh.post('/hosted/login', { _csrf: token, credential: ADMIN_TOKEN })).status).toBe(403)
		expect(client.jar.cookies.has('amb_session')).toBe(false)
	})

	it('never redirects off-site after login', async () => {
		const client = new PageClient()
		for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/admin/businesses']) {
			const page = await (await client.get(`/hosted/login?next=${encodeURIComponent(next)}`)).text()
			expect(page).toContain('name="next" value="/hosted"')
		}
	})

	it('a business key session sees only its own business and ends when the key is rotated', async () => {
		const mine = await createBusiness({ name: 'Mine' })
		const other = await createBusiness({ name: 'Other' })
		const client = new PageClient()
		const res = await client.login(mine.apiKey, settingsPath(mine.businessId))
		expect(res.headers.get('location')).toBe(settingsPath(mine.businessId))
		expect((await client.get(settingsPath(mine.businessId))).status).toBe(200)
		const denied = await client.get(settingsPath(other.businessId))
		expect(denied.status).toBe(403)
		expect(await denied.text()).not.toContain('Other')
		const home = await client.get('/hosted')
		expect(home.headers.get('location')).toBe(settingsPath(mine.businessId))

		await adminFetch(`/businesses/${mine.businessId}/rotate-api-key`, { method: 'POST' })
		const after = await client.get(settingsPath(mine.businessId))
		expect(after.status).toBe(303)
		expect(after.headers.get('location')).toMatch(/^\/hosted\/login/)
	})

	it('logout ends the session', async () => {
		const client = await admin()
		const page = await (await client.get('/hosted')).text()
		const res = await client.post('/hosted/logout', { _csrf: csrfOf(page) })
		expect(res.status).toBe(303)
		expect((await client.get('/hosted')).status).toBe(303)
	})
})

describe('settings forms', () => {
	it('saves webhooks and routes; a forged or cross-origin POST changes nothing', async () => {
		const biz = await createBusiness({ webhookUrl: 'https://hooks.example.com/a' })
		const client = await admin()
		const page = await (await client.get(settingsPath(biz.businessId))).text()
		const csrf = csrfOf(page)
		const form = {
			webhookUrl: 'https://hooks.example.com/b',
			routeIntent: ['billing', '', ''],
			routeGroup: ['', 'vip', ''],
			routeUrl: ['https://billing.example.com/x', 'https://vip.example.com/y', ''],
		}
		const forged = await client.post(`${settingsPath(biz.businessId).replace(/settings$/, 'webhooks')}`, { ...form, _csrf: 'forged' })
		expect(forged.status).toBe(403)
		const crossOrigin = await client.post(
			`${settingsPath(biz.businessId).replace(/settings$/, 'webhooks')}`,
			{ ...form, _csrf: csrf },
			{ origin: 'http://127.0.0.1:9999' },
		)
		expect(crossOrigin.status).toBe(403)
		const noOrigin = await hostedFetch(settingsPath(biz.businessId).replace(/settings$/, 'webhooks'), {
			method: 'POST',
			headers: { cookie: client.jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ _csrf: csrf, webhookUrl: 'https://hooks.example.com/c' }).toString(),
		})
		expect(noOrigin.status).toBe(403)
		expect(((await (await adminFetch(`/businesses/${biz.businessId}`)).json()) as { webhookUrl: string }).webhookUrl).toBe('https://hooks.example.com/a')

		const ok = await client.post(`${settingsPath(biz.businessId).replace(/settings$/, 'webhooks')}`, { ...form, _csrf: csrf })
		expect(ok.status).toBe(303)
		expect(ok.headers.get('location')).toBe(`${settingsPath(biz.businessId)}?notice=saved#webhooks`)
		expect(await (await adminFetch(`/businesses/${biz.businessId}`)).json()).toMatchObject({
			webhookUrl: 'https://hooks.example.com/b',
			routes: [
				{ intent: 'billing', webhookUrl: 'https://billing.example.com/x' },
				{ group: 'vip', webhookUrl: 'https://vip.example.com/y' },
			],
		})
	})

	it('invalid input re-renders the section with the errors and what was typed (422)', async () => {
		const biz = await createBusiness()
		const client = await admin()
		const csrf = csrfOf(await (await client.get(settingsPath(biz.businessId))).text())
		const res = await client.post(settingsPath(biz.businessId).replace(/settings$/, 'webhooks'), {
			_csrf: csrf,
			webhookUrl: 'http://169.254.169.254/latest',
			routeIntent: 'x',
			routeGroup: '',
			routeUrl: 'not a url',
		})
		expect(res.status).toBe(422)
		const html = await res.text()
		expect(html).toContain('role="alert"')
		expect(html).toContain('value="http://169.254.169.254/latest"')
	})

	it('authentication: the client secret is write-only and kept when left blank', async () => {
		const biz = await createBusiness()
		const client = await admin()
		const action = settingsPath(biz.businessId).replace(/settings$/, 'authentication')
		let csrf = csrfOf(await (await client.get(settingsPath(biz.businessId))).text())
		const fields = {
			authorizationUrl: 'https://idp.example.com/authorize',
			tokenUrl: 'https://idp.example.com/token',
			clientId: 'cid',
			scopes: 'openid email',
			userIdUrl: '',
		}
		const missing = await client.post(action, { ...fields, clientSecret: '', action: 'save', _csrf: csrf })
		expect(missing.status).toBe(422)
		expect((await client.post(action, { ...fields, clientSecret: 'first-secret', action: 'save', _csrf: csrf })).status).toBe(303)
		const page = await (await client.get(settingsPath(biz.businessId))).text()
		expect(page).not.toContain('first-secret')
		expect(page).toContain(`${ORIGIN}/hosted/auth/callback`)
		csrf = csrfOf(page)
		expect((await client.post(action, { ...fields, clientId: 'cid2', clientSecret: '', action: 'save', _csrf: csrf })).status).toBe(303)
		const stored = (await businessStub(env, biz.businessId).get())!.settings.authentication!
		expect(stored).toMatchObject({ clientId: 'cid2', scopes: ['openid', 'email'] })
		expect(await openSecret(config().DATA_ENCRYPTION_KEY, stored.clientSecretSealed, clientSecretAad(biz.businessId))).toBe('first-secret')

		expect((await client.post(action, { action: 'remove', _csrf: csrf })).headers.get('location')).toContain('notice=removed')
		expect((await businessStub(env, biz.businessId).get())!.settings.authentication).toBeUndefined()
	})

	it('Apple Pay settings: checkboxes and free-form networks, then removal', async () => {
		const biz = await createBusiness()
		const client = await admin()
		const action = settingsPath(biz.businessId).replace(/settings$/, 'apple-pay')
		const csrf = csrfOf(await (await client.get(settingsPath(biz.businessId))).text())
		const res = await client.post(action, {
			_csrf: csrf,
			action: 'save',
			merchantIdentifier: 'merchant.com.example',
			displayName: 'Example',
			domainName: 'pay.example.com',
			countryCode: 'us',
			currencyCode: 'usd',
			supportedNetworks: ['visa', 'amex'],
			otherNetworks: 'cartesBancaires',
			merchantCapabilities: ['supports3DS', 'supportsDebit'],
		})
		expect(res.status).toBe(303)
		expect((await businessStub(env, biz.businessId).get())!.settings.applePay).toEqual({
			merchantIdentifier: 'merchant.com.example',
			displayName: 'Example',
			domainName: 'pay.example.com',
			countryCode: 'US',
			currencyCode: 'USD',
			supportedNetworks: ['visa', 'amex', 'cartesBancaires'],
			merchantCapabilities: ['supports3DS', 'supportsDebit'],
		})
		await client.post(action, { _csrf: csrf, action: 'remove' })
		expect((await businessStub(env, biz.businessId).get())!.settings.applePay).toBeUndefined()
	})

	it('test delivery shows status code and latency, never the response body', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://probe.localhost/hook' })
		hooks.on('http://probe.localhost/hook', () => new Response('SECRET-RESPONSE-BODY', { status: 503 }), false)
		const client = await admin()
		const csrf = csrfOf(await (await client.get(settingsPath(biz.businessId))).text())
		const res = await client.post(settingsPath(biz.businessId).replace(/settings$/, 'test-delivery'), { _csrf: csrf, target: 'default' })
		expect(res.status).toBe(303)
		const page = await (await client.get(res.headers.get('location')!)).text()
		expect(page).toMatch(/HTTP 503 in \d+ ms/)
		expect(page).not.toContain('SECRET-RESPONSE-BODY')
		// Only saved URLs can be targeted.
		expect(
			(await client.post(settingsPath(biz.businessId).replace(/settings$/, 'test-delivery'), { _csrf: csrf, target: 'http://elsewhere.localhost/' })).status,
		).toBe(400)
	})

	it('lists failed deliveries and replays one', async () => {
		const biz = await createBusiness({ webhookUrl: 'http://replay.localhost/hook' })
		let up = false
		hooks.on('http://replay.localhost/hook', () => new Response(null, { status: up ? 200 : 500 }))
		const c = customerId()
		await postApple(textMessage(biz.businessId, c, 'lost'))
		const stub = conversationOf(biz.businessId, c)
		await vi.waitFor(async () => expect((await eventRows(stub))[0]!.attempts).toBe(1))
		await letTimePass(stub, RETRY_WINDOW_MS + 1000)
		const job = { eventId: (await eventRows(stub))[1]!.event_id }
		up = true
		const client = await admin()
		const page = await (await client.get(settingsPath(biz.businessId))).text()
		expect(page).toContain(`data-delivery="${job.eventId}"`)
		const res = await client.post(`/hosted/businesses/${biz.businessId}/deliveries/${job.eventId}/replay`, { _csrf: csrfOf(page) })
		expect(res.status).toBe(303)
		expect(res.headers.get('location')).toContain('notice=replayed')
		await vi.waitFor(() => expect(hooks.received.map((r) => r.headers['webhook-id'])).toContain(job.eventId), { timeout: 5000 })
		expect(await (await client.get(settingsPath(biz.businessId))).text()).not.toContain(`data-delivery="${job.eventId}"`)
	})
})
