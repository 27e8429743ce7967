/**
 * The business console in headless Chromium, end to end with the simulator (docs/console.md):
 * the MSP and the simulator Worker wired to each other on loopback (msp-sim-stack.mjs), as
 * `npm run dev` wires them. The agent signs in with the business's API key; the customer acts
 * through the simulator's API (writing, attachments, device switch) and its device page
 * (picking from the list and time pickers), as a person would.
 *
 *   UPDATE_SCREENSHOT=1 npx vitest run -c test/browser/vitest.config.ts test/browser/console.e2e.ts
 * rewrites docs/screenshot-console.png.
 */
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toBuffer } from '../e2e/helpers/files.mjs'
import { startMspAndSimulator, type MspSimStack } from './msp-sim-stack.mjs'

const ADMIN_TOKEN = 'console-admin-token-0123456789abcdef01234'
const MSP_ID = 'console-browser-msp'
const SECRET = 'Y29uc29sZS1icm93c2VyLXNlY3JldC0zMi1ieXRlcyE='
const BUSINESS = 'console-demo'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const SCREENSHOT = 'docs/screenshot-console.png'
const UPDATE_SCREENSHOT = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.UPDATE_SCREENSHOT === '1'
/** A 16×16 red PNG. */
const RED_PNG = 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGO4ziBKEmIY1TCqYfhqAAA6RuwB4ondvQAAAABJRU5ErkJggg=='

let stack: MspSimStack
let browser: Browser
let msp: string
let simBase: string
let apiKey: string

beforeAll(async () => {
	stack = await startMspAndSimulator({ mspId: MSP_ID, secret: SECRET, adminToken: ADMIN_TOKEN })
	msp = stack.mspUrl
	simBase = stack.simUrl
	const created = await fetch(`${msp}/admin/businesses`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ businessId: BUSINESS, name: 'Console Coffee', webhookUrl: `${simBase}/inbox/webhook` }),
	})
	expect(created.status).toBe(201)
	apiKey = ((await created.json()) as { apiKey: string }).apiKey
	await simApi('PUT', `/businesses/${BUSINESS}`, { name: 'Console Coffee', webhookUrl: `${simBase}/inbox/webhook` })
	browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
}, 180_000)

afterAll(async () => {
	await browser?.close()
	await stack?.stop()
})

async function simApi<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
	const res = await fetch(`${simBase}/sim/api${path}`, {
		method,
		...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
	})
	const text = await res.text()
	if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
	return (text ? JSON.parse(text) : {}) as T
}

const pageErrors: string[] = []

const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`)

/** A page that reaches only our two loopback Workers: no CDN, no fonts. */
async function newPage(width = 1280, height = 900): Promise<Page> {
	const context = await browser.newContext({ viewport: { width, height } })
	const page = await context.newPage()
	page.setDefaultTimeout(20_000)
	await page.route('**/*', (route) => {
		const url = route.request().url()
		return url.startsWith(msp) || url.startsWith(simBase) ? route.continue() : route.abort()
	})
	// A customer's `<script>` must never run: any dialog fails the test.
	page.on('dialog', (d) => {
		throw new Error(`unexpected dialog: ${d.message()}`)
	})
	// CSP violations and script errors show up as console errors.
	page.on('console', (m) => {
		if (m.type() === 'error') pageErrors.push(`${page.url()}: ${m.text()}`)
	})
	page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`))
	return page
}

async function signIn(page: Page): Promise<void> {
	await page.goto(`${msp}/console`)
	await expect.poll(() => page.url()).toContain('/hosted/login')
	await page.fill('#credential', apiKey)
	await Promise.all([page.waitForURL((u) => u.pathname === '/console'), page.click('#sign-in')])
	await page.locator('body[data-live="open"]').waitFor({ state: 'attached' })
}

/** The customer's device page, live. */
async function devicePage(customerId: string): Promise<Page> {
	const page = await newPage(1280, 900)
	await page.goto(`${simBase}/device?customer=${encodeURIComponent(customerId)}&business=${BUSINESS}`)
	await page.locator('body[data-ws="open"]').waitFor({ state: 'attached' })
	return page
}

const thread = (page: Page) => byTestId(page, 'thread')

async function waitSendable(page: Page): Promise<void> {
	await expect.poll(() => byTestId(page, 'send').isEnabled(), { timeout: 10_000 }).toBe(true)
}

async function sendFromConsole(page: Page, how: 'double-click' | 'keyboard' = 'double-click'): Promise<Locator> {
	const before = await thread(page).locator('[data-direction="outbound"]').count()
	await waitSendable(page)
	// A double click still sends once (one Idempotency-Key per draft; the button disables itself).
	if (how === 'keyboard') await page.keyboard.press('Control+Enter')
	else await byTestId(page, 'send').dblclick()
	await expect.poll(() => byTestId(page, 'send-status').textContent()).toMatch(/^Sent/)
	await expect.poll(() => thread(page).locator('[data-direction="outbound"]').count()).toBe(before + 1)
	const msg = thread(page).locator('[data-direction="outbound"]').last()
	await expect.poll(() => byTestId(msg, 'send-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('sent')
	return msg
}

describe('business console', () => {
	it('answers a customer live: list picker, time picker, attachments both ways, device fallback', async () => {
		const agent = await newPage()
		await signIn(agent)

		// A new customer writes; the conversation appears without a reload, the text stays text.
		const { id: customerId } = await simApi<{ id: string }>('POST', '/customers', { device: 'iphone', name: 'Ada' })
		await simApi('POST', `/customers/${encodeURIComponent(customerId)}/conversations`, { businessId: BUSINESS, text: 'Hi <script>alert(1)</script> pastries?' })
		const row = agent.locator(`[data-testid="conversation"][data-customer-id="${customerId}"]`)
		await row.waitFor()
		await expect.poll(() => byTestId(row, 'last-message').textContent()).toBe('Hi <script>alert(1)</script> pastries?')
		await expect.poll(() => byTestId(row, 'unread').textContent()).toBe('1')
		// Keyboard: the row is a button; Enter opens the thread.
		await row.focus()
		await agent.keyboard.press('Enter')
		await expect
			.poll(() => thread(agent).locator('[data-direction="inbound"] [data-testid="text"]').first().textContent())
			.toBe('Hi <script>alert(1)</script> pastries?')
		expect(await agent.locator('script:not([src])').count()).toBe(0)

		// List picker: the builder, a field error that blocks sending, the preview, Apple's JSON.
		await byTestId(agent, 'message-type').selectOption('listPicker')
		await byTestId(agent, 'field-title').fill('Fresh from the oven')
		await byTestId(agent, 'field-sections.0.items.0.title').fill('Croissant')
		await byTestId(agent, 'field-sections.0.items.1.title').fill('')
		const bad = byTestId(agent, 'field-sections.0.items.1.title')
		await expect.poll(() => bad.getAttribute('aria-invalid')).toBe('true')
		await expect.poll(() => byTestId(agent, 'errors').textContent()).toContain('message.sections.0.items.1.title')
		expect(await byTestId(agent, 'send').isDisabled()).toBe(true)
		await bad.fill('Cinnamon bun')
		await waitSendable(agent)
		expect(await bad.getAttribute('aria-invalid')).toBe('false')
		expect(await byTestId(byTestId(agent, 'preview'), 'preview-item').allTextContents()).toEqual(['Croissant', 'Cinnamon bun'])
		expect(await byTestId(agent, 'preview').getAttribute('data-rendered')).toBe('original')
		expect(await byTestId(agent, 'apple-json').textContent()).toContain('"listPicker"')
		const picker = await sendFromConsole(agent)
		const pickerId = await picker.getAttribute('data-message-id')

		// The customer picks on the device page; the reply shows beside the picker, without reload.
		const device = await devicePage(customerId)
		const card = device.locator('[data-testid="message"][data-sender="business"][data-kind="listPicker"]').last()
		await byTestId(card, 'open-list-picker').click()
		const dialog = byTestId(card, 'list-picker-dialog')
		await byTestId(dialog, 'list-picker-item').nth(1).locator('input').check()
		await byTestId(dialog, 'list-picker-send').click()
		await expect.poll(() => byTestId(picker, 'request-answer').textContent()).toBe('Customer picked “Cinnamon bun”')
		expect(await thread(agent).locator(`[data-testid="reply"][data-reply-to="${pickerId}"]`).count()).toBe(1)

		// Time picker: the sample's two slots tomorrow; the customer takes the second.
		await byTestId(agent, 'message-type').selectOption('timePicker')
		await byTestId(agent, 'field-title').fill('Coffee tasting')
		await expect.poll(() => byTestId(byTestId(agent, 'preview'), 'preview-slot').count()).toBe(2)
		const timePicker = await sendFromConsole(agent)
		const tpCard = device.locator('[data-testid="message"][data-sender="business"][data-kind="timePicker"]').last()
		await byTestId(tpCard, 'open-time-picker').click()
		const tpDialog = byTestId(tpCard, 'time-picker-dialog')
		await byTestId(tpDialog, 'time-slot').nth(1).locator('input').check()
		await byTestId(tpDialog, 'time-picker-send').click()
		await expect.poll(() => byTestId(timePicker, 'request-answer').textContent()).toMatch(/^Customer chose .*14:00.*\(60 min\)$/)

		// Attachments both ways; the customer's file name is shown as text and served as a download.
		await simApi('POST', `/customers/${encodeURIComponent(customerId)}/attachments`, {
			businessId: BUSINESS,
			name: '<script>x</script>.txt',
			mimeType: 'text/plain',
			dataBase64: btoa('hello from the customer'),
		})
		const link = thread(agent).locator('[data-testid="attachment-link"]').last()
		// The platform cleans file names (no `/`); what is left is shown as text.
		await expect.poll(() => link.getAttribute('download'), { timeout: 20_000 }).toBe('<script>x<_script>.txt')
		expect(await link.textContent()).toContain('<script>x<_script>.txt')
		const download = await fetch(new URL((await link.getAttribute('href'))!, msp))
		expect(download.headers.get('content-disposition')).toMatch(/^attachment;/)
		expect(await download.text()).toBe('hello from the customer')

		// An image arrives as a thumbnail (loaded from our own origin under the page's CSP).
		await simApi('POST', `/customers/${encodeURIComponent(customerId)}/attachments`, {
			businessId: BUSINESS,
			name: 'cake.png',
			mimeType: 'image/png',
			dataBase64: RED_PNG,
		})
		const thumb = thread(agent).locator('[data-testid="attachment-thumb"][alt="cake.png"]')
		await thumb.waitFor({ timeout: 20_000 })
		await expect.poll(() => thumb.evaluate((img: { complete: boolean; naturalWidth: number }) => (img.complete ? img.naturalWidth : 0))).toBe(16)

		await byTestId(agent, 'message-type').selectOption('text')
		await byTestId(agent, 'attach-file').setInputFiles({
			name: 'menu.txt',
			mimeType: 'text/plain',
			buffer: toBuffer(new TextEncoder().encode('today: croissants')) as never,
		})
		await byTestId(agent, 'attached-file').waitFor()
		await byTestId(agent, 'field-text').fill('Here is the menu')
		// The customer sees the agent typing.
		await byTestId(device, 'business-typing').waitFor({ timeout: 15_000 })
		await sendFromConsole(agent, 'keyboard')
		await expect
			.poll(async () => JSON.stringify(await simApi('GET', `/customers/${encodeURIComponent(customerId)}/messages?businessId=${BUSINESS}`)), {
				timeout: 20_000,
			})
			.toContain('menu.txt')

		// A tapback shows on the message it targets.
		await simApi('POST', `/customers/${encodeURIComponent(customerId)}/tapbacks`, { businessId: BUSINESS, reaction: 'love', targetText: 'Here is the menu' })
		const menu = thread(agent).locator('[data-direction="outbound"]').filter({ hasText: 'Here is the menu' })
		await expect.poll(() => byTestId(menu, 'tapback').textContent()).toBe('Customer loved')

		// An older iPhone: once the customer writes from it, the preview shows the fallback.
		await simApi('PATCH', `/customers/${encodeURIComponent(customerId)}`, { device: 'iphone-old' })
		await simApi('POST', `/customers/${encodeURIComponent(customerId)}/messages`, { businessId: BUSINESS, text: 'now on my old phone' })
		await expect.poll(() => byTestId(agent, 'thread-meta').textContent()).toContain('capabilities: LIST, TIME')
		await byTestId(agent, 'message-type').selectOption('quickReply')
		await expect.poll(() => byTestId(agent, 'preview').getAttribute('data-rendered')).toBe('text')
		expect(await byTestId(agent, 'preview-note').textContent()).toContain('device_lacks_capability (QUICK)')
		await byTestId(agent, 'preview-device').selectOption('iphone')
		await expect.poll(() => byTestId(agent, 'preview').getAttribute('data-rendered')).toBe('original')
		await byTestId(agent, 'preview-device').selectOption('customer')
		// Sent anyway, the thread says how it went out and why.
		const fallback = await sendFromConsole(agent)
		expect(await byTestId(fallback, 'rendered').textContent()).toBe('Sent as text — device_lacks_capability (QUICK)')
		await byTestId(agent, 'message-type').selectOption('listPicker')
		await waitSendable(agent)
		// Rewritten only on request, like the device screenshot (UPDATE_SCREENSHOT=1).
		await agent.screenshot(UPDATE_SCREENSHOT ? { path: SCREENSHOT, fullPage: true } : { fullPage: true })

		// The form builder: pages of each type, previewed as the device shows them.
		await byTestId(agent, 'message-type').selectOption('form')
		await byTestId(agent, 'field-pages.1.type').selectOption('datePicker')
		// The old iPhone has no FORM: a text version there; a current iPhone shows the form.
		await expect.poll(() => byTestId(agent, 'preview').getAttribute('data-rendered')).toBe('text')
		expect(await byTestId(agent, 'preview-note').textContent()).toContain('(FORM)')
		await byTestId(agent, 'preview-device').selectOption('iphone')
		await expect
			.poll(() => byTestId(byTestId(agent, 'preview'), 'card-form').locator('li').allTextContents())
			.toEqual(['Topic: What is it about?', 'Date: When?'])

		// The customer closes the conversation: the page refuses to send and says why.
		await simApi('POST', `/customers/${encodeURIComponent(customerId)}/close`, { businessId: BUSINESS })
		await expect.poll(() => byTestId(agent, 'closed-notice').isVisible()).toBe(true)
		expect(await byTestId(agent, 'closed-notice').textContent()).toContain('closed this conversation')
		expect(await byTestId(agent, 'send').isDisabled()).toBe(true)
		await expect.poll(() => row.locator('[data-testid="conv-status"]').textContent()).toBe('closed')

		// Phone width: no sideways scrolling.
		await agent.setViewportSize({ width: 390, height: 844 })
		expect(await agent.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true)
		expect(pageErrors.filter((e) => e.startsWith(msp))).toEqual([])
		await device.context().close()
		await agent.context().close()
	}, 180_000)
})
