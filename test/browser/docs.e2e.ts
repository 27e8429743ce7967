/**
 * `/docs` in headless Chromium (docs/api.md "The reference page"): the Worker runs in
 * Miniflare (workerd) with its static assets, as deployed; the Scalar reference renders from
 * our own script, `POST /v1/messages` shows its examples, and no request leaves loopback
 * (every other request is recorded and refused).
 */
import { Miniflare } from 'miniflare'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, PRODUCT_DURABLE_OBJECTS } from '../../bench/bundle.mjs'
import { copyAssets } from '../../scripts/assets.mjs'

const BUNDLE = 'node_modules/.cache/amb-edge-browser/docs-worker.js'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

let product: Miniflare
let browser: Browser
let base: string

beforeAll(async () => {
	await bundleWorker('src/index.ts', BUNDLE)
	product = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: BUNDLE,
		assets: { directory: copyAssets(), routerConfig: { has_user_worker: true } },
		bindings: {
			MSP_ID: 'browser-msp',
			APPLE_API_SECRET: 'dGVzdC1hcHBsZS1zZWNyZXQtMzItYnl0ZXMtLS0tLS0=',
			ADMIN_TOKEN: 'browser-admin-token-0123456789abcdef0123',
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

describe('/docs', () => {
	it('renders the reference from our own script; POST /v1/messages shows its examples; nothing leaves loopback', async () => {
		const page = await browser.newPage()
		const outside: string[] = []
		const errors: string[] = []
		page.on('pageerror', (e) => errors.push(e.message))
		await page.route('**/*', (route) => {
			const url = new URL(route.request().url())
			if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue()
			outside.push(url.href)
			return route.abort()
		})
		const scripts: string[] = []
		page.on('response', (r) => {
			if (r.request().resourceType() === 'script') scripts.push(`${r.status()} ${new URL(r.url()).pathname}`)
		})
		await page.goto(`${base}/docs`)
		// The operation's summary in the reference, then its section with the request examples.
		await page.getByText('Send a message to a customer').first().waitFor({ timeout: 30_000 })
		expect(scripts).toContain('200 /docs/scalar.js')
		const section = page.locator('[id="api-1/tag/messages/POST/v1/messages"]')
		await section.waitFor()
		// The request example picker lists one example per message type; choosing one shows it.
		const picker = section.locator('[id^="headlessui-listbox-button"]').filter({ hasText: /^Text$/ })
		await picker.click()
		const options = (await page.getByRole('option').allInnerTexts()).map((o) => o.trim())
		expect(options).toEqual(
			expect.arrayContaining([
				'Text',
				'Typing indicator',
				'Rich link',
				'Quick reply',
				'List picker',
				'Time picker',
				'Form',
				'iMessage app',
				'Apple Pay',
				'Authenticate',
				'Template',
				'Raw Apple body',
			]),
		)
		await page.getByRole('option', { name: 'List picker' }).click()
		await expect.poll(async () => (await section.innerText()).replace(/\s+/g, ' ')).toContain('"type": "listPicker"')
		// Responses are documented with their examples too.
		expect((await section.innerText()).replace(/\s+/g, ' ')).toContain('"status": "queued"')
		await page.close()
		expect(outside).toEqual([])
		expect(errors).toEqual([])
	})
})
