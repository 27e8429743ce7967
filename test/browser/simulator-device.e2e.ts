/**
 * The simulator's device page in headless Chromium, without the MSP: the simulator Worker is
 * bundled with esbuild and served by Miniflare (workerd) on loopback; its `MSP` service binding
 * is a function here that answers every customer message 200. The test plays the business
 * towards the simulated gateway (`POST /v1/message` with an HS256 token, as Apple's samples
 * do) and asserts what a person sees and can click: layout inside the phone, links, names,
 * dialogs, warnings and what a device that changed cannot show.
 */
import { SignJWT } from 'jose'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type SimServer } from './sim-server.mjs'

const MSP_ID = 'browser-sim-msp'
const SECRET = 'YnJvd3Nlci1zaW11bGF0b3Itc2VjcmV0LTMyLWJ5dGU='
const DEMO = 'demo-business'
const APPLE_BID = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

let sim: SimServer
let browser: Browser
let base: string

/** The few DOM calls the in-page checks make (the root tsconfig has no DOM types). */
type InPage = {
	document: { elementFromPoint(x: number, y: number): { closest(s: string): unknown } | null; documentElement: { scrollWidth: number } }
}

beforeAll(async () => {
	sim = await startSimulator({ mspId: MSP_ID, secret: SECRET })
	base = sim.origin
	browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
	// What `npm run dev` does (scripts/dev.mjs): the demo business, named, webhooks to the inbox.
	await simApi('PUT', `/businesses/${DEMO}`, { name: 'Demo Coffee', webhookUrl: `${base}/inbox/webhook` })
})

afterAll(async () => {
	await browser?.close()
	await sim?.stop()
})

async function simApi<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
	const res = await fetch(`${base}/sim/api${path}`, {
		method,
		...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
	})
	const text = await res.text()
	if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
	return (text ? JSON.parse(text) : {}) as T
}

/** The business sends to the customer through the simulated gateway; Apple answers 200. */
async function businessSends(customerId: string, type: string, fields: Record<string, unknown>): Promise<void> {
	const token = await new SignJWT({ iss: MSP_ID, iat: Math.floor(Date.now() / 1000) })
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.sign(Uint8Array.from(atob(SECRET), (c) => c.charCodeAt(0)))
	const id = crypto.randomUUID()
	const res = await fetch(`${base}/v1/message`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', id, 'Source-Id': DEMO, 'Destination-Id': customerId },
		body: JSON.stringify({ v: 1, id, type, sourceId: DEMO, destinationId: customerId, ...fields }),
	})
	expect(res.status, await res.text()).toBe(200)
}

async function customerWithChat(device: 'iphone' | 'iphone-old' | 'mac' = 'iphone'): Promise<string> {
	const { id } = await simApi<{ id: string }>('POST', '/customers', { device })
	await simApi('POST', `/customers/${encodeURIComponent(id)}/conversations`, { businessId: DEMO, text: 'Hello' })
	return id
}

const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`)

/** A page at 1280×900 (the e2e suite's size) that reaches nothing but the simulator. */
async function open(path: string): Promise<Page> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
	const page = await context.newPage()
	page.setDefaultTimeout(15_000)
	await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()))
	await page.goto(`${base}${path}`)
	await page.locator('body[data-ws="open"]').waitFor({ state: 'attached' })
	return page
}

const chat = (customerId: string) => `/device?customer=${encodeURIComponent(customerId)}&business=${DEMO}`

type Box = { x: number; y: number; width: number; height: number }
async function box(l: Locator): Promise<Box> {
	const b = await l.boundingBox()
	if (!b) throw new Error('not rendered')
	return b
}
const inside = (inner: Box, outer: Box) =>
	inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height

describe('simulator device page in Chromium', () => {
	// First: with no customer yet, the page shows what a newcomer sees after `npm run dev`.
	it('a new customer finds the demo business prefilled, and the inbox says it is already wired', async () => {
		const page = await open('/device')
		try {
			await byTestId(page, 'new-customer-name').fill('Newcomer')
			await page.evaluate('document.body.dataset.stale = "1"')
			await byTestId(page, 'new-customer-submit').click()
			await page.locator('body[data-ws="open"]:not([data-stale])').waitFor({ state: 'attached' })
			expect(await byTestId(page, 'start-business-id').inputValue()).toBe(DEMO)
			await page.evaluate('document.body.dataset.stale = "1"')
			await byTestId(page, 'start-conversation-submit').click()
			await page.locator('body[data-ws="open"]:not([data-stale])').waitFor({ state: 'attached' })
			expect(await byTestId(page, 'thread-business').textContent()).toBe('Demo Coffee')

			await page.goto(`${base}/inbox`)
			expect(await byTestId(page, 'inbox-wired').innerText()).toBe(
				`Already wired: Demo Coffee (${DEMO}) sends its webhooks to ${base}/inbox/webhook. Nothing to set up.`,
			)
		} finally {
			await page.context().close()
		}
	})

	it('the tapback menu of a wide bubble stays inside the phone, and every reaction can be clicked', async () => {
		const customerId = await customerWithChat()
		await businessSends(customerId, 'text', { body: 'A long answer that fills the bubble to its widest, '.repeat(4) })
		const page = await open(chat(customerId))
		try {
			// Debian's fallback emoji glyphs are narrower than Apple Color Emoji: give the buttons the
			// width they have on a Mac, where the overflow was seen.
			await page.addStyleTag({ content: '.tapbacks .menu button { min-width: 34px }' })
			const msg = page.locator('[data-testid="message"][data-sender="business"]').last()
			await byTestId(msg, 'tapback-open').click()
			// No sideways scrolling in the thread: a menu that overflows makes it scroll (or clips it).
			expect(await byTestId(page, 'thread').evaluate((t) => [t.scrollWidth - t.clientWidth, t.scrollLeft])).toEqual([0, 0])
			const buttons = msg.locator('[data-action="tapback"]')
			expect(await buttons.count()).toBe(7)
			for (const b of await buttons.all()) {
				// Measured together: an overflowing menu scrolls the page, moving the phone too.
				const [button, thread] = [await box(b), await box(byTestId(page, 'thread'))]
				expect(inside(button, thread), `${await b.textContent()} inside the thread`).toBe(true)
				// Nothing covers it: the button itself is what a click at its centre hits.
				expect(
					await b.evaluate((el) => {
						const r = el.getBoundingClientRect()
						return (globalThis as unknown as InPage).document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)?.closest('button') === el
					}),
				).toBe(true)
			}
			await byTestId(msg, 'tapback-emoji').click()
			await page.locator('[data-sender="customer"] [data-testid="bubble-text"]', { hasText: /^Reacted 🎉 to “A long answer/ }).waitFor()
			await byTestId(msg, 'tapback-open').click()
			await byTestId(msg, 'tapback-question').click()
			await page.locator('[data-sender="customer"] [data-testid="bubble-text"]', { hasText: /^Questioned “A long answer/ }).waitFor()
		} finally {
			await page.context().close()
		}
	})

	it('shows the business by name and makes URLs in bubbles safe links', async () => {
		const customerId = await customerWithChat()
		await businessSends(customerId, 'text', { body: 'Our menu: https://coffee.example/menu?size=l&milk=oat. Not a link: javascript:alert(1)' })
		const page = await open(chat(customerId))
		try {
			expect(await byTestId(page, 'thread-business').textContent()).toBe('Demo Coffee')
			const link = byTestId(page.locator('[data-sender="business"]').last(), 'bubble-link')
			await link.waitFor()
			expect(
				await link.evaluate((el) => {
					const a = el as unknown as { href: string; textContent: string; target: string; rel: string }
					return { href: a.href, text: a.textContent, target: a.target, rel: a.rel }
				}),
			).toEqual({
				href: 'https://coffee.example/menu?size=l&milk=oat',
				text: 'https://coffee.example/menu?size=l&milk=oat',
				target: '_blank',
				rel: 'noopener noreferrer',
			})
			expect(await page.locator('a[href^="javascript:"]').count()).toBe(0)
		} finally {
			await page.context().close()
		}
	})

	it("time picker: its title once in the dialog, and the chosen time in the customer's bubble", async () => {
		const customerId = await customerWithChat()
		await businessSends(customerId, 'interactive', {
			interactiveData: {
				bid: APPLE_BID,
				receivedMessage: { title: 'Book a tasting', style: 'icon' },
				replyMessage: { title: 'Booked', style: 'icon' },
				data: {
					version: '1.0',
					requestIdentifier: crypto.randomUUID(),
					event: { identifier: '1', title: 'Book a tasting', timeslots: [{ identifier: 'a', startTime: '2099-03-01T17:00+0000', duration: 3600 }] },
				},
			},
		})
		const page = await open(chat(customerId))
		try {
			await byTestId(page, 'open-time-picker').click()
			const dialog = byTestId(page, 'time-picker-dialog')
			expect(((await dialog.innerText()).match(/Book a tasting/g) ?? []).length).toBe(1)
			await byTestId(dialog, 'time-slot').click()
			await byTestId(dialog, 'time-picker-send').click()
			const answer = page.locator('[data-sender="customer"] [data-testid="bubble-reply"]')
			await answer.waitFor()
			expect(await answer.textContent()).toBe('Mar 1, 2099 at 5:00 PM')
		} finally {
			await page.context().close()
		}
	})

	it('Mac: the controls stay beside the screen, nothing runs off the window', async () => {
		const customerId = await customerWithChat('mac')
		const page = await open(chat(customerId))
		try {
			const phone = await box(byTestId(page, 'phone'))
			const controls = await box(byTestId(page, 'device-header'))
			expect(controls.x).toBeGreaterThanOrEqual(phone.x + phone.width)
			expect(controls.y).toBeLessThan(phone.y + phone.height)
			expect(controls.x + controls.width).toBeLessThanOrEqual(1280)
			expect(await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280)
		} finally {
			await page.context().close()
		}
	})

	it('deleting the conversation asks first; blocking is a labelled choice', async () => {
		const customerId = await customerWithChat()
		const page = await open(chat(customerId))
		try {
			await byTestId(page, 'close-conversation').click()
			const dialog = byTestId(page, 'close-dialog')
			await dialog.waitFor()
			await byTestId(dialog, 'dialog-cancel').click()
			await dialog.waitFor({ state: 'hidden' })
			const conversation = async () =>
				(await simApi<{ conversations: Array<{ closed: boolean; blocked: boolean }> }>('GET', `/customers/${encodeURIComponent(customerId)}`)).conversations[0]
			expect(await conversation()).toMatchObject({ closed: false, blocked: false })

			await byTestId(page, 'close-conversation').click()
			await page.getByLabel('Also block Demo Coffee: Apple refuses its messages to this customer until the customer writes again').check()
			await byTestId(dialog, 'close-confirm').click()
			await byTestId(page, 'conversation-closed').waitFor()
			expect(await conversation()).toMatchObject({ closed: true, blocked: true })
		} finally {
			await page.context().close()
		}
	})

	it('after a switch to a Mac, a form the MSP still sends shows as unsupported, and the page says why', async () => {
		const customerId = await customerWithChat('iphone')
		const page = await open(chat(customerId))
		try {
			await page.evaluate('document.body.dataset.stale = "1"')
			await byTestId(page, 'device-select').selectOption('mac')
			await page.locator('body[data-ws="open"]:not([data-stale])').waitFor({ state: 'attached' })
			expect(await byTestId(page, 'device-change-pending').innerText()).toContain("it learns about the Mac (macOS 15) with the customer's next message")
			await businessSends(customerId, 'interactive', {
				interactiveData: {
					bid: APPLE_BID,
					receivedMessage: { title: 'Delivery details', style: 'icon' },
					data: {
						version: '1.0',
						requestIdentifier: crypto.randomUUID(),
						dynamic: {
							version: '1.1',
							template: 'messageForms',
							data: { title: 'Delivery', startPageIdentifier: '0', pages: [{ pageIdentifier: '0', type: 'input', title: 'Address', submitForm: true }] },
						},
					},
				},
			})
			const placeholder = byTestId(page, 'unsupported-bubble')
			await placeholder.waitFor()
			expect(await placeholder.innerText()).toMatch(/Delivery details\s+This message is not supported on this device/)
			expect(await byTestId(page, 'open-form').count()).toBe(0)
		} finally {
			await page.context().close()
		}
	})

	it("Apple's own samples: past slots and an app without icon are delivered, with a warning beside the bubble", async () => {
		const customerId = await customerWithChat()
		await businessSends(customerId, 'interactive', {
			interactiveData: {
				bid: APPLE_BID,
				receivedMessage: { title: 'Schedule', style: 'icon' },
				data: {
					version: '1.0',
					requestIdentifier: crypto.randomUUID(),
					event: { timeslots: [{ identifier: '0', startTime: '2022-03-01T17:00+0000', duration: 3600 }] },
				},
			},
		})
		await businessSends(customerId, 'interactive', {
			interactiveData: {
				bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.App.MessagesExtension',
				appId: 1,
				appName: 'Parcel',
				URL: '?p=1',
				receivedMessage: { title: 'Parcel' },
			},
		})
		const page = await open(chat(customerId))
		try {
			const warnings = byTestId(page, 'gateway-warning')
			await expect
				.poll(() => warnings.allInnerTexts())
				.toEqual([
					expect.stringMatching(/^⚠︎ Apple accepted this, but: all slots are in the past/),
					'⚠︎ Apple accepted this, but: no app icon: the bubble shows the app without its icon',
				])
		} finally {
			await page.context().close()
		}
	})
})
