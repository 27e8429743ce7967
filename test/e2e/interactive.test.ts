/**
 * Interactive messages sent through the MSP's business API, shown on the simulated device and
 * answered there: a multi-select list picker, a time picker, and the fitting to a device that
 * cannot show them (old iOS: derived text; Mac: the business's fallback).
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { e2e, gatewayMessages, latestRequestIdentifier, sendAccepted, waitForWebhook } from './helpers/api'
import { byTestId, Device, launchChromium, until } from './helpers/device'

let browser: Browser

beforeAll(async () => {
	browser = await launchChromium()
})

afterAll(async () => {
	await browser?.close()
})

/** RFC 3339 without fractions, `days` from now on the hour plus `minutes`. */
function slotStart(days: number, hourUtc: number, minutes = 0): string {
	const d = new Date()
	d.setUTCDate(d.getUTCDate() + days)
	d.setUTCHours(hourUtc, minutes, 0, 0)
	return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const LIST_PICKER = {
	type: 'listPicker',
	title: 'Fresh from the oven',
	subtitle: 'Pick what you like',
	sections: [
		{
			title: 'Pastries',
			multipleSelection: true,
			items: [
				{ id: 'croissant', title: 'Croissant', subtitle: 'Butter, flaky' },
				{ id: 'pain-au-chocolat', title: 'Pain au chocolat' },
				{ id: 'cinnamon-bun', title: 'Cinnamon bun', subtitle: 'Still warm' },
			],
		},
		{
			title: 'Drinks',
			items: [
				{ id: 'flat-white', title: 'Flat white' },
				{ id: 'earl-grey', title: 'Earl Grey' },
			],
		},
	],
}

describe('interactive messages', () => {
	it('a list picker shows its sections and items; a multi-selection comes back as interactive.received', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Marie', 'iphone')
			await device.startConversation({ intent: 'breakfast' })
			await device.sendText('Hi! What pastries do you have this morning? 🥐')
			await sendAccepted(customerId, { type: 'text', text: 'Good morning Marie! Here is what just came out of the oven 👇' })
			const sent = await sendAccepted(customerId, LIST_PICKER)
			expect(sent.rendered).toBe('original')

			const msg = await device.businessMessage('listPicker')
			const card = byTestId(msg, 'open-list-picker')
			await until(async () => (await card.textContent())?.replace(/\s+/g, ' ').trim(), /Fresh from the oven\s*Pick what you like/, 'list picker bubble')

			await card.click()
			const dialog = byTestId(msg, 'list-picker-dialog')
			await dialog.waitFor()
			const sections = byTestId(dialog, 'list-picker-section')
			expect(await sections.count()).toBe(2)
			expect(await sections.nth(0).locator('legend').textContent()).toBe('Pastries · choose any')
			expect(await sections.nth(0).getAttribute('data-multiple')).toBe('true')
			expect(await sections.nth(1).locator('legend').textContent()).toBe('Drinks')
			expect(await byTestId(sections.nth(0), 'list-picker-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-identifier')))).toEqual([
				'croissant',
				'pain-au-chocolat',
				'cinnamon-bun',
			])
			expect(await byTestId(sections.nth(1), 'list-picker-item').allInnerTexts()).toEqual(['Flat white', 'Earl Grey'])
			expect(await sections.nth(0).locator('[data-identifier="cinnamon-bun"]').innerText()).toContain('Still warm')
			expect(await sections.nth(0).locator('input[type="checkbox"]').count()).toBe(3)
			expect(await sections.nth(1).locator('input[type="radio"]').count()).toBe(2)

			await sections.nth(0).locator('[data-identifier="croissant"] input').check()
			await sections.nth(0).locator('[data-identifier="cinnamon-bun"] input').check()
			await sections.nth(1).locator('[data-identifier="flat-white"] input').check()

			await byTestId(dialog, 'list-picker-send').click()
			await dialog.waitFor({ state: 'hidden' })

			const requestId = await latestRequestIdentifier(customerId)
			const reply = await waitForWebhook(customerId, 'interactive.received')
			expect(reply.verified).toBe(true)
			expect(reply.event.data).toMatchObject({ kind: 'listPicker', requestId, byReference: false })
			const chosen = reply.event.data.raw.data.listPicker.sections.flatMap((s: { items: Array<{ identifier: string }> }) => s.items.map((i) => i.identifier))
			expect(chosen).toEqual(['croissant', 'cinnamon-bun', 'flat-white'])

			const shown = await waitForWebhook(customerId, 'message.sent', (d) => d.messageId === sent.id)
			expect(shown.event.data).toMatchObject({ type: 'listPicker', rendered: 'original' })
			await until(async () => (await byTestId(msg, 'answered').textContent())?.trim(), '✓ Croissant, Cinnamon bun and Flat white', 'picker marked as answered')
			const answer = device.messages('customer').last()
			await until(async () => byTestId(answer, 'bubble-reply').textContent(), 'Croissant, Cinnamon bun and Flat white', 'the reply bubble')

			await sendAccepted(customerId, { type: 'text', text: 'Lovely choice! Ready at the counter in 5 minutes ☕️' })
			await until(
				async () => byTestId(device.messages('business').last(), 'bubble-text').textContent(),
				'Lovely choice! Ready at the counter in 5 minutes ☕️',
				'confirmation shown',
			)
			const screenshotPath = e2e().screenshotPath
			if (screenshotPath) await phoneScreenshot(device, screenshotPath)
		} finally {
			await device.close()
		}
	})

	it('a device without the capability gets text (derived) or the business fallback, and says so', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Tim (old iPhone)', 'iphone')
			await device.startConversation()
			await device.sendText('Hello from my new phone')

			await device.switchDevice('iphone-old')
			expect(await byTestId(device.page, 'capabilities').textContent()).toBe('LIST,TIME')
			// The MSP learns the device from the customer's next message (capability-list header).
			await device.sendText('Same chat, older phone')
			await waitForWebhook(customerId, 'message.received', (d) => d.text === 'Same chat, older phone')

			const quick = await sendAccepted(customerId, {
				type: 'quickReply',
				prompt: 'Which size would you like?',
				items: [
					{ id: 'small', title: 'Small' },
					{ id: 'medium', title: 'Medium' },
					{ id: 'large', title: 'Large' },
				],
			})
			expect(quick.rendered).toBe('text')
			const asText = await device.businessMessage('text')
			await until(
				async () => byTestId(asText, 'bubble-text').textContent(),
				/Which size would you like\?[\s\S]*1\. Small\n2\. Medium\n3\. Large/,
				'numbered options',
			)
			expect(await device.thread.locator('[data-testid="quick-reply"]').count()).toBe(0)
			const atGateway = (await gatewayMessages(customerId)).at(-1)
			expect(atGateway?.type).toBe('text')
			const sentText = await waitForWebhook(customerId, 'message.sent', (d) => d.messageId === quick.id)
			expect(sentText.event.data.rendered).toBe('text')

			await device.switchDevice('mac')
			expect(await byTestId(device.page, 'capabilities').textContent()).toBe('AUTH2,LIST,QUICK,TIME')
			await device.sendText('Now on my Mac')
			await waitForWebhook(customerId, 'message.received', (d) => d.text === 'Now on my Mac')

			const form = await sendAccepted(customerId, {
				type: 'form',
				title: 'Delivery details',
				pages: [
					{
						type: 'select',
						title: 'When?',
						items: [
							{ id: 'today', title: 'Today' },
							{ id: 'tomorrow', title: 'Tomorrow' },
						],
					},
				],
				fallback: { type: 'text', text: 'When should we deliver: today or tomorrow? 🚚' },
			})
			expect(form.rendered).toBe('fallback')
			const fallback = device.messages('business').last()
			await until(async () => byTestId(fallback, 'bubble-text').textContent(), 'When should we deliver: today or tomorrow? 🚚', 'the business fallback')
			expect(await device.thread.locator('[data-testid="open-form"]').count()).toBe(0)
			expect((await gatewayMessages(customerId)).at(-1)?.body.body).toBe('When should we deliver: today or tomorrow? 🚚')
			const sentFallback = await waitForWebhook(customerId, 'message.sent', (d) => d.messageId === form.id)
			expect(sentFallback.event.data).toMatchObject({ type: 'form', rendered: 'fallback' })
		} finally {
			await device.close()
		}
	})

	it('a time picker slot chosen on the device arrives as interactive.received', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Rosa (booking)', 'iphone')
			await device.startConversation({ intent: 'book-tasting' })
			await device.sendText('Can I book a coffee tasting?')
			const sent = await sendAccepted(customerId, {
				type: 'timePicker',
				title: 'Coffee tasting',
				subtitle: 'Choose a time',
				location: { title: 'Demo Coffee, Main St', latitude: 48.8566, longitude: 2.3522 },
				slots: [
					{ id: 'slot-morning', start: slotStart(2, 9), durationSeconds: 1800 },
					{ id: 'slot-noon', start: slotStart(2, 12, 30), durationSeconds: 3600 },
				],
			})
			expect(sent.rendered).toBe('original')

			const msg = await device.businessMessage('timePicker')
			await byTestId(msg, 'open-time-picker').click()
			const dialog = byTestId(msg, 'time-picker-dialog')
			await dialog.waitFor()
			const slots = byTestId(dialog, 'time-slot')
			expect(await slots.evaluateAll((els) => els.map((e) => e.getAttribute('data-identifier')))).toEqual(['slot-morning', 'slot-noon'])
			expect(await dialog.innerText()).toContain('Demo Coffee, Main St')
			expect(await slots.nth(1).innerText()).toContain('60 min')

			await slots.nth(1).locator('input').check()
			await byTestId(dialog, 'time-picker-send').click()
			await dialog.waitFor({ state: 'hidden' })

			const requestId = await latestRequestIdentifier(customerId)
			const reply = await waitForWebhook(customerId, 'interactive.received')
			expect(reply.verified).toBe(true)
			expect(reply.event.data).toMatchObject({ kind: 'timePicker', requestId, byReference: false })
			const chosen = reply.event.data.raw.data.event.timeslots
			expect(chosen).toHaveLength(1)
			expect(chosen[0].identifier).toBe('slot-noon')
			expect(chosen[0].duration).toBe(3600)
			await byTestId(device.messages('business').last(), 'answered').waitFor()
		} finally {
			await device.close()
		}
	})
})

/**
 * README screenshot: just the phone, at phone size, mid-conversation. The page's side panels
 * are hidden for the shot only.
 */
async function phoneScreenshot(device: Device, path: string): Promise<void> {
	const { page } = device
	const style = await page.addStyleTag({
		content: 'aside, .controls { display: none !important } main { padding: 0 !important; justify-content: center }',
	})
	await page.setViewportSize({ width: 390, height: 780 })
	await page.screenshot({ path, type: 'png', animations: 'disabled', caret: 'hide' })
	await style.evaluate((el) => el.remove())
	await page.setViewportSize({ width: 1280, height: 900 })
}
