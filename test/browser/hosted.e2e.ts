/**
 * Hosted pages in headless Chromium (docs/product.md "Hosted pages"): the landing page as Apple
 * Business Register opens it, login, the channel settings page (webhooks and routing,
 * authentication, Apple Pay, test delivery, failed deliveries with replay), business
 * scoping, and CSRF attempts that must fail.
 *
 * The Worker is bundled with esbuild and served by Miniflare (workerd) on loopback; a second
 * Miniflare instance on another port plays the business's webhook endpoint and an attacker's
 * page (same site as the MSP, different origin: the SameSite=Strict cookie IS sent, so only
 * the Origin check and the synchronizer token stand in the way).
 */
import { SignJWT } from 'jose'
import { bundleWorker, PRODUCT_DURABLE_OBJECTS } from '../../bench/bundle.mjs'
import { Miniflare } from 'miniflare'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdef0123'
const BUNDLE = 'node_modules/.cache/amb-edge-browser/worker.js'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

/**
 * The business's endpoint (counts deliveries per path), an attacker's page, and the
 * business's identity provider: an authorization page with Allow / Deny, a token endpoint
 * that checks the code, redirect URI and client credentials (form-encoded, RFC 6749
 * §4.1.3), and a user-info endpoint.
 */
const FIXTURES = `
const hits = {}
const codes = new Map()
const html = (body) => new Response('<!doctype html><meta charset="utf-8">' + body, { headers: { 'content-type': 'text/html' } })
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
export default {
	async fetch(req) {
		const url = new URL(req.url)
		if (url.pathname.startsWith('/hook')) {
			hits[url.pathname] = (hits[url.pathname] ?? 0) + 1
			await req.arrayBuffer()
			return new Response('FIXTURE-SECRET-BODY', { status: url.pathname === '/hook/gone' ? 410 : 202 })
		}
		if (url.pathname === '/hits') return Response.json(hits)
		if (url.pathname === '/attack') {
			const action = url.searchParams.get('action') ?? ''
			return html('<title>win a prize</title><form id="f" method="post" action="' + esc(action) + '">'
				+ '<input name="webhookUrl" value="https://evil.example/steal"><input name="_csrf" value="guessed"></form>'
				+ '<script>document.getElementById("f").submit()</script>')
		}
		if (url.pathname === '/idp/authorize') {
			const p = url.searchParams
			if (p.get('response_type') !== 'code' || p.get('client_id') !== 'browser-client') return new Response('bad request', { status: 400 })
			const back = (params) => { const u = new URL(p.get('redirect_uri')); for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v); return u.toString() }
			const code = 'code-' + crypto.randomUUID()
			codes.set(code, p.get('redirect_uri'))
			return html('<h1>Acme ID</h1><p>Let Messages sign you in (' + esc(p.get('scope')) + ')?</p>'
				+ '<a id="allow" href="' + esc(back({ code, state: p.get('state') })) + '">Allow</a> '
				+ '<a id="deny" href="' + esc(back({ error: 'access_denied', state: p.get('state') })) + '">Deny</a>')
		}
		if (url.pathname === '/idp/token' && req.method === 'POST') {
			const form = new URLSearchParams(await req.text())
			const ok = req.headers.get('content-type') === 'application/x-www-form-urlencoded'
				&& form.get('grant_type') === 'authorization_code' && codes.get(form.get('code')) === form.get('redirect_uri')
				&& form.get('client_id') === 'browser-client' && form.get('client_secret') === 'browser-client-secret'
			if (!ok) return Response.json({ error: 'invalid_grant' }, { status: 400 })
			codes.delete(form.get('code'))
			return Response.json({ access_token: 'idp-access-' + form.get('code'), token_type: 'Bearer', expires_in: 600 })
		}
		if (url.pathname === '/idp/userinfo') {
			const auth = req.headers.get('authorization') ?? ''
			return auth.startsWith('Bearer idp-access-') ? Response.json({ sub: 'browser-user-7' }) : new Response(null, { status: 401 })
		}
		return new Response('not found', { status: 404 })
	},
}
`

let product: Miniflare
let fixtures: Miniflare
let browser: Browser
let base: string
let fixturesBase: string

beforeAll(async () => {
	await bundleWorker('test/browser/worker-entry.ts', BUNDLE)
	fixtures = new Miniflare({ modules: true, script: FIXTURES, compatibilityDate: '2026-04-20', host: '127.0.0.1', port: 0 })
	product = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: BUNDLE,
		bindings: {
			MSP_ID: 'browser-msp',
			APPLE_API_SECRET: 'dGVzdC1hcHBsZS1zZWNyZXQtMzItYnl0ZXMtLS0tLS0=',
			ADMIN_TOKEN,
			DATA_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
			ENVIRONMENT: 'development',
			APPLE_GATEWAY_URL: 'http://127.0.0.1:9',
		},
		durableObjects: PRODUCT_DURABLE_OBJECTS,
		queueProducers: { WEBHOOK_QUEUE: 'amb-webhooks' },
		queueConsumers: {
			'amb-webhooks': { maxBatchTimeout: 0.05, maxRetries: 15, deadLetterQueue: 'amb-webhooks-dlq' },
			'amb-webhooks-dlq': { maxBatchTimeout: 0.05 },
		},
		r2Buckets: ['ATTACHMENTS'],
		host: '127.0.0.1',
		port: 0,
	})
	base = (await product.ready).origin
	fixturesBase = (await fixtures.ready).origin
	browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
})

afterAll(async () => {
	await browser?.close()
	await product?.dispose()
	await fixtures?.dispose()
})

async function adminApi(path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
	return fetch(`${base}/admin${path}`, {
		method: init.method ?? 'GET',
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
		...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
	})
}

async function business(
	id: string,
): Promise<{ webhookUrl: string; routes: unknown[]; authentication?: Record<string, unknown>; applePay?: Record<string, unknown> }> {
	const res = await adminApi(`/businesses/${encodeURIComponent(id)}`)
	expect(res.status).toBe(200)
	return (await res.json()) as { webhookUrl: string; routes: unknown[] }
}

async function hits(): Promise<Record<string, number>> {
	return (await (await fetch(`${fixturesBase}/hits`)).json()) as Record<string, number>
}

async function signIn(page: Page, credential: string): Promise<void> {
	await expect.poll(() => page.url()).toContain('/hosted/login')
	await page.fill('#credential', credential)
	await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/hosted/login')), page.click('#sign-in')])
}

const settingsUrl = (id: string) => `${base}/hosted/businesses/${encodeURIComponent(id)}/settings`

describe('landing page → settings, as the operator', () => {
	const accountId = `acct-${crypto.randomUUID()}`
	let apiKey = ''

	it('Apple Business Register link → login → create the business → secrets shown once', async () => {
		const page = await browser.newPage()
		const landing = `${base}/landingPage?id=${accountId}&name=${encodeURIComponent('Acme Coffee')}&logo=${encodeURIComponent('https://cdn.example.com/logo.png')}`
		await page.goto(landing)
		await signIn(page, ADMIN_TOKEN)
		expect(page.url()).toBe(landing)
		expect(await page.textContent('#account-id')).toBe(accountId)
		expect(await page.textContent('#account-name')).toBe('Acme Coffee')
		expect(await page.inputValue('#create-name')).toBe('Acme Coffee')
		await page.fill('#create-webhook', `${fixturesBase}/hook/default`)
		await page.click('#create-business')
		await page.waitForSelector('#link-result')
		apiKey = (await page.textContent('#api-key')) ?? ''
		expect(apiKey).toMatch(/^amb_/)
		expect(await page.textContent('#webhook-secret')).toMatch(/^whsec_/)
		expect(await business(accountId)).toMatchObject({ webhookUrl: `${fixturesBase}/hook/default` })

		// Back to the landing page: the link is recorded and shown, nothing to create twice.
		await page.goto(landing)
		expect(await page.textContent('h1')).toBe('Account already linked')
		expect(await page.textContent('#link-result')).toContain(`is linked to business ${accountId}`)
		expect(await page.$('#create-business')).toBeNull()
		await page.close()
	})

	it('settings: routing rules, authentication, Apple Pay; secrets never shown', async () => {
		const page = await browser.newPage()
		await page.goto(settingsUrl(accountId))
		await signIn(page, ADMIN_TOKEN)
		expect(await page.textContent('#business-name')).toBe('Acme Coffee')

		await page.fill('input[aria-label="Route 1 intent"]', 'billing')
		await page.fill('input[aria-label="Route 1 webhook URL"]', `${fixturesBase}/hook/billing`)
		await page.click('#save-webhooks')
		await page.waitForSelector('#notice')
		expect(await page.textContent('#notice')).toContain('Settings saved.')
		expect(await page.inputValue('input[aria-label="Route 1 intent"]')).toBe('billing')

		await page.fill('#authorizationUrl', 'https://idp.example.com/authorize')
		await page.fill('#tokenUrl', `${fixturesBase}/hook/token`)
		await page.fill('#clientId', 'acme-client')
		await page.fill('#clientSecret', 'very-secret-client-secret')
		await page.fill('#scopes', 'openid profile')
		await page.click('#save-authentication')
		await page.waitForSelector('#notice')
		expect(await page.content()).not.toContain('very-secret-client-secret')
		expect(await page.textContent('#redirect-uri')).toBe(`${base}/hosted/auth/callback`)
		expect((await business(accountId)).authentication).toMatchObject({ clientId: 'acme-client', clientSecret: '(set)', scopes: ['openid', 'profile'] })

		await page.fill('#merchantIdentifier', 'merchant.com.acme')
		await page.fill('#displayName', 'Acme Coffee')
		await page.fill('#domainName', 'pay.acme.example')
		await page.fill('#countryCode', 'us')
		await page.fill('#currencyCode', 'usd')
		await page.check('input[name="supportedNetworks"][value="visa"]')
		await page.check('input[name="supportedNetworks"][value="amex"]')
		await page.check('input[name="merchantCapabilities"][value="supports3DS"]')
		await page.click('#save-apple-pay')
		await page.waitForSelector('#notice')
		expect((await business(accountId)).applePay).toEqual({
			merchantIdentifier: 'merchant.com.acme',
			displayName: 'Acme Coffee',
			domainName: 'pay.acme.example',
			countryCode: 'US',
			currencyCode: 'USD',
			supportedNetworks: ['amex', 'visa'],
			merchantCapabilities: ['supports3DS'],
		})
		await page.close()
	})

	it('invalid settings are shown next to the form, with what was typed', async () => {
		const page = await browser.newPage()
		await page.goto(settingsUrl(accountId))
		await signIn(page, ADMIN_TOKEN)
		await page.fill('#webhookUrl', 'ftp://example.com/x')
		await page.click('#save-webhooks')
		await page.waitForSelector('#webhooks [role="alert"]')
		expect(await page.inputValue('#webhookUrl')).toBe('ftp://example.com/x')
		expect((await business(accountId)).webhookUrl).toBe(`${fixturesBase}/hook/default`)
		await page.close()
	})

	it('test delivery shows status code and latency only', async () => {
		const page = await browser.newPage()
		await page.goto(settingsUrl(accountId))
		await signIn(page, ADMIN_TOKEN)
		const before = (await hits())['/hook/billing'] ?? 0
		await page.selectOption('#test-target', '0')
		await page.click('#test-delivery')
		await page.waitForSelector('#test-result')
		expect(await page.textContent('#test-result')).toMatch(/^HTTP 202 in \d+ ms$/)
		expect(await page.content()).not.toContain('FIXTURE-SECRET-BODY')
		expect((await hits())['/hook/billing']).toBe(before + 1)
		await page.close()
	})

	it('a failed delivery is listed and replayed from the page', async () => {
		// A customer writes while the endpoint answers 410 Gone: its events become dead letters.
		const defaultUrl = (await business(accountId)).webhookUrl
		expect((await adminApi(`/businesses/${accountId}`, { method: 'PATCH', json: { webhookUrl: `${fixturesBase}/hook/gone` } })).status).toBe(200)
		const messageId = crypto.randomUUID()
		const jwt = await new SignJWT({ aud: 'browser-msp' })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuedAt()
			.sign(Uint8Array.from(atob('dGVzdC1hcHBsZS1zZWNyZXQtMzItYnl0ZXMtLS0tLS0='), (c) => c.charCodeAt(0)))
		const customer = `urn:mbid:browser-${crypto.randomUUID()}`
		const posted = await fetch(`${base}/message`, {
			method: 'POST',
			headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', id: messageId, 'source-id': customer, 'destination-id': accountId },
			body: JSON.stringify({ v: 1, id: messageId, type: 'text', sourceId: customer, destinationId: accountId, body: 'lost once' }),
		})
		expect(posted.status).toBe(200)
		let eventId = ''
		await expect
			.poll(
				async () => {
					const dead = (await (await adminApi(`/businesses/${accountId}`)).json()) as { disabledEndpoints: string[] }
					return dead.disabledEndpoints
				},
				{ timeout: 15_000 },
			)
			.toContain(`${fixturesBase}/hook/gone`)
		// The business fixes its endpoint; the dead letters wait on the settings page.
		expect((await adminApi(`/businesses/${accountId}`, { method: 'PATCH', json: { webhookUrl: defaultUrl } })).status).toBe(200)
		const page = await browser.newPage()
		await page.goto(settingsUrl(accountId))
		await signIn(page, ADMIN_TOKEN)
		await expect
			.poll(
				async () => {
					await page.reload()
					eventId = (await page.getAttribute('tr[data-delivery]', 'data-delivery').catch(() => null)) ?? ''
					return eventId
				},
				{ timeout: 15_000 },
			)
			.not.toBe('')
		const before = (await hits())['/hook/default'] ?? 0
		await page.click(`tr[data-delivery="${eventId}"] button`)
		await page.waitForSelector('#notice')
		expect(await page.textContent('#notice')).toContain('Delivery queued for replay.')
		expect(await page.$(`tr[data-delivery="${eventId}"]`)).toBeNull()
		await expect.poll(async () => (await hits())['/hook/default'] ?? 0, { timeout: 15_000 }).toBeGreaterThan(before)
		await page.close()
	})

	it('CSRF: a same-site attacker page is refused by the Origin check; a forged token by the token check', async () => {
		const context = await browser.newContext()
		const page = await context.newPage()
		await page.goto(settingsUrl(accountId))
		await signIn(page, ADMIN_TOKEN)

		// Another origin on the same site (127.0.0.1, other port): the Strict cookie goes along.
		const attack = await context.newPage()
		const action = `${base}/hosted/businesses/${encodeURIComponent(accountId)}/webhooks`
		const [response] = await Promise.all([
			attack.waitForResponse((r) => r.url() === action),
			attack.goto(`${fixturesBase}/attack?action=${encodeURIComponent(action)}`),
		])
		expect(response.status()).toBe(403)
		expect(await response.text()).toContain('Cross-origin form submissions are not accepted.')

		// Same origin, but the token was not issued for this session.
		// A string, evaluated in the page (this file is type-checked without the DOM library).
		await page.evaluate(`document.querySelector('#webhooks form input[name="_csrf"]').value = 'forged-token'`)
		await page.fill('#webhookUrl', 'https://evil.example/steal')
		const [forged] = await Promise.all([page.waitForResponse((r) => r.url() === action), page.click('#save-webhooks')])
		expect(forged.status()).toBe(403)
		expect(await page.textContent('#message')).toContain('not issued by this site')

		expect((await business(accountId)).webhookUrl).toBe(`${fixturesBase}/hook/default`)
		await context.close()
	})

	it('the business signs in with its API key and sees only its own channel', async () => {
		const other = `other-${crypto.randomUUID()}`
		expect(
			(await adminApi('/businesses', { method: 'POST', json: { businessId: other, name: 'Other Co', webhookUrl: `${fixturesBase}/hook/other` } })).status,
		).toBe(201)
		const context = await browser.newContext()
		const page = await context.newPage()
		await page.goto(`${base}/hosted`)
		await signIn(page, apiKey)
		expect(page.url()).toBe(settingsUrl(accountId))
		expect(await page.textContent('#principal')).toBe(`Business ${accountId}`)
		const denied = await page.goto(settingsUrl(other))
		expect(denied?.status()).toBe(403)
		expect(await page.content()).not.toContain('Other Co')

		// A second Messages for Business account (e.g. the commercial one) linked by the business itself.
		const second = `acct-${crypto.randomUUID()}`
		await page.goto(`${base}/landing?id=${second}&name=Acme%20Live`)
		expect(await page.$('#create-business')).toBeNull()
		await page.click('#link-own')
		await page.waitForSelector('#link-result')
		expect(await page.textContent('#link-result')).toContain(second)
		await page.goto(settingsUrl(accountId))
		expect(await page.textContent('#linked-accounts')).toContain(second)

		await page.click('header button')
		await page.waitForURL((u) => u.pathname === '/hosted/login')
		await page.goto(settingsUrl(accountId))
		expect(page.url()).toContain('/hosted/login')
		await context.close()
	})
})

describe('customer authentication (AUTH2) through a loopback identity provider', () => {
	const businessId = `auth-${crypto.randomUUID()}`

	beforeAll(async () => {
		const res = await adminApi('/businesses', {
			method: 'POST',
			json: {
				businessId,
				name: 'Acme ID',
				webhookUrl: `${fixturesBase}/hook/auth`,
				authentication: {
					authorizationUrl: `${fixturesBase}/idp/authorize`,
					tokenUrl: `${fixturesBase}/idp/token`,
					clientId: 'browser-client',
					clientSecret: 'browser-client-secret',
					scopes: ['openid', 'profile'],
					userIdUrl: `${fixturesBase}/idp/userinfo`,
				},
			},
		})
		expect(res.status).toBe(201)
	})

	/** What the send path puts in the authenticate message, and the URL the device opens from it. */
	async function begin(returnToken: boolean) {
		const res = await fetch(`${base}/__test/authenticate`, { method: 'POST', body: JSON.stringify({ businessId, returnToken }) })
		const { requestIdentifier, context } = (await res.json()) as { requestIdentifier: string; context: { state: string; redirectURI: string; scope: string[] } }
		const authorize = new URL(`${fixturesBase}/idp/authorize`)
		authorize.search = new URLSearchParams({
			response_type: 'code',
			client_id: 'browser-client',
			redirect_uri: context.redirectURI,
			scope: context.scope.join(' '),
			state: context.state,
		}).toString()
		return { requestIdentifier, context, authorize: authorize.toString() }
	}

	async function outcome(requestId: string) {
		const res = await fetch(`${base}/__test/outcome?businessId=${encodeURIComponent(businessId)}&requestId=${requestId}`)
		return (await res.json()) as { status: string | null; outcome: Record<string, unknown> | null }
	}

	it('sign in at the IdP → our redirect URI → code exchanged → customer identified', async () => {
		const { requestIdentifier, context, authorize } = await begin(true)
		expect(context.redirectURI).toBe(`${base}/hosted/auth/callback`)
		const page = await browser.newPage()
		await page.goto(authorize)
		await Promise.all([page.waitForURL((u) => u.pathname === '/hosted/auth/callback'), page.click('#allow')])
		expect(await page.getAttribute('#auth-result', 'data-outcome')).toBe('authenticated')
		expect(await outcome(requestIdentifier)).toMatchObject({
			status: 'settled',
			outcome: { kind: 'authenticate', outcome: 'authenticated', flow: 'auth2', externalUserId: 'browser-user-7', expiresIn: 600 },
		})
		// Delivered to the business in interactive.received; the stored copy keeps no token.
		expect((await outcome(requestIdentifier)).outcome).not.toHaveProperty('accessToken')

		// The same redirect again (back button, reload, a leaked URL): refused, nothing changes.
		await page.reload()
		expect(await page.getAttribute('#auth-result', 'data-reason')).toBe('replayed')
		expect((await outcome(requestIdentifier)).outcome).toMatchObject({ outcome: 'authenticated' })
		await page.close()
	})

	it('the customer declines at the IdP → failed outcome, reason idp_error', async () => {
		const { requestIdentifier, authorize } = await begin(false)
		const page = await browser.newPage()
		await page.goto(authorize)
		await Promise.all([page.waitForURL((u) => u.pathname === '/hosted/auth/callback'), page.click('#deny')])
		expect(await page.getAttribute('#auth-result', 'data-outcome')).toBe('failed')
		expect(await outcome(requestIdentifier)).toMatchObject({
			outcome: { outcome: 'failed', reason: 'idp_error', detail: 'access_denied', externalUserId: null },
		})
		await page.close()
	})

	it('a state from another request cannot complete this one', async () => {
		const first = await begin(false)
		const second = await begin(false)
		const page = await browser.newPage()
		// The IdP is sent the second request's state but the first request's redirect is reused: the state decides.
		await page.goto(first.authorize.replace(encodeURIComponent(first.context.state), encodeURIComponent(second.context.state)))
		await Promise.all([page.waitForURL((u) => u.pathname === '/hosted/auth/callback'), page.click('#allow')])
		expect(await page.getAttribute('#auth-result', 'data-outcome')).toBe('authenticated')
		expect((await outcome(second.requestIdentifier)).status).toBe('settled')
		expect((await outcome(first.requestIdentifier)).status).toBe('pending')
		await page.close()
	})
})
