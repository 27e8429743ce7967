import { exports } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { authenticate, customApp, form, listPicker, payment, quickReply, timePicker } from '../helpers/fixtures'
import { BUSINESS_ID, PNG_B64, envelope, expectAccepted, fetchSim, knownCustomer, send } from '../helpers/gateway'
import { mockOutside } from '../helpers/msp-mock'
import { api, enc } from '../helpers/sim-api'

let msp: ReturnType<typeof mockOutside>
beforeEach(() => {
	msp = mockOutside()
})
afterEach(() => msp.restore())

const interactive = (customer: string, interactiveData: Record<string, unknown>, path?: string) =>
	send(envelope(customer, 'interactive', { interactiveData }), path ? { path } : {})

async function html(path: string): Promise<string> {
	const res = await fetchSim(path)
	expect(res.status).toBe(200)
	expect(res.headers.get('content-type')).toMatch(/text\/html/)
	return res.text()
}

describe('device page', () => {
	it('renders every kind of business message with stable test ids', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'text', { body: 'Hello <b>there</b>' })))
		await expectAccepted(
			await send(
				envelope(customer, 'richLink', {
					richLinkData: { url: 'https://example.com/p', title: 'iPad Pro', assets: { image: { data: PNG_B64, mimeType: 'image/png' } } },
				}),
			),
		)
		await expectAccepted(await interactive(customer, quickReply(3)))
		await expectAccepted(await interactive(customer, listPicker()))
		await expectAccepted(await interactive(customer, timePicker()))
		await expectAccepted(await interactive(customer, form()))
		await expectAccepted(await interactive(customer, authenticate(), '/v1/authenticate'))
		await expectAccepted(await interactive(customer, customApp()))
		const s = await fetchSim('/paymentservices/paymentSession', {
			method: 'POST',
			body: JSON.stringify({
				merchantIdentifier: 'm',
				domainName: 'msp.example',
				displayName: 'Shop',
				initiative: 'messaging',
				initiativeContext: 'https://msp.example/gw',
			}),
		})
		await expectAccepted(await interactive(customer, payment((await s.json()) as Record<string, unknown>, 'https://msp.example/gw')))
		await expectAccepted(await send(envelope(customer, 'typing_start')))
		await send(envelope(customer, 'close'))

		const page = await html(`/device?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`)
		expect(page).toContain('Hello &lt;b&gt;there&lt;/b&gt;')
		for (const id of [
			'device-page',
			'phone',
			'thread',
			'composer-input',
			'composer-file',
			'emoji-toggle',
			'close-conversation',
			'device-select',
			'rich-link',
			'quick-reply-item',
			'open-list-picker',
			'list-picker-dialog',
			'list-picker-item',
			'time-picker-dialog',
			'time-slot',
			'form-dialog',
			'form-page',
			'form-next',
			'apple-pay-sheet',
			'apple-pay-confirm',
			'signin-sheet',
			'signin-submit',
			'imessage-app-dialog',
			'tapback-love',
			'business-typing',
			'rejection',
			'switch-duplicate',
			'rejection-log',
			'rejection-log-entry',
		]) {
			expect(page, id).toContain(`data-testid="${id}"`)
		}
		expect(page).toContain('data-rule="type_receive_only"')
	})

	it('shows beside the bubble what Apple accepted with a warning (past slots, no app icon)', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await interactive(customer, timePicker({ startTime: '2022-03-01T17:00+0000' })))
		const app = customApp()
		delete app.appIcon
		await expectAccepted(await interactive(customer, app))
		await expectAccepted(await send(envelope(customer, 'text', { body: 'fine' })))
		const page = await html(`/device/thread?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`)
		const warnings = [...page.matchAll(/data-testid="gateway-warning" data-rule="([^"]+)"[^>]*>([^<]*)</g)].map((m) => [m[1], m[2]])
		expect(warnings).toEqual([
			['time_slot_past', expect.stringContaining('slots are in the past')],
			['custom_app_icon_missing', expect.stringContaining('no app icon')],
		])
	})

	it('after a switch to a Mac: placeholder for what it cannot show, and the MSP learns the device with the next message', async () => {
		const customer = await knownCustomer()
		const path = `/device?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`
		await api('POST', `/customers/${enc(customer)}/messages`, { businessId: BUSINESS_ID, text: 'From my iPhone', typing: false })
		expect(await html(path)).toContain('data-testid="device-change-hint"')
		await api('PATCH', `/customers/${enc(customer)}`, { device: 'mac' })
		// The MSP still believes in the iPhone: it sends a form, which a Mac cannot show.
		await expectAccepted(await interactive(customer, form()))
		await expectAccepted(await interactive(customer, quickReply(2)))
		const page = await html(path)
		expect(page).toMatch(
			/data-testid="device-change-pending"[^>]*>The MSP still has this customer's previous capability-list \(<span class="mono">AUTH,AUTH2,FORM,LIST,QUICK,TIME<\/span>\): it learns about the Mac \(macOS 15\) with the customer's next message/,
		)
		expect([...page.matchAll(/data-testid="unsupported-bubble" data-needs="([^"]+)"/g)].map((m) => m[1])).toEqual(['FORM'])
		expect(page).toContain('Tell us about you')
		expect(page).not.toContain('data-testid="open-form"')
		expect(page).toContain('data-testid="quick-reply-item"')

		await api('POST', `/customers/${enc(customer)}/messages`, { businessId: BUSINESS_ID, text: 'Now on my Mac', typing: false })
		const after = await html(path)
		expect(after).not.toContain('device-change-pending')
		expect(after).toContain('data-testid="device-change-hint"')
	})

	it('serves the thread fragment with customer messages and their delivery status', async () => {
		const customer = await knownCustomer()
		await api('POST', `/customers/${enc(customer)}/messages`, { businessId: BUSINESS_ID, text: 'Hi there', typing: false })
		const fragment = await html(`/device/thread?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`)
		expect(fragment).toContain('data-sender="customer"')
		expect(fragment).toContain('>Delivered<')
		expect(fragment).not.toContain('<html')
	})

	it('names the business in the header and sidebar, offers the demo business, and asks before deleting', async () => {
		const customer = await knownCustomer()
		const path = `/device?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`
		// Unknown to the directory: the id is all there is to show (like a test business without a brand).
		expect(await html(path)).toContain(`data-testid="thread-business" data-business-id="${BUSINESS_ID}" title="${BUSINESS_ID}">${BUSINESS_ID}</div>`)
		await api('PUT', `/businesses/${enc(BUSINESS_ID)}`, { name: 'Acme <Bikes>' })
		const page = await html(path)
		expect(page).toContain(`data-testid="thread-business" data-business-id="${BUSINESS_ID}" title="${BUSINESS_ID}">Acme &lt;Bikes&gt;</div>`)
		expect(page).toMatch(/data-testid="conversation-link" data-business-id="[^"]+">Acme &lt;Bikes&gt;</)
		// Delete asks first, in a dialog that says what blocking does.
		expect(page).toMatch(/data-action="open-dialog" data-dialog="close-dialog" data-testid="close-conversation"/)
		expect(page).toContain('Also block Acme &lt;Bikes&gt;: Apple refuses its messages to this customer until the customer writes again')
		// With a conversation open the start form offers it; otherwise the latest registered business.
		expect(page).toContain(`value="${BUSINESS_ID}" data-testid="start-business-id"`)
		const other = await api<{ id: string }>('POST', '/customers', { name: 'No chats yet' })
		await api('PUT', '/businesses/demo-business', { name: 'Demo Coffee' })
		expect(await html(`/device?customer=${enc(other.id)}`)).toContain('value="demo-business" data-testid="start-business-id"')
	})

	it("time picker: the title once in its dialog, and the chosen time in the customer's answer", async () => {
		const customer = await knownCustomer()
		await expectAccepted(await interactive(customer, timePicker({ startTime: '2099-03-01T17:00+0000' })))
		const { messages } = await api<{ messages: Array<{ id: string; sender: string }> }>('GET', `/customers/${enc(customer)}/messages`)
		const before = await html(`/device/thread?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`)
		const dialog = /<dialog[^>]*data-testid="time-picker-dialog"[\s\S]*?<\/dialog>/.exec(before)?.[0] ?? ''
		expect(dialog.split('Schedule an appointment').length - 1).toBe(1)
		await api('POST', `/customers/${enc(customer)}/replies`, { toMessageId: messages[0]?.id, selection: { identifier: '0' } })
		const after = await html(`/device/thread?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`)
		// 17:00 UTC shown in the event's zone (timezoneOffset -420), as the device renders a chosen slot.
		expect(after).toMatch(/data-testid="bubble-reply">Mar 1, 2099 at 10:00 AM</)
		expect(after).toContain('✓ Mar 1, 2099 at 10:00 AM')
		expect(after).not.toMatch(/data-testid="bubble-reply">Booked/)
	})

	it('makes URLs in bubbles links, escaped, http(s) only', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'text', { body: 'Menu: https://coffee.example/menu?a=1&b=2. Not javascript:alert(1)' })))
		const page = await html(`/device/thread?customer=${enc(customer)}&business=${enc(BUSINESS_ID)}`)
		expect(page).toContain(
			'Menu: <a href="https://coffee.example/menu?a=1&amp;b=2" target="_blank" rel="noopener noreferrer" data-testid="bubble-link">https://coffee.example/menu?a=1&amp;b=2</a>. Not javascript:alert(1)',
		)
	})

	it('shows an empty state without customers and redirects / to /device', async () => {
		const res = await fetchSim('/', { redirect: 'manual' })
		expect(res.status).toBe(302)
		expect(res.headers.get('location')).toBe('/device')
	})
})

describe('live updates over the WebSocket', () => {
	it('notifies open pages when the business sends to a customer', async () => {
		const customer = await knownCustomer()
		const res = await exports.default.fetch('http://sim.test/sim/ws', { headers: { upgrade: 'websocket' } })
		expect(res.status).toBe(101)
		const ws = res.webSocket as WebSocket
		ws.accept()
		const notices: Array<{ kind: string; customerId?: string }> = []
		ws.addEventListener('message', (e) => notices.push(JSON.parse(String(e.data))))
		await expectAccepted(await send(envelope(customer, 'text', { body: 'ping' })))
		// The event is delivered in another request context: poll rather than await a promise.
		await vi.waitFor(() => expect(notices).toContainEqual({ kind: 'messages', customerId: customer }))
		ws.close()
	})
})
