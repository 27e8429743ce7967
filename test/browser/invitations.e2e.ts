/**
 * Invitations end to end in headless Chromium (docs/invitations.md): the business invites a
 * phone number through the MSP's API, the MSP sends the notification to the simulated
 * gateway, the simulator shows it on the device of the customer with that number, and the
 * customer's Accept / Decline goes back to the MSP as Apple would send it. Webhooks land in
 * the simulator's inbox, signature-checked. Both Workers run under Miniflare on loopback.
 */
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMspAndSimulator, type MspSimStack } from './msp-sim-stack.mjs'

const MSP_ID = 'browser-invitations-msp'
const SECRET = 'aW52aXRhdGlvbnMtYnJvd3Nlci1zZWNyZXQtMzJieXQ='
const ADMIN_TOKEN = 'browser-admin-token-invitations-0123456789'
const BUSINESS = 'acme-dental'
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

let stack: MspSimStack
let browser: Browser
let apiKey: string

interface InboxEvent {
	eventType: string | null
	verified: boolean
	body: string
}
type Event = { type: string; data: Record<string, unknown> }

async function json<T>(res: Response): Promise<T> {
	const text = await res.text()
	if (!res.ok) throw new Error(`${res.url} → ${res.status}: ${text}`)
	return (text ? JSON.parse(text) : {}) as T
}

const simApi = <T>(method: string, path: string, body?: unknown) =>
	fetch(`${stack.simUrl}/sim/api${path}`, {
		method,
		...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
	}).then((r) => json<T>(r))

const business = (method: string, path: string, body?: unknown) =>
	fetch(`${stack.mspUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	})

beforeAll(async () => {
	stack = await startMspAndSimulator({ mspId: MSP_ID, secret: SECRET, adminToken: ADMIN_TOKEN })
	const created = await json<{ apiKey: string; webhookSecret: string }>(
		await fetch(`${stack.mspUrl}/admin/businesses`, {
			method: 'POST',
			headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify({ businessId: BUSINESS, name: 'Acme Dental', webhookUrl: `${stack.simUrl}/inbox/webhook` }),
		}),
	)
	apiKey = created.apiKey
	await simApi('PUT', `/businesses/${BUSINESS}`, { name: 'Acme Dental', webhookUrl: `${stack.simUrl}/inbox/webhook` })
	await simApi('PATCH', '/switches', { inboxWebhookSecret: created.webhookSecret })
	browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
})

afterAll(async () => {
	await browser?.close()
	await stack?.stop()
})

const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`)

/** Webhooks in the inbox, each with its Standard Webhooks check. */
async function events(): Promise<Event[]> {
	const { events } = await simApi<{ events: InboxEvent[] }>('GET', '/inbox')
	for (const e of events) expect(e.verified, `${e.eventType} signature`).toBe(true)
	return events.map((e) => JSON.parse(e.body) as Event)
}

async function waitForEvent(pred: (e: Event) => boolean, what: string): Promise<Event> {
	let found: Event | undefined
	await expect
		.poll(
			async () => {
				found = (await events()).find(pred)
				return found !== undefined
			},
			{ timeout: 15_000, message: what },
		)
		.toBe(true)
	return found!
}

/** A customer created on the device page with this phone number; the page shows them. */
async function customerOnDevice(name: string, phone: string): Promise<{ page: Page; customerId: string }> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
	const page = await context.newPage()
	page.setDefaultTimeout(15_000)
	await page.route('**/*', (route) => (route.request().url().startsWith(stack.simUrl) ? route.continue() : route.abort()))
	await page.goto(`${stack.simUrl}/device`)
	const form = byTestId(page, 'new-customer-form')
	await byTestId(form, 'new-customer-name').fill(name)
	await byTestId(form, 'new-customer-phone').fill(phone)
	await Promise.all([page.waitForURL(/customer=/), byTestId(form, 'new-customer-submit').click()])
	await expect.poll(() => byTestId(page, 'customer-phone').textContent()).toBe(phone)
	const customerId = (await byTestId(page, 'customer-id').textContent())!.trim()
	return { page, customerId }
}

/** The invitation arrives live in the sidebar; opening it shows the card. */
async function openInvitation(page: Page, customerId: string): Promise<Locator> {
	const link = page.locator(`[data-testid="conversation-link"][data-business-id="${BUSINESS}"][href*="${encodeURIComponent(customerId)}"]`)
	await link.waitFor()
	await expect.poll(() => link.textContent()).toContain('Acme Dental')
	await Promise.all([page.waitForURL(/business=/), link.click()])
	const card = byTestId(page, 'invitation')
	await card.waitFor()
	expect(await byTestId(card, 'invitation-brand').textContent()).toBe('Acme Dental')
	expect(await byTestId(card, 'invitation-logo').count()).toBe(1)
	return card
}

const invite = (phoneNumber: string, referenceId: string) =>
	business('POST', '/v1/invitations', {
		phoneNumber,
		templateId: 'binaryChoice.engage.withImage',
		referenceId,
		locale: 'en-us',
		parameters: { brandName: 'Acme Dental', brandLogo: PNG_B64 },
	})

describe('invitations through the simulator’s device page', () => {
	it('invite → Accept → the conversation starts, the business replies, the customer answers', async () => {
		const phone = '+15557650001'
		const { page, customerId } = await customerOnDevice('Ada', phone)
		try {
			const res = await invite(phone, 'e2e-accept')
			expect(res.status).toBe(202)
			const { id } = (await res.json()) as { id: string }
			const card = await openInvitation(page, customerId)
			await waitForEvent((e) => e.type === 'invitation.updated' && e.data.invitationId === id && e.data.status === 'submitted', 'submitted')

			await byTestId(card, 'invitation-accept').click()
			await expect.poll(() => byTestId(card, 'answered').textContent()).toContain('Accept')
			const accepted = await waitForEvent((e) => e.type === 'invitation.updated' && e.data.invitationId === id && e.data.status === 'accepted', 'accepted')
			const started = await waitForEvent((e) => e.type === 'conversation.started' && e.data.customerId === customerId, 'conversation.started')
			const answer = await waitForEvent((e) => e.type === 'interactive.received' && e.data.customerId === customerId, 'interactive.received')
			expect(answer.data).toMatchObject({
				kind: 'invitation',
				invitationId: id,
				referenceId: 'e2e-accept',
				selected: { title: 'Accept' },
				conversationId: started.data.conversationId,
			})
			expect(accepted.data).toMatchObject({ conversationId: started.data.conversationId, customerId, phoneNumber: phone })

			// The business answers in the conversation the invitation started; the device shows it.
			const sent = await business('POST', '/v1/messages', { customerId, message: { type: 'text', text: 'Hi Ada, thanks for accepting!' } })
			expect(sent.status).toBe(202)
			await page.locator('[data-testid="bubble-text"]', { hasText: 'Hi Ada, thanks for accepting!' }).waitFor()

			// And the customer writes back in the same conversation.
			await byTestId(page, 'composer-input').fill('Can I book a cleaning?')
			await byTestId(page, 'composer-send').click()
			const text = await waitForEvent((e) => e.type === 'message.received' && e.data.customerId === customerId, 'message.received')
			expect(text.data).toMatchObject({ text: 'Can I book a cleaning?', conversationId: started.data.conversationId })
		} finally {
			await page.context().close()
		}
	})

	it('invite → Decline → opted out: the next invitation is refused and nothing reaches the device', async () => {
		const phone = '+15557650002'
		const { page, customerId } = await customerOnDevice('Grace', phone)
		try {
			const res = await invite(phone, 'e2e-decline')
			const { id } = (await res.json()) as { id: string }
			const card = await openInvitation(page, customerId)
			await byTestId(card, 'invitation-decline').click()
			await byTestId(page, 'invitation-declined').waitFor()
			const declined = await waitForEvent((e) => e.type === 'invitation.updated' && e.data.invitationId === id && e.data.status === 'declined', 'declined')
			expect(declined.data).toMatchObject({ phoneNumber: phone, referenceId: 'e2e-decline', reason: 'customer_opted_out' })
			expect((await events()).some((e) => e.data.customerId === customerId && e.type === 'conversation.closed')).toBe(false)

			const optOuts = await json<{ data: { phoneNumber: string }[] }>(await business('GET', '/v1/invitations/opt-outs'))
			expect(optOuts.data.map((o) => o.phoneNumber)).toContain(phone)
			const again = await invite(phone, 'e2e-decline-2')
			expect(again.status).toBe(409)
			expect(((await again.json()) as { error: { code: string } }).error.code).toBe('opted_out')
			const toDevice = await simApi<{ messages: unknown[] }>('GET', `/business-messages?customerId=${encodeURIComponent(customerId)}`)
			expect(toDevice.messages).toHaveLength(1)
			expect(await byTestId(page, 'invitation').count()).toBe(1)
		} finally {
			await page.context().close()
		}
	})
})
