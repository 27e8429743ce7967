/**
 * Invitations through the real Worker: the business API, the Invitations object, Apple's
 * gateway (FakeApple), the Apple inbound route, the conversation and webhook delivery.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { customerId, postApple } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'
import { FakeApple, type AppleCall } from '../helpers/fake-apple'
import { adminFetch, businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver'
import { invitationsStub } from '../../src/invitations/directory'

// A 1×1 PNG.
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const PNG = Uint8Array.from(atob(PNG_B64), (ch) => ch.charCodeAt(0))

let hooks: WebhookReceiver
let apple: FakeApple
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

const PHONE = '+15551234567'
const invite = (body: Record<string, unknown>, headers: Record<string, string> = {}, key = biz.apiKey) =>
	businessFetch(key, '/v1/invitations', { method: 'POST', json: body, headers })
const getJson = async <T>(path: string, key = biz.apiKey) => (await (await businessFetch(key, path)).json()) as T

type Created = { id: string; status: string; referenceId: string }
const updates = (id: string): Received[] => hooks.received.filter((r) => r.json.type === 'invitation.updated' && r.json.data.invitationId === id)
const statuses = (id: string) => updates(id).map((r) => r.json.data.status)
const stub = () => invitationsStub(env, biz.businessId)

async function submitted(body: Record<string, unknown> = {}): Promise<{ created: Created; call: AppleCall }> {
	const res = await invite({ phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage', ...body })
	expect(res.status).toBe(202)
	const created = (await res.json()) as Created
	await hooks.until(() => statuses(created.id).includes('submitted'))
	const call = apple.calls.find(
		(c) => (c.body.interactiveData as { data: { notification: { referenceId: string } } }).data.notification.referenceId === created.referenceId,
	)!
	return { created, call }
}

/** Nothing stored and nothing emitted by the business's invitations object, nothing sent to Apple. */
async function nothingHappened(): Promise<void> {
	expect(apple.calls).toHaveLength(0)
	expect((await getJson<{ data: unknown[] }>('/v1/invitations')).data).toEqual([])
	expect(await stub().pendingEvents()).toBe(0)
	const rows = await runInDurableObject(stub(), (_i, s) =>
		s.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'events'").one().n === 1
			? s.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM events').one().n
			: 0,
	)
	expect(rows).toBe(0)
	expect(hooks.received.filter((r) => r.json.type === 'invitation.updated')).toHaveLength(0)
}

function acceptMessage(customer: string, call: AppleCall, title = 'Yes, chat with us') {
	const data = (call.body.interactiveData as { data: { requestIdentifier: string; notification: Record<string, unknown> } }).data
	return {
		v: 1,
		id: crypto.randomUUID(),
		type: 'interactive',
		sourceId: customer,
		destinationId: biz.businessId,
		interactiveData: {
			bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
			data: {
				version: '1.0',
				requestIdentifier: data.requestIdentifier,
				notification: { ...data.notification, displayContent: { determinateResponse: { title, subtitle: 'Acme Dental' } } },
			},
		},
	}
}

describe('POST /v1/invitations → Apple', () => {
	it('sends the notification body with message-type and a tel: destination, then submitted', async () => {
		const res = await invite({
			phoneNumber: PHONE,
			templateId: 'binaryChoice.engage.withImage',
			referenceId: 'order-12345',
			locale: 'en-us',
			parameters: { brandName: 'Acme Dental', brandLogo: PNG_B64 },
		})
		expect(res.status).toBe(202)
		const created = (await res.json()) as Created
		expect(created).toMatchObject({ status: 'submitting', referenceId: 'order-12345' })
		expect(created.id).toMatch(/^inv_[0-9a-f]{32}$/)
		await hooks.until(() => statuses(created.id).length === 2)
		expect(statuses(created.id)).toEqual(['submitting', 'submitted'])
		const call = apple.calls[0]!
		expect(call.headers).toMatchObject({
			'message-type': 'notification',
			'destination-id': `tel:${PHONE}`,
			'source-id': biz.businessId,
			id: call.body.id as string,
		})
		expect(call.body).toMatchObject({ v: 1, type: 'interactive', sourceId: biz.businessId, destinationId: `tel:${PHONE}` })
		const data = (call.body.interactiveData as { bid: string; data: Record<string, unknown> }).data
		expect(data).toMatchObject({
			version: '1.0',
			notification: {
				templateId: 'binaryChoice.engage.withImage',
				referenceId: 'order-12345',
				locale: 'en-us',
				parameters: { brandName: 'Acme Dental', brandLogo: PNG_B64 },
			},
		})
		const event = updates(created.id)[1]!.json.data
		expect(event).toMatchObject({
			businessId: biz.businessId,
			conversationId: null,
			invitationId: created.id,
			status: 'submitted',
			previousStatus: 'submitting',
			referenceId: 'order-12345',
			phoneNumber: PHONE,
		})
		expect(updates(created.id)[0]!.headers['webhook-signature']).toMatch(/^v1,/)
		const stored = await getJson<{ status: string; attempts: number; hasBrandLogo: boolean }>(`/v1/invitations/${created.id}`)
		expect(stored).toMatchObject({ status: 'submitted', attempts: 1, hasBrandLogo: true })
	})

	it('fetches a logo URL safely and sends it as base64; the reference id defaults to the invitation id', async () => {
		hooks.on('http://logo.localhost/logo.png', () => new Response(PNG, { headers: { 'content-type': 'image/png' } }), false)
		const { created, call } = await submitted({ parameters: { brandLogo: 'http://logo.localhost/logo.png' } })
		expect(created.referenceId).toBe(created.id)
		expect(JSON.stringify(call.body)).toContain(PNG_B64)
	})

	it('a replayed Idempotency-Key answers from storage without fetching the logo again', async () => {
		let fetched = 0
		hooks.on('http://logo.localhost/once.png', () => (fetched++, new Response(PNG)), false)
		const body = { phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage', parameters: { brandLogo: 'http://logo.localhost/once.png' } }
		const first = await invite(body, { 'idempotency-key': 'logo-1' })
		const again = await invite(body, { 'idempotency-key': 'logo-1' })
		expect(await again.json()).toEqual(await first.json())
		expect(fetched).toBe(1)
	})

	it('honours Idempotency-Key: one invitation, one send; another body → 409', async () => {
		const body = { phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage' }
		const first = await invite(body, { 'idempotency-key': 'inv-1' })
		const again = await invite(body, { 'idempotency-key': 'inv-1' })
		expect(again.status).toBe(202)
		expect(again.headers.get('idempotent-replayed')).toBe('true')
		const created = (await first.json()) as Created
		expect(await again.json()).toEqual(created)
		const other = await invite({ ...body, referenceId: 'x' }, { 'idempotency-key': 'inv-1' })
		expect(other.status).toBe(409)
		await hooks.until(() => statuses(created.id).includes('submitted'))
		expect(apple.calls).toHaveLength(1)
		expect((await getJson<{ data: unknown[] }>('/v1/invitations')).data).toHaveLength(1)
	})

	it('a gateway 4xx is provider_rejected with Apple’s status and body; nothing is retried', async () => {
		apple.answer = () => new Response('{"code":"messaging_invitation_unavailable"}', { status: 422 })
		const res = await invite({ phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage' })
		const created = (await res.json()) as Created
		await hooks.until(() => statuses(created.id).includes('provider_rejected'))
		const event = updates(created.id).at(-1)!.json.data
		expect(event).toMatchObject({
			status: 'provider_rejected',
			appleStatus: 422,
			appleBody: '{"code":"messaging_invitation_unavailable"}',
			reason: 'apple_rejected',
		})
		expect(await getJson<{ status: string; appleStatus: number }>(`/v1/invitations/${created.id}`)).toMatchObject({
			status: 'provider_rejected',
			appleStatus: 422,
		})
		expect(apple.calls).toHaveLength(1)
	})

	it('a gateway 5xx is retried like a send, then error once the schedule is exhausted', async () => {
		apple.answer = () => new Response('down', { status: 503 })
		const created = (await (await invite({ phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage' })).json()) as Created
		await hooks.until(() => statuses(created.id).includes('submitting'))
		await waitAttempts(created.id, 1)
		expect(await getJson<{ status: string; appleStatus: number }>(`/v1/invitations/${created.id}`)).toMatchObject({ status: 'submitting', appleStatus: 503 })
		// Apple recovers for the next attempt: the alarm sends again with the same message id.
		apple.answer = () => new Response(null, { status: 200 })
		await runInDurableObject(stub(), (_i, s) => s.storage.sql.exec('UPDATE invitations SET next_attempt_at = 0'))
		expect(await runDurableObjectAlarm(stub())).toBe(true)
		await hooks.until(() => statuses(created.id).includes('submitted'))
		expect(apple.calls).toHaveLength(2)
		expect(apple.calls[1]!.body.id).toBe(apple.calls[0]!.body.id)

		// Another one that never gets through: after the last retry it is an error.
		apple.answer = () => new Response('down', { status: 500 })
		const failing = (await (await invite({ phoneNumber: '+447700900123', templateId: 'binaryChoice.engage.withImage' })).json()) as Created
		await waitAttempts(failing.id, 1)
		await runInDurableObject(stub(), (_i, s) => s.storage.sql.exec('UPDATE invitations SET attempts = 8, next_attempt_at = 0 WHERE id = ?', failing.id))
		await runDurableObjectAlarm(stub())
		await hooks.until(() => statuses(failing.id).includes('error'))
		expect(updates(failing.id).at(-1)!.json.data).toMatchObject({ status: 'error', appleStatus: 500, reason: 'retries_exhausted' })
	})
})

/** Bounded wait for the send's outcome to be stored (the pump runs after the 202). */
const waitAttempts = (id: string, n: number) =>
	vi.waitFor(
		async () => {
			const row = await getJson<{ attempts: number }>(`/v1/invitations/${id}`)
			if (row.attempts < n) throw new Error(`attempts ${row.attempts}`)
		},
		{ timeout: 10_000, interval: 10 },
	)

describe('what the customer does', () => {
	it('accepting starts the conversation: conversation.started, then interactive.received with the choice and the invitation id', async () => {
		const { created, call } = await submitted({ referenceId: 'campaign-7' })
		const customer = customerId()
		const res = await postApple(acceptMessage(customer, call))
		expect(res.status).toBe(200)
		await hooks.until(
			() =>
				statuses(created.id).includes('accepted') && hooks.received.some((r) => r.json.type === 'interactive.received' && r.json.data.customerId === customer),
		)
		const mine = hooks.received.filter((r) => r.json.data.customerId === customer && r.json.type !== 'invitation.updated').map((r) => r.json)
		expect(mine.map((e) => e.type)).toEqual(['conversation.started', 'interactive.received'])
		expect(mine[1]!.data).toMatchObject({
			kind: 'invitation',
			invitationId: created.id,
			selected: { title: 'Yes, chat with us', subtitle: 'Acme Dental' },
			referenceId: 'campaign-7',
			displayText: 'Yes, chat with us',
		})
		const accepted = updates(created.id).at(-1)!.json.data
		expect(accepted).toMatchObject({
			status: 'accepted',
			conversationId: mine[0]!.data.conversationId,
			customerId: customer,
			choice: { title: 'Yes, chat with us' },
		})
		// Apple repeats the message: no second event anywhere.
		await postApple(acceptMessage(customer, call))
		expect(statuses(created.id).filter((s) => s === 'accepted')).toHaveLength(1)
		// From here on it is an ordinary conversation: the business can write.
		const send = await businessFetch(biz.apiKey, '/v1/messages', {
			method: 'POST',
			json: { customerId: customer, message: { type: 'text', text: 'Welcome!' } },
		})
		expect(send.status).toBe(202)
	})

	it('declining (close with referenceIds) records an opt-out, declines the invitation, and later invitations are refused with nothing sent or stored', async () => {
		const { created } = await submitted({ referenceId: 'promo-1' })
		const customer = customerId()
		const res = await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: customer, destinationId: biz.businessId, referenceIds: ['promo-1'] })
		expect(res.status).toBe(200)
		await hooks.until(() => statuses(created.id).includes('declined'))
		expect(updates(created.id).at(-1)!.json.data).toMatchObject({ status: 'declined', previousStatus: 'submitted', reason: 'customer_opted_out' })
		// Not the ordinary close: no conversation was touched.
		expect(await conversationOf(biz.businessId, customer).state()).toBeNull()
		expect(hooks.received.some((r) => r.json.type === 'conversation.closed')).toBe(false)
		const optOuts = await getJson<{ data: { phoneNumber: string; referenceIds: string[] }[] }>('/v1/invitations/opt-outs')
		expect(optOuts.data).toEqual([expect.objectContaining({ phoneNumber: PHONE, referenceIds: ['promo-1'] })])

		const callsBefore = apple.calls.length
		const eventsBefore = hooks.received.length
		const refused = await invite({ phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage' })
		expect(refused.status).toBe(409)
		expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('opted_out')
		expect(apple.calls.length).toBe(callsBefore)
		expect((await getJson<{ data: unknown[] }>('/v1/invitations')).data).toHaveLength(1)
		expect(await stub().pendingEvents()).toBe(0)
		expect(hooks.received.length).toBe(eventsBefore)

		// The operator clears the entry when the customer asks to be invited again.
		expect(((await adminFetch(`/businesses/${biz.businessId}/invitation-opt-outs`).then((r) => r.json())) as { data: unknown[] }).data).toHaveLength(1)
		expect((await adminFetch(`/businesses/${biz.businessId}/invitation-opt-outs/${encodeURIComponent(PHONE)}`, { method: 'DELETE' })).status).toBe(204)
		expect((await adminFetch(`/businesses/${biz.businessId}/invitation-opt-outs/${encodeURIComponent(PHONE)}`, { method: 'DELETE' })).status).toBe(404)
		expect((await invite({ phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage' })).status).toBe(202)
	})

	it('an ordinary close (no referenceIds) is still the conversation’s close', async () => {
		const customer = customerId()
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'text', sourceId: customer, destinationId: biz.businessId, body: 'hi' })
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: customer, destinationId: biz.businessId })
		await hooks.until(() => hooks.received.some((r) => r.json.type === 'conversation.closed'))
		expect((await getJson<{ data: unknown[] }>('/v1/invitations/opt-outs')).data).toEqual([])
	})
})

describe('deleting the business', () => {
	it('deletes its invitations and opt-outs (phone numbers) with it', async () => {
		const { created } = await submitted({ referenceId: 'gone-1' })
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: customerId(), destinationId: biz.businessId, referenceIds: ['gone-1'] })
		await hooks.until(() => statuses(created.id).includes('declined'))
		expect((await adminFetch(`/businesses/${biz.businessId}`, { method: 'DELETE' })).status).toBe(204)
		const left = await runInDurableObject(stub(), (_i, s) => ({
			invitations: s.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM invitations').one().n,
			optOuts: s.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM opt_outs').one().n,
		}))
		expect(left).toEqual({ invitations: 0, optOuts: 0 })
	})
})

describe('reading invitations', () => {
	it('lists newest first with cursor paging and filters by status and phone; another business sees none of them', async () => {
		apple.answer = (call) => (call.headers['destination-id'] === 'tel:+15550000003' ? new Response('no', { status: 400 }) : new Response(null, { status: 200 }))
		const ids: string[] = []
		for (const n of [1, 2, 3]) {
			const r = (await (await invite({ phoneNumber: `+1555000000${n}`, templateId: 'binaryChoice.engage.withImage' })).json()) as Created
			ids.push(r.id)
		}
		await hooks.until(() => ids.every((id) => statuses(id).length === 2))
		const first = await getJson<{ data: { id: string }[]; nextCursor: string }>('/v1/invitations?limit=2')
		expect(first.data.map((i) => i.id)).toEqual([ids[2], ids[1]])
		const second = await getJson<{ data: { id: string }[]; nextCursor: string | null }>(`/v1/invitations?limit=2&cursor=${first.nextCursor}`)
		expect(second.data.map((i) => i.id)).toEqual([ids[0]])
		expect((await getJson<{ data: { id: string }[] }>('/v1/invitations?status=provider_rejected')).data.map((i) => i.id)).toEqual([ids[2]])
		expect((await getJson<{ data: { id: string }[] }>(`/v1/invitations?phoneNumber=${encodeURIComponent('+15550000001')}`)).data.map((i) => i.id)).toEqual([
			ids[0],
		])
		expect((await businessFetch(biz.apiKey, '/v1/invitations?status=nope')).status).toBe(400)
		const other = await createBusiness()
		expect((await businessFetch(other.apiKey, `/v1/invitations/${ids[0]}`)).status).toBe(404)
		expect((await getJson<{ data: unknown[] }>('/v1/invitations', other.apiKey)).data).toEqual([])
	})
})

describe('refused before anything is stored', () => {
	const base = { phoneNumber: PHONE, templateId: 'binaryChoice.engage.withImage' }
	const cases: [string, Record<string, unknown>, number, string][] = [
		['a phone number that is not E.164', { ...base, phoneNumber: '5551234567' }, 400, 'phoneNumber'],
		['a phone number with spaces', { ...base, phoneNumber: '+1 555 123 4567' }, 400, 'phoneNumber'],
		['no templateId', { phoneNumber: PHONE }, 400, 'templateId'],
		['a malformed templateId', { ...base, templateId: 'bad template!' }, 400, 'templateId'],
		['an unknown field', { ...base, campaign: 'x' }, 400, ''],
		['an unknown parameter', { ...base, parameters: { firstName: 'Ann' } }, 400, 'parameters'],
		['a malformed locale', { ...base, locale: 'english please' }, 400, 'locale'],
		['a referenceId with spaces', { ...base, referenceId: 'has space' }, 400, 'referenceId'],
		[
			'a logo on a template without an image',
			{ ...base, templateId: 'binaryChoice.engage.noImage', parameters: { brandLogo: PNG_B64 } },
			422,
			'parameters.brandLogo',
		],
		['a logo that is not a PNG', { ...base, parameters: { brandLogo: btoa('GIF89a not a png at all') } }, 422, 'parameters.brandLogo'],
		['a logo that is not base64', { ...base, parameters: { brandLogo: '%%%' } }, 422, 'parameters.brandLogo'],
		['a logo URL that answers 404', { ...base, parameters: { brandLogo: 'http://logo.localhost/missing.png' } }, 422, 'parameters.brandLogo'],
		['a logo URL on a private address', { ...base, parameters: { brandLogo: 'https://10.0.0.1/logo.png' } }, 422, 'parameters.brandLogo'],
	]
	for (const [name, body, status, path] of cases) {
		it(`${name} → ${status}`, async () => {
			hooks.on('http://logo.localhost/missing.png', () => new Response('no', { status: 404 }), false)
			const res = await invite(body)
			expect(res.status).toBe(status)
			const err = (await res.json()) as { error: { code: string; details?: { path: string }[] } }
			if (path) expect(err.error.details?.map((d) => d.path).join(',')).toContain(path)
			await nothingHappened()
		})
	}

	it('not JSON → 400; a bad Idempotency-Key → 400', async () => {
		expect((await businessFetch(biz.apiKey, '/v1/invitations', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } })).status).toBe(
			400,
		)
		expect((await invite(base, { 'idempotency-key': 'has space' })).status).toBe(400)
		await nothingHappened()
	})

	it('an oversized body → 413; bad queries and ids → 400 / 404', async () => {
		const big = { ...base, parameters: { brandLogo: 'A'.repeat(900 * 1024) } }
		expect((await invite(big)).status).toBe(413)
		expect((await businessFetch(biz.apiKey, '/v1/invitations?cursor=nope')).status).toBe(400)
		expect((await businessFetch(biz.apiKey, '/v1/invitations?phoneNumber=123')).status).toBe(400)
		expect((await businessFetch(biz.apiKey, '/v1/invitations?limit=0')).status).toBe(400)
		expect((await businessFetch(biz.apiKey, '/v1/invitations/opt-outs?cursor=x')).status).toBe(400)
		expect((await businessFetch(biz.apiKey, '/v1/invitations/inv_nope')).status).toBe(404)
		expect((await businessFetch(biz.apiKey, `/v1/invitations/inv_${'0'.repeat(32)}`)).status).toBe(404)
		expect((await businessFetch('amb_wrong_key', '/v1/invitations', { method: 'POST', json: base })).status).toBe(401)
		await nothingHappened()
	})

	it('the admin opt-out endpoints refuse bad input: 401, 400, 404', async () => {
		expect((await adminFetch(`/businesses/${biz.businessId}/invitation-opt-outs`, { headers: { authorization: '' } })).status).toBe(401)
		expect((await adminFetch(`/businesses/${biz.businessId}/invitation-opt-outs/555`, { method: 'DELETE' })).status).toBe(400)
		expect((await adminFetch(`/businesses/no-such-business/invitation-opt-outs`)).status).toBe(404)
		expect((await adminFetch(`/businesses/${biz.businessId}/invitation-opt-outs/${encodeURIComponent(PHONE)}`, { method: 'DELETE' })).status).toBe(404)
		await nothingHappened()
	})

	it('the rate limit answers 429 with Retry-After, and the refused one is not stored', async () => {
		const limited = await createBusiness({ invitationRateLimit: { limit: 2, windowSeconds: 3600 } })
		for (const n of [1, 2]) expect((await invite({ ...base, phoneNumber: `+1555100000${n}` }, {}, limited.apiKey)).status).toBe(202)
		const res = await invite({ ...base, phoneNumber: '+15551000003' }, {}, limited.apiKey)
		expect(res.status).toBe(429)
		expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(3500)
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
		expect((await getJson<{ data: unknown[] }>('/v1/invitations', limited.apiKey)).data).toHaveLength(2)
	})

	it('an invalid rate-limit setting is refused by the admin API', async () => {
		const res = await adminFetch('/businesses', {
			method: 'POST',
			json: { businessId: crypto.randomUUID(), name: 'x', webhookUrl: 'http://hooks.localhost/default', invitationRateLimit: { limit: 0, windowSeconds: 60 } },
		})
		expect(res.status).toBe(400)
	})
})
