/**
 * The simulator's device page (`/device`) driven through Debian's Chromium with
 * playwright-core: never a downloaded browser, nothing beyond loopback. Selectors are the
 * page's `data-testid` attributes (simulator/src/pages/*.ts).
 */
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { e2e } from './api'
import { toBuffer } from './files.mjs'

export const CHROMIUM = '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	})
}

export const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`)

/** Wait until `read()` equals (or matches) the expected value. */
export async function until<T>(read: () => Promise<T>, expected: T | RegExp, message: string): Promise<void> {
	const poll = expect.poll(read, { timeout: 20_000, interval: 200, message })
	if (expected instanceof RegExp) await poll.toMatch(expected)
	else await poll.toEqual(expected)
}

/** Retry an interaction until it succeeds (e.g. when a live refresh re-renders its target). */
export async function retry(action: () => Promise<void>, message: string): Promise<void> {
	await expect
		.poll(
			async () => {
				try {
					await action()
					return 'done'
				} catch (err) {
					return String(err).split('\n')[0]
				}
			},
			{ timeout: 20_000, interval: 250, message },
		)
		.toBe('done')
}

export class Device {
	constructor(readonly page: Page) {}

	static async open(browser: Browser): Promise<Device> {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
		const page = await context.newPage()
		page.setDefaultTimeout(20_000)
		// The page must never reach beyond the simulator: no fonts, analytics or CDNs.
		const origin = e2e().simUrl
		await page.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()))
		const device = new Device(page)
		await device.goto('/device')
		return device
	}

	/** Navigate and wait for the live-update WebSocket, so later changes reach the page. */
	async goto(path: string): Promise<void> {
		await this.page.goto(`${e2e().simUrl}${path}`)
		await this.waitReady()
	}

	async waitReady(): Promise<void> {
		await this.page.locator('body[data-ws="open"]').waitFor({ state: 'attached' })
	}

	/**
	 * Run an action that makes the page load a new document (the page's forms end in
	 * `location.href = …` or `location.reload()`), and wait for that new document to be live.
	 * The old document is marked first: the URL alone can match before the navigation happens.
	 */
	async navigating(action: () => Promise<unknown>): Promise<void> {
		await this.page.evaluate('document.body.dataset.e2eStale = "1"')
		await action()
		await this.page.locator('body[data-ws="open"]:not([data-e2e-stale])').waitFor({ state: 'attached' })
	}

	/** Create a customer with the sidebar's form; the page then shows it. Returns its id. */
	async createCustomer(name: string, device: 'iphone' | 'iphone-old' | 'mac' = 'iphone'): Promise<string> {
		const { page } = this
		await byTestId(page, 'new-customer-name').fill(name)
		await byTestId(page, 'new-customer-device').selectOption(device)
		await this.navigating(() => byTestId(page, 'new-customer-submit').click())
		await until(() => byTestId(page, 'device-header').locator('h3').textContent(), name, 'customer shown')
		const id = (await byTestId(page, 'customer-id').textContent())?.trim() ?? ''
		expect(id).toMatch(/^urn:mbid:/)
		return id
	}

	/** "Open a business link": the chat opens in the phone. */
	async startConversation(o: { businessId?: string; intent?: string; group?: string } = {}): Promise<void> {
		const { page } = this
		const businessId = o.businessId ?? e2e().businessId
		await byTestId(page, 'start-business-id').fill(businessId)
		if (o.intent) await byTestId(page, 'start-intent').fill(o.intent)
		if (o.group) await byTestId(page, 'start-group').fill(o.group)
		await this.navigating(() => byTestId(page, 'start-conversation-submit').click())
		// The header shows the business's name; its id is an attribute.
		await until(() => byTestId(page, 'thread-business').getAttribute('data-business-id'), businessId, 'conversation open')
		await until(() => page.locator('[data-testid="conversation-link"].active').getAttribute('data-business-id'), businessId, 'conversation listed')
	}

	get thread(): Locator {
		return byTestId(this.page, 'thread')
	}

	/** Messages in the thread, optionally only from one side. */
	messages(sender?: 'business' | 'customer'): Locator {
		return this.thread.locator(sender ? `[data-testid="message"][data-sender="${sender}"]` : '[data-testid="message"]')
	}

	/** The customer's own message with exactly this text, once the MSP answered it. */
	async expectDelivered(text: string): Promise<void> {
		const msg = this.messages('customer')
			.filter({ has: this.page.locator('[data-testid="bubble-text"]', { hasText: text }) })
			.last()
		await msg.waitFor()
		await until(async () => (await byTestId(msg, 'bubble-text').textContent()) ?? '', text, 'customer bubble text')
		await until(async () => (await byTestId(msg, 'delivery-status').textContent()) ?? '', 'Delivered', `delivery of “${text}”`)
	}

	/** Type in the composer and send; waits until the MSP accepted it. */
	async sendText(text: string, emoji: string[] = []): Promise<string> {
		const input = byTestId(this.page, 'composer-input')
		await input.fill(text)
		if (emoji.length > 0) {
			await byTestId(this.page, 'emoji-toggle').click()
			const palette = byTestId(this.page, 'emoji-palette')
			for (const e of emoji) await byTestId(palette, 'emoji').getByText(e, { exact: true }).click()
		}
		const full = text + emoji.join('')
		expect(await input.inputValue()).toBe(full)
		await byTestId(this.page, 'composer-send').click()
		await this.expectDelivered(full)
		return full
	}

	/**
	 * Attach a file with the composer's 📎 (the page uploads it at once, as its own message,
	 * without the composer's text); waits until the customer's bubble shows it and the MSP
	 * accepted it. Returns that message.
	 */
	async sendFile(file: { name: string; mimeType: string; bytes: Uint8Array }): Promise<Locator> {
		const { page } = this
		await byTestId(page, 'composer-file').setInputFiles({ name: file.name, mimeType: file.mimeType, buffer: toBuffer(file.bytes) })
		const shown = page.locator(`[data-testid="attachment-link"][download="${file.name}"], [data-testid="attachment-image"][alt="${file.name}"]`)
		const msg = this.messages('customer').filter({ has: shown }).last()
		await msg.waitFor()
		await until(async () => (await byTestId(msg, 'delivery-status').textContent()) ?? '', 'Delivered', `delivery of ${file.name}`)
		return msg
	}

	/** The latest business message of this rendered kind (`data-kind`), once it shows. */
	async businessMessage(kind: string): Promise<Locator> {
		const msg = this.thread.locator(`[data-testid="message"][data-sender="business"][data-kind="${kind}"]`).last()
		await msg.waitFor()
		return msg
	}

	/** Switch the device in the right-hand panel (the page reloads). */
	async switchDevice(device: 'iphone' | 'iphone-old' | 'mac'): Promise<void> {
		const { page } = this
		await this.navigating(() => byTestId(page, 'device-select').selectOption(device))
		await until(() => byTestId(page, 'phone').getAttribute('data-device'), device, 'device switched')
	}

	async close(): Promise<void> {
		await this.page.context().close()
	}
}
