/**
 * Account linking in headless Chromium, as a business admin meets it (docs/product.md "Hosted
 * pages"; docs/apple-protocol.md §6.2): from the URL Apple Business Register sends
 * (`/landingPage?id=…&name=…&logo=…`) through sign-in, which names the account, one
 * confirmation, to the linked result and the settings page that lists the account; a link
 * without the id, which leads on through a form; and an account already linked to another
 * business, refused with a way back. The Worker runs in Miniflare (workerd) on loopback.
 */
import { bundleWorker, PRODUCT_DURABLE_OBJECTS } from '../../bench/bundle.mjs'
import { Miniflare } from 'miniflare'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdef0123'
const BUNDLE = 'node_modules/.cache/amb-edge-browser/landing-worker.js'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

let product: Miniflare
let browser: Browser
let base: string

beforeAll(async () => {
	await bundleWorker('test/browser/worker-entry.ts', BUNDLE)
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
		r2Buckets: ['ATTACHMENTS'],
		host: '127.0.0.1',
		port: 0,
	})
	base = (await product.ready).origin
	browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
})

afterAll(async () => {
	await browser?.close()
	await product?.dispose()
})

/** A business through the admin API; returns its API key. */
async function createBusiness(businessId: string, name: string): Promise<string> {
	const res = await fetch(`${base}/admin/businesses`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ businessId, name, webhookUrl: 'http://127.0.0.1:9/hook' }),
	})
	expect(res.status).toBe(201)
	return ((await res.json()) as { apiKey: string }).apiKey
}

async function signIn(page: Page, credential: string): Promise<void> {
	await page.fill('#credential', credential)
	await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/hosted/login')), page.click('#sign-in')])
}

const settingsUrl = (id: string) => `${base}/hosted/businesses/${encodeURIComponent(id)}/settings`
/** A name with markup and quotes: it must show as written, never as markup. */
const NAME = 'Acme "Coffee" <b>& Tea</b>'

describe('account linking, as a business admin follows it', () => {
	const businessId = `shop-${crypto.randomUUID()}`
	const accountId = `acct-${crypto.randomUUID()}`
	let apiKey = ''

	beforeAll(async () => {
		apiKey = await createBusiness(businessId, 'Acme Shop')
	})

	it("from Apple Business Register's URL: sign-in names the account, one confirmation, linked, on to settings", async () => {
		const context = await browser.newContext()
		const page = await context.newPage()
		const abr = `${base}/landingPage?id=${accountId}&name=${encodeURIComponent(NAME)}&logo=${encodeURIComponent('https://cdn.example.com/logo.png')}`
		await page.goto(abr)
		await expect.poll(() => page.url()).toContain('/hosted/login')
		expect(await page.textContent('#linking h1')).toBe('Link a Messages for Business account')
		expect(await page.textContent('#account-name')).toBe(NAME)
		expect(await page.textContent('#account-id')).toBe(accountId)
		expect(await page.$('#linking b')).toBeNull()

		await signIn(page, apiKey)
		expect(page.url()).toBe(abr)
		expect(await page.textContent('#account-name')).toBe(NAME)
		expect(await page.textContent('#what-happens')).toContain(`delivered to ${businessId}`)
		await Promise.all([page.waitForSelector('#link-result'), page.click('#link-own')])
		expect(await page.textContent('h1')).toBe('Account linked')
		expect(await page.textContent('#link-result')).toContain(`is linked to business ${businessId}`)

		await Promise.all([page.waitForURL(settingsUrl(businessId)), page.click('#settings-link')])
		expect(await page.textContent('#linked-accounts')).toContain(accountId)

		// The same link opened again: already linked, with the same way on.
		await page.goto(abr)
		expect(await page.textContent('h1')).toBe('Account already linked')
		expect(await page.getAttribute('#settings-link', 'href')).toBe(`/hosted/businesses/${businessId}/settings`)
		await context.close()
	})

	it('a link without the id: says so before sign-in, and the id typed in leads on to linking', async () => {
		const second = `acct-${crypto.randomUUID()}`
		const context = await browser.newContext()
		const page = await context.newPage()
		const res = await page.goto(`${base}/landing?name=Acme%20Live`)
		expect(res?.status()).toBe(400)
		expect(await page.textContent('#landing-problem')).toContain('has no id parameter')
		await page.fill('#landing-id', second)
		await Promise.all([page.waitForURL((u) => u.pathname === '/hosted/login'), page.click('#landing-continue')])
		expect(await page.textContent('#account-name')).toBe('Acme Live')
		expect(await page.textContent('#account-id')).toBe(second)
		await signIn(page, apiKey)
		await Promise.all([page.waitForSelector('#link-result'), page.click('#link-own')])
		expect(await page.textContent('#link-result')).toContain(second)
		await context.close()
	})

	it('an account linked to another business: refused, said so, and a way back to your own settings', async () => {
		const otherId = `other-${crypto.randomUUID()}`
		const otherKey = await createBusiness(otherId, 'Other Co')
		const context = await browser.newContext()
		const page = await context.newPage()
		await page.goto(`${base}/landingPage?id=${accountId}&name=Acme`)
		await signIn(page, otherKey)
		expect(await page.textContent('h1')).toBe('Account linked to another business')
		expect(await page.textContent('#link-refused')).toContain(`was not linked to ${otherId}`)
		expect(await page.content()).not.toContain(businessId)
		expect(await page.$('#link-own')).toBeNull()
		await Promise.all([page.waitForURL(settingsUrl(otherId)), page.click('#settings-link')])
		expect(await page.textContent('#linked-accounts')).not.toContain(accountId)
		await context.close()
	})
})
