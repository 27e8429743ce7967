/**
 * A customer on the simulated iPhone talks to the demo business through the real MSP:
 * text with emoji becomes signed webhooks, deleting the conversation closes it for the
 * business until the customer writes again, and a tapback arrives as a reaction.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { customerProfile, e2e, inboxFor, sendAccepted, sendAsBusiness, verifySignature, waitForWebhook } from './helpers/api'
import { byTestId, Device, launchChromium, retry, until } from './helpers/device'

let browser: Browser

beforeAll(async () => {
	browser = await launchChromium()
})

afterAll(async () => {
	await browser?.close()
})

describe('customer ↔ business through the MSP', () => {
	it('a customer text with emoji reaches the business as signed webhooks', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Ada (iPhone)', 'iphone')
			await device.startConversation({ intent: 'order-coffee', group: 'downtown-store' })
			const text = await device.sendText('Two flat whites to take away please ', ['☕️', '🙏'])
			expect(text).toBe('Two flat whites to take away please ☕️🙏')

			const started = await waitForWebhook(customerId, 'conversation.started')
			const { capabilities, deviceAgent } = await customerProfile(customerId)
			expect(started.event.data).toMatchObject({
				businessId: e2e().businessId,
				customerId,
				intent: 'order-coffee',
				group: 'downtown-store',
				locale: 'en_US',
				device: deviceAgent,
				reopened: false,
			})
			expect([...started.event.data.capabilities].sort()).toEqual([...capabilities].sort())
			expect(started.event.data.capabilities).toEqual(expect.arrayContaining(['LIST', 'TIME', 'QUICK', 'FORM']))

			const received = await waitForWebhook(customerId, 'message.received', (d) => d.text === text)
			expect(received.event.data.text).toBe(text)
			expect(received.event.data.attachments).toEqual([])
			expect(received.event.data.conversationId).toBe(started.event.data.conversationId)
			expect(received.event.data.sequence).toBeGreaterThanOrEqual(started.event.data.sequence)

			// Every delivery for this customer passed the inbox's Standard Webhooks check, and ours.
			const all = await inboxFor(customerId)
			expect(all.length).toBeGreaterThanOrEqual(2)
			for (const e of all) {
				expect(e.verified, `${e.event.type}: ${e.detail}`).toBe(true)
				expect(e.headers['webhook-id']).toBe(e.webhookId)
				expect(verifySignature(e)).toEqual(e.event)
			}

			// The inbox page shows the same delivery, signature checked, text intact.
			await device.goto('/inbox')
			const shown = device.page
				.locator('[data-testid="inbox-event"][data-event-type="message.received"]')
				.filter({ hasText: customerId })
				.filter({ hasText: text })
			await shown.first().waitFor()
			expect(await shown.first().getAttribute('data-verified')).toBe('true')
			expect(await byTestId(shown.first(), 'inbox-signature').textContent()).toContain('signature valid')
		} finally {
			await device.close()
		}
	})

	it('deleting the conversation closes it for the business until the customer writes again', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Grace (close)', 'iphone')
			await device.startConversation()
			await device.sendText('Is the shop open today?')
			await sendAccepted(customerId, { type: 'text', text: 'Yes, until 6 pm!' })
			const reply = await device.businessMessage('text')
			await until(async () => byTestId(reply, 'bubble-text').textContent(), 'Yes, until 6 pm!', 'business text shown')

			await byTestId(device.page, 'close-conversation').click()
			const confirm = byTestId(device.page, 'close-dialog')
			expect(await confirm.textContent()).toContain('Also block Demo Coffee')
			await byTestId(confirm, 'close-confirm').click()
			await byTestId(device.thread, 'conversation-closed').waitFor()
			const closed = await waitForWebhook(customerId, 'conversation.closed')
			expect(closed.verified).toBe(true)
			expect(closed.event.data.reason).toBe('customer_closed')

			const refused = await sendAsBusiness(customerId, { type: 'text', text: 'Are you still there?' })
			expect(refused.status).toBe(409)
			expect(refused.body.error?.code).toBe('conflict')
			expect(refused.body.error?.message).toMatch(/closed/)

			await device.sendText('Sorry, one more question')
			const reopened = await waitForWebhook(customerId, 'conversation.started', (d) => d.reopened === true)
			expect(reopened.event.data.conversationId).toBe(closed.event.data.conversationId)
			await waitForWebhook(customerId, 'message.received', (d) => d.text === 'Sorry, one more question')

			const again = await sendAccepted(customerId, { type: 'text', text: 'Of course, ask away' })
			expect(again.rendered).toBe('original')
			const latest = device.messages('business').last()
			await until(async () => (await byTestId(latest, 'bubble-text').textContent()) ?? '', 'Of course, ask away', 'business writes after reopening')
		} finally {
			await device.close()
		}
	})

	it('a "Loved" tapback on a business message arrives as reaction.received', async () => {
		const device = await Device.open(browser)
		try {
			const customerId = await device.createCustomer('Linus (tapback)', 'iphone')
			await device.startConversation()
			await device.sendText('Is my order ready?')
			const text = 'Your order is ready for pickup 🎉'
			await sendAccepted(customerId, { type: 'text', text })
			const msg = await device.businessMessage('text')
			await until(async () => byTestId(msg, 'bubble-text').textContent(), text, 'business text shown')

			// A live refresh can re-render the thread under the menu; retry open + tap as one step.
			await retry(async () => {
				const target = device.messages('business').filter({ hasText: text }).last()
				await byTestId(target, 'tapback-open').click({ timeout: 3000 })
				await byTestId(target, 'tapback-love').click({ timeout: 3000 })
			}, 'tap “Loved”')

			const reaction = await waitForWebhook(customerId, 'reaction.received')
			expect(reaction.verified).toBe(true)
			expect(reaction.event.data).toMatchObject({ reaction: 'loved', targetText: text, rawText: `Loved “${text}”` })
			// Not mistaken for a question the bot should answer.
			expect((await inboxFor(customerId)).some((e) => e.event.type === 'message.received' && e.event.data.text?.startsWith('Loved'))).toBe(false)
		} finally {
			await device.close()
		}
	})
})
