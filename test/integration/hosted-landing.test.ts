/**
 * The account-linking landing page in workerd (docs/product.md "Hosted pages";
 * docs/apple-protocol.md §6.2): the URL Apple Business Register sends, sign-in that names the
 * account, one confirmation, and a clear page with a way on for every other outcome.
 * Chromium drives the same flow in test/browser/landing.e2e.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { businessStub } from '../../src/business/directory'
import { ADMIN_TOKEN, adminFetch, createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'
import { csrfOf, env, ORIGIN, PageClient } from '../helpers/hosted'

let hooks: WebhookReceiver
beforeEach(() => {
	hooks = new WebhookReceiver().install()
})
afterEach(() => hooks.restore())

async function admin(): Promise<PageClient> {
	const client = new PageClient()
	const res = await client.login(ADMIN_TOKEN)
	expect(res.status).toBe(303)
	return client
}

const settingsPath = (id: string) => `/hosted/businesses/${encodeURIComponent(id)}/settings`

describe('landing page (account linking)', () => {
	const accountUrl = (id: string, extra = '') =>
		`/landing?id=${encodeURIComponent(id)}&name=${encodeURIComponent('Acme Coffee')}&logo=${encodeURIComponent('https://cdn.example.com/logo.png')}${extra}`

	it('sends a signed-out visitor to the login and back with the account parameters', async () => {
		const id = crypto.randomUUID()
		const client = new PageClient()
		const first = await client.get(accountUrl(id))
		expect(first.status).toBe(303)
		const next = new URL(first.headers.get('location')!, ORIGIN).searchParams.get('next')!
		expect(next).toBe(accountUrl(id))
		const login = await client.login(ADMIN_TOKEN, next)
		expect(login.headers.get('location')).toBe(accountUrl(id))
		const page = await (await client.get(accountUrl(id))).text()
		expect(page).toContain(id)
		expect(page).toContain('Acme Coffee')
		expect(page).toContain('src="https://cdn.example.com/logo.png"')
		// Apple's sample path works too.
		expect((await client.get(accountUrl(id).replace('/landing', '/landingPage'))).status).toBe(200)
	})

	it('rejects a missing or malformed account id; escapes the name; drops a non-https logo', async () => {
		const client = await admin()
		expect((await client.get('/landing')).status).toBe(400)
		expect((await client.get('/landing?id=%3Cscript%3E')).status).toBe(400)
		const page = await (
			await client.get(`/landing?id=acct-1&name=${encodeURIComponent('<img src=x onerror=alert(1)>')}&logo=${encodeURIComponent('javascript:alert(1)')}`)
		).text()
		expect(page).not.toContain('<img src=x')
		expect(page).toContain('&lt;img src=x')
		expect(page).not.toContain('javascript:')
	})

	it('links to an existing business, idempotently; another business is a conflict', async () => {
		const target = await createBusiness()
		const other = await createBusiness()
		const accountId = crypto.randomUUID()
		const client = await admin()
		const csrf = csrfOf(await (await client.get(accountUrl(accountId))).text())
		const link = (businessId: string) =>
			client.post('/landing/link', { _csrf: csrf, accountId, name: 'Acme Coffee', logo: 'https://cdn.example.com/logo.png', businessId })
		const first = await link(target.businessId)
		expect(first.status).toBe(200)
		expect(await first.text()).toContain('Account linked')
		const again = await link(target.businessId)
		expect(await again.text()).toContain('Account already linked')
		expect((await link(other.businessId)).status).toBe(409)
		expect(await businessStub(env, accountId).accountAlias()).toMatchObject({ businessId: target.businessId, linkedBy: 'operator' })
		expect(await businessStub(env, target.businessId).accountLinks()).toEqual([
			expect.objectContaining({ accountId, name: 'Acme Coffee', logoUrl: 'https://cdn.example.com/logo.png' }),
		])
		const page = await client.get(accountUrl(accountId))
		expect(page.status).toBe(200)
		const html = await page.text()
		expect(html).toContain('Account already linked')
		expect(html).toContain(`<code id="linked-business">${target.businessId}</code>`)
	})

	it('an unknown target business is a 422 with the page re-rendered', async () => {
		const client = await admin()
		const accountId = crypto.randomUUID()
		const csrf = csrfOf(await (await client.get(accountUrl(accountId))).text())
		const res = await client.post('/landing/link', { _csrf: csrf, accountId, businessId: 'no-such-business' })
		expect(res.status).toBe(422)
		expect(await res.text()).toContain('no business with this id')
	})

	it('the operator creates a business for the account: secrets shown once, then idempotent', async () => {
		const accountId = crypto.randomUUID()
		const client = await admin()
		const csrf = csrfOf(await (await client.get(accountUrl(accountId))).text())
		const create = () => client.post('/landing/create', { _csrf: csrf, accountId, name: 'Acme Coffee', webhookUrl: 'https://hooks.example.com/acme' })
		const res = await create()
		expect(res.status).toBe(200)
		const html = await res.text()
		expect(html).toMatch(/id="api-key">amb_/)
		expect(html).toMatch(/id="webhook-secret">whsec_/)
		expect(await (await adminFetch(`/businesses/${accountId}`)).json()).toMatchObject({ name: 'Acme Coffee', webhookUrl: 'https://hooks.example.com/acme' })
		const twice = await create()
		const html2 = await twice.text()
		expect(html2).toContain('Account already linked')
		expect(html2).not.toContain('api-key')
	})

	it('creating a business for an account linked elsewhere is refused before anything is created', async () => {
		const target = await createBusiness()
		const accountId = crypto.randomUUID()
		const client = await admin()
		const csrf = csrfOf(await (await client.get(accountUrl(accountId))).text())
		expect((await client.post('/landing/link', { _csrf: csrf, accountId, businessId: target.businessId })).status).toBe(200)
		const res = await client.post('/landing/create', { _csrf: csrf, accountId, name: 'Dup', webhookUrl: 'https://hooks.example.com/dup' })
		expect(res.status).toBe(409)
		expect((await adminFetch(`/businesses/${accountId}`)).status).toBe(404)
	})

	it('a business session links to its own business only and cannot create businesses', async () => {
		const mine = await createBusiness()
		const other = await createBusiness()
		const accountId = crypto.randomUUID()
		const client = new PageClient()
		await client.login(mine.apiKey, accountUrl(accountId))
		const page = await (await client.get(accountUrl(accountId))).text()
		expect(page).not.toContain('/landing/create')
		const csrf = csrfOf(page)
		expect((await client.post('/landing/link', { _csrf: csrf, accountId, businessId: other.businessId })).status).toBe(403)
		expect((await client.post('/landing/create', { _csrf: csrf, accountId, name: 'x', webhookUrl: 'https://x.example.com' })).status).toBe(403)
		const ok = await client.post('/landing/link', { _csrf: csrf, accountId, businessId: mine.businessId })
		expect(ok.status).toBe(200)
		expect(await businessStub(env, accountId).accountAlias()).toMatchObject({ businessId: mine.businessId, linkedBy: `business:${mine.businessId}` })
	})
})

describe('landing page: what a business admin sees', () => {
	const XSS = '<img src=x onerror=alert(1)>'
	const urlFor = (id: string, name = 'Acme Coffee') => `/landingPage?id=${encodeURIComponent(id)}&name=${encodeURIComponent(name)}`

	it('signed out: the sign-in page names the account (escaped) and says what signing in leads to', async () => {
		const client = new PageClient()
		const accountId = crypto.randomUUID()
		const first = await client.get(urlFor(accountId, XSS))
		expect(first.status).toBe(303)
		const login = await client.get(first.headers.get('location')!)
		const html = await login.text()
		expect(html).toContain('Link a Messages for Business account')
		expect(html).toContain(`<code id="account-id">${accountId}</code>`)
		expect(html).toContain('<strong id="account-name">&lt;img src=x onerror=alert(1)&gt;</strong>')
		expect(html).not.toContain('<img src=x')
		expect(html).toContain('You then confirm once')
		// A plain sign-in (no landing target) says nothing about linking.
		expect(await (await new PageClient().get('/hosted/login')).text()).not.toContain('Messages for Business account')
	})

	it('a business: signs in, confirms once, sees it linked with the way to its settings', async () => {
		const mine = await createBusiness()
		const accountId = crypto.randomUUID()
		const client = new PageClient()
		const signedIn = await client.login(mine.apiKey, urlFor(accountId))
		expect(signedIn.headers.get('location')).toBe(urlFor(accountId))
		const page = await (await client.get(urlFor(accountId))).text()
		expect(page).toContain('to connect <strong id="account-name">Acme Coffee</strong>')
		expect(page).toContain(`Messages customers send to this account in Apple Messages are delivered to <code>${mine.businessId}</code>`)
		expect(page).toContain(`Link Acme Coffee to ${mine.businessId}`)
		expect(await businessStub(env, accountId).accountAlias()).toBeNull()
		const done = await client.post('/landing/link', { _csrf: csrfOf(page), accountId, name: 'Acme Coffee', businessId: mine.businessId })
		expect(done.status).toBe(200)
		const html = await done.text()
		expect(html).toContain('<h1>Account linked</h1>')
		expect(html).toContain(`href="${settingsPath(mine.businessId)}"`)
		expect(await businessStub(env, accountId).accountAlias()).toMatchObject({ businessId: mine.businessId })
		// Opened again (Apple's link clicked twice): already linked, same way on, no form.
		const again = await client.get(urlFor(accountId))
		expect(again.status).toBe(200)
		const againHtml = await again.text()
		expect(againHtml).toContain('<h1>Account already linked</h1>')
		expect(againHtml).toContain(`href="${settingsPath(mine.businessId)}"`)
		expect(againHtml).not.toContain('/landing/link')
	})

	it('linked to another business: refused with a page that says so and leads back; nothing changes', async () => {
		const owner = await createBusiness()
		const other = await createBusiness()
		const accountId = crypto.randomUUID()
		const ownerClient = new PageClient()
		await ownerClient.login(owner.apiKey, urlFor(accountId))
		const ownerPage = await (await ownerClient.get(urlFor(accountId))).text()
		expect((await ownerClient.post('/landing/link', { _csrf: csrfOf(ownerPage), accountId, businessId: owner.businessId })).status).toBe(200)

		const client = new PageClient()
		await client.login(other.apiKey, urlFor(accountId))
		const res = await client.get(urlFor(accountId))
		expect(res.status).toBe(409)
		const html = await res.text()
		expect(html).toContain('Account linked to another business')
		expect(html).toContain(`so it was not linked to <code>${other.businessId}</code>`)
		expect(html).not.toContain(owner.businessId)
		expect(html).toContain(`href="${settingsPath(other.businessId)}"`)
		// A forged POST (the form is not offered) is refused the same way.
		const forged = await client.post('/landing/link', { _csrf: csrfOf(html), accountId, businessId: other.businessId })
		expect(forged.status).toBe(409)
		expect(await businessStub(env, accountId).accountAlias()).toMatchObject({ businessId: owner.businessId })
		expect(await businessStub(env, other.businessId).accountLinks()).toEqual([])
	})

	it.each([
		['no id at all (as the README used to show it)', '/landing?name=Acme', 'it has no id parameter'],
		['an empty id', '/landingPage?id=&name=Acme', 'it has no id parameter'],
		['a malformed id', `/landing?id=${encodeURIComponent('bad id <b>')}`, '<code>bad id &lt;b&gt;</code> is not a Messages for Business account id'],
	])('%s: 400 before any sign-in, saying so, with a form for the id and a link on', async (_name, url, says) => {
		const res = await new PageClient().get(url)
		expect(res.status).toBe(400)
		const html = await res.text()
		expect(html).toContain(says)
		expect(html).toContain('<form method="get" action="/landing">')
		expect(html).toContain('id="home-link" href="/hosted"')
		expect(html).not.toContain('<b>')
	})

	it('the id entered on that page leads on to the account (keeping the name)', async () => {
		const html = await (await new PageClient().get('/landing?name=Acme')).text()
		expect(html).toContain('<input type="hidden" name="name" value="Acme"/>')
		const accountId = crypto.randomUUID()
		const next = await new PageClient().get(`/landing?id=${accountId}&name=Acme`)
		expect(next.status).toBe(303)
		expect(decodeURIComponent(next.headers.get('location')!)).toContain(`/landing?id=${accountId}&name=Acme`)
	})
})
