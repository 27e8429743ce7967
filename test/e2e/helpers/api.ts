/**
 * The two HTTP sides the browser tests check against: the MSP's business API (what a brand's
 * backend calls) and the simulator's `/sim/api` (what reached the webhook inbox, what Apple's
 * gateway received). Conditions are awaited by polling, never with fixed sleeps.
 */
import { Webhook } from 'standardwebhooks'
import { expect, inject } from 'vitest'

export const e2e = () => inject('e2e')

/** A webhook the simulator's inbox received, with the body parsed. */
export interface InboxEvent {
	seq: number
	webhookId: string | null
	eventType: string | null
	verified: boolean
	detail: string
	status: number
	/** The delivery's `webhook-*` (and content-type) headers and raw body, as received. */
	headers: Record<string, string>
	body: string
	event: WebhookEvent
}

export interface WebhookEvent {
	type: string
	timestamp: string
	data: { businessId: string; conversationId: string; customerId: string; sequence: number } & Record<string, any>
}

/** A business message as Apple's gateway (the simulator) stored it. */
export interface GatewayMessage {
	seq: number
	id: string
	customerId: string
	businessId: string
	type: string
	body: Record<string, any>
}

export async function simGet<T>(path: string): Promise<T> {
	const res = await fetch(`${e2e().simUrl}/sim/api${path}`)
	if (!res.ok) throw new Error(`GET /sim/api${path}: ${res.status} ${await res.text()}`)
	return (await res.json()) as T
}

/** Every webhook delivered to the inbox for this customer, oldest first. */
export async function inboxFor(customerId: string): Promise<InboxEvent[]> {
	const { events } = await simGet<{ events: Array<Omit<InboxEvent, 'event'>> }>('/inbox')
	const out: InboxEvent[] = []
	for (const e of events) {
		let event: WebhookEvent
		try {
			event = JSON.parse(e.body) as WebhookEvent
		} catch {
			continue
		}
		if (event.data?.customerId === customerId) out.push({ ...e, event })
	}
	return out
}

/**
 * Check a delivery's signature ourselves with the demo business's secret (the Standard Webhooks
 * reference library), independently of the simulator's own check.
 */
export function verifySignature(e: InboxEvent): unknown {
	return new Webhook(e2e().webhookSecret).verify(e.body, e.headers)
}

/** Wait until the inbox holds an event of this type for the customer that matches; return it. */
export async function waitForWebhook(customerId: string, type: string, match: (data: WebhookEvent['data']) => boolean = () => true): Promise<InboxEvent> {
	let found: InboxEvent | undefined
	// On timeout the diff shows which events did arrive for this customer.
	await expect
		.poll(
			async () => {
				const events = await inboxFor(customerId)
				found = events.find((e) => e.event.type === type && match(e.event.data))
				return found ? `${type} arrived` : `inbox for this customer: ${events.map((e) => e.event.type).join(', ') || 'nothing'}`
			},
			{ timeout: 30_000, interval: 250, message: `webhook ${type} for ${customerId}` },
		)
		.toBe(`${type} arrived`)
	return found as InboxEvent
}

/** Business messages the gateway accepted for this customer. */
export async function gatewayMessages(customerId: string): Promise<GatewayMessage[]> {
	const { messages } = await simGet<{ messages: GatewayMessage[] }>(`/business-messages?customerId=${encodeURIComponent(customerId)}`)
	return messages
}

export async function customerProfile(customerId: string): Promise<{ id: string; device: string; capabilities: string[]; deviceAgent: string }> {
	return simGet(`/customers/${encodeURIComponent(customerId)}`)
}

export interface SendResult {
	status: number
	body: { id?: string; conversationId?: string; sequence?: number; status?: string; rendered?: string; error?: { code: string; message: string } }
}

/** `POST /v1/messages` with the demo business's API key, as its backend would. */
export async function sendAsBusiness(customerId: string, message: Record<string, unknown>): Promise<SendResult> {
	const ctx = e2e()
	const res = await fetch(`${ctx.mspUrl}/v1/messages`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ customerId, message }),
	})
	return { status: res.status, body: (await res.json()) as SendResult['body'] }
}

/** Send and require a 202; returns the MSP's answer. */
export async function sendAccepted(
	customerId: string,
	message: Record<string, unknown>,
): Promise<Required<Pick<SendResult['body'], 'id' | 'rendered'>> & SendResult['body']> {
	const res = await sendAsBusiness(customerId, message)
	expect(res.status, JSON.stringify(res.body)).toBe(202)
	expect(res.body.status).toBe('queued')
	return res.body as Required<Pick<SendResult['body'], 'id' | 'rendered'>> & SendResult['body']
}

/** The `requestIdentifier` Apple's gateway got in the customer's latest interactive message. */
export async function latestRequestIdentifier(customerId: string): Promise<string> {
	const interactive = (await gatewayMessages(customerId)).filter((m) => m.type === 'interactive')
	const id = interactive.at(-1)?.body.interactiveData?.data?.requestIdentifier
	expect(typeof id, 'requestIdentifier of the last interactive message').toBe('string')
	return id as string
}

/** Create a business through the admin API (the demo's webhook inbox unless told otherwise). */
export async function createBusiness(businessId: string, name = businessId): Promise<{ businessId: string; apiKey: string; webhookSecret: string }> {
	const ctx = e2e()
	const res = await fetch(`${ctx.mspUrl}/admin/businesses`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ctx.adminToken}`, 'content-type': 'application/json' },
		body: JSON.stringify({ businessId, name, webhookUrl: `${ctx.simUrl}/inbox/webhook` }),
	})
	const body = await res.text()
	expect(res.status, body).toBe(201)
	return JSON.parse(body) as { businessId: string; apiKey: string; webhookSecret: string }
}

export interface Fetched {
	status: number
	headers: Headers
	bytes: Uint8Array
	/** The body as text, for error messages. */
	text: () => string
}

/** GET a URL and keep the whole body as bytes. */
export async function fetchBytes(url: string, headers: Record<string, string> = {}): Promise<Fetched> {
	const res = await fetch(url, { headers })
	const bytes = new Uint8Array(await res.arrayBuffer())
	return { status: res.status, headers: res.headers, bytes, text: () => new TextDecoder().decode(bytes.subarray(0, 2000)) }
}

export interface UploadedAttachment {
	id: string
	name: string
	mimeType: string
	size: number
	expiresAt: string
}

/** `POST /v1/attachments?name=` with a raw body, as a business's backend uploads a file. */
export async function uploadAttachment(
	bytes: Uint8Array,
	o: { name: string; contentType: string; apiKey?: string },
): Promise<{ status: number; body: UploadedAttachment & { error?: { code: string; message: string } } }> {
	const ctx = e2e()
	const res = await fetch(`${ctx.mspUrl}/v1/attachments?name=${encodeURIComponent(o.name)}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${o.apiKey ?? ctx.apiKey}`, 'content-type': o.contentType },
		body: bytes,
	})
	return { status: res.status, body: (await res.json()) as UploadedAttachment }
}

/** `GET /v1/attachments/{id}` with a business's API key (the demo's by default). */
export function getAttachment(id: string, apiKey = e2e().apiKey): Promise<Fetched> {
	return fetchBytes(`${e2e().mspUrl}/v1/attachments/${encodeURIComponent(id)}`, { authorization: `Bearer ${apiKey}` })
}
