/**
 * Sending through the client against the running Worker: the minted Idempotency-Key is
 * reused when an attempt's answer is lost, so Apple gets the message once; the typed errors
 * carry the server's `{ error: { code, message, details } }`.
 */
import { describe, expect, it } from 'vitest'
import {
	AmbBadRequestError,
	AmbClient,
	AmbConflictError,
	AmbConnectionError,
	AmbNotFoundError,
	AmbUnauthorizedError,
	AmbUnprocessableError,
} from '../src/index.ts'
import { appleId, eventually, flakyFetch, useStack } from './live.ts'

const stack = useStack()
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The requests for this message id that reached Apple's gateway. */
const atApple = (id: string) => stack.gateway.seen.filter((r) => r.path === '/v1/message' && appleId(r) === id)

describe('sendMessage', () => {
	it('mints an Idempotency-Key and reuses it when the first answer is lost: Apple gets the message once', async () => {
		const customerId = await stack.openConversation()
		const flaky = flakyFetch({ failAfterSending: [1] })
		const amb = stack.client({ fetch: flaky.fetch, retryPolicy: { baseDelayMs: 50 } })
		const sent = await amb.sendMessage({ customerId, message: { type: 'text', text: 'sent once, answered twice' } })

		expect(flaky.calls).toHaveLength(2)
		const keys = flaky.calls.map((c) => c.headers.get('idempotency-key'))
		expect(keys[0]).toMatch(UUID)
		expect(keys[1]).toBe(keys[0])
		expect(sent).toMatchObject({ idempotencyKey: keys[0], replayed: true, status: 'queued', rendered: 'original', richLinks: [] })
		await eventually('the message at Apple', () => (atApple(sent.id).length > 0 ? true : undefined))
		await new Promise((r) => setTimeout(r, 500))
		expect(atApple(sent.id)).toHaveLength(1)
		const history = await amb.conversations.messages(sent.conversationId).toArray()
		expect(history.filter((m) => m.direction === 'outbound').map((m) => m.id)).toEqual([sent.id])
	})

	it('a refused connection is retried with the same key; each call gets its own key', async () => {
		const customerId = await stack.openConversation()
		const flaky = flakyFetch({ failBeforeSending: [1] })
		const amb = stack.client({ fetch: flaky.fetch, retryPolicy: { baseDelayMs: 20 } })
		const first = await amb.sendMessage({ customerId, message: { type: 'text', text: 'one' } })
		const second = await amb.sendMessage({ customerId, message: { type: 'text', text: 'two' } })
		expect(first.replayed).toBe(false)
		expect(flaky.calls.map((c) => c.headers.get('idempotency-key'))).toEqual([first.idempotencyKey, first.idempotencyKey, second.idempotencyKey])
		expect(second.idempotencyKey).not.toBe(first.idempotencyKey)
		expect(second.sequence).toBe(first.sequence + 1)
	})

	it('a given key is sent as is; the same key with another body is AmbConflictError', async () => {
		const customerId = await stack.openConversation()
		const amb = stack.client()
		const key = `order-${crypto.randomUUID()}`
		const a = await amb.sendMessage({ customerId, message: { type: 'text', text: 'your order shipped' } }, { idempotencyKey: key })
		const b = await amb.sendMessage({ customerId, message: { type: 'text', text: 'your order shipped' } }, { idempotencyKey: key })
		expect(a).toMatchObject({ idempotencyKey: key, replayed: false })
		expect(b).toEqual({ ...a, replayed: true })
		const err = await amb.sendMessage({ customerId, message: { type: 'text', text: 'something else' } }, { idempotencyKey: key }).catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbConflictError)
		expect(err).toMatchObject({ status: 409, code: 'conflict', message: 'Idempotency-Key was used with a different request body' })
	})

	it('a 503 with Retry-After after the server took the send: the client waits, resends the same key, gets the first answer', async () => {
		const customerId = await stack.openConversation()
		const busy = () => Response.json({ error: { code: 'unavailable', message: 'busy' } }, { status: 503, headers: { 'retry-after': '1' } })
		const flaky = flakyFetch({ replaceAnswer: { 1: busy } })
		const amb = stack.client({ fetch: flaky.fetch, retryPolicy: { baseDelayMs: 10 } })
		const t0 = Date.now()
		const sent = await amb.sendMessage({ customerId, message: { type: 'text', text: 'behind a busy proxy' } })
		expect(Date.now() - t0).toBeGreaterThanOrEqual(1000)
		expect(sent.replayed).toBe(true)
		expect(new Set(flaky.calls.map((c) => c.headers.get('idempotency-key')))).toEqual(new Set([sent.idempotencyKey]))
		await eventually('the message at Apple', () => (atApple(sent.id).length > 0 ? true : undefined))
		expect(atApple(sent.id)).toHaveLength(1)
	})

	it('retries are bounded: a connection that never answers ends in AmbConnectionError after 1 + retries attempts', async () => {
		const flaky = flakyFetch({ failBeforeSending: [1, 2, 3, 4] })
		const amb = stack.client({ fetch: flaky.fetch, retries: 2, retryPolicy: { baseDelayMs: 10 } })
		const err = await amb.sendMessage({ customerId: 'urn:mbid:nobody', message: { type: 'text', text: 'x' } }).catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbConnectionError)
		expect(flaky.calls).toHaveLength(3)
	})
})

describe('typed errors carry the server answer', () => {
	it('400 with the field path', async () => {
		const err = await stack
			.client()
			.sendMessage({ customerId: '', message: { type: 'text', text: 'x' } })
			.catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbBadRequestError)
		const e = err as AmbBadRequestError
		expect(e).toMatchObject({ status: 400, code: 'bad_request', message: 'body failed validation' })
		expect(e.fieldErrors.map((f) => f.path)).toEqual(['customerId'])
		expect(e.details).toEqual(e.fieldErrors)
	})

	it('422 for what Apple would reject, naming the field', async () => {
		const customerId = await stack.openConversation()
		const err = await stack
			.client()
			.sendMessage({ customerId, message: { type: 'quickReply', prompt: 'Pick one', items: [{ id: 'only', title: 'Only one' }] } })
			.catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbUnprocessableError)
		const e = err as AmbUnprocessableError
		expect(e.code).toBe('unprocessable')
		expect(e.fieldErrors.some((f) => f.path.startsWith('message.items'))).toBe(true)
	})

	it('401 for a wrong key, not retried', async () => {
		const flaky = flakyFetch()
		const amb = new AmbClient({ baseUrl: stack.msp.url, apiKey: `${stack.business.apiKey}x`, fetch: flaky.fetch })
		const err = await amb.conversations
			.list()
			.first()
			.catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbUnauthorizedError)
		expect(err).toMatchObject({ status: 401, code: 'unauthorized', message: 'invalid API key', request: 'GET /v1/conversations' })
		expect(flaky.calls).toHaveLength(1)
	})

	it('404 for a customer without a conversation and for an unknown conversation', async () => {
		const amb = stack.client()
		const send = await amb.sendMessage({ customerId: 'urn:mbid:never-wrote', message: { type: 'text', text: 'hello?' } }).catch((e: unknown) => e)
		expect(send).toBeInstanceOf(AmbNotFoundError)
		expect(send).toMatchObject({ code: 'not_found', message: 'no conversation with this customer; customers start conversations' })
		const get = await amb.conversations.get('0'.repeat(64)).catch((e: unknown) => e)
		expect(get).toBeInstanceOf(AmbNotFoundError)
		expect((get as AmbNotFoundError).headers.get('content-type')).toContain('application/json')
	})
})
