/**
 * Retry, backoff and Retry-After, without a network: the pure rules, then the transport
 * driven by a stub fetch with a recorded (instant) sleep.
 */
import { describe, expect, it } from 'vitest'
import { AmbBadRequestError, AmbConnectionError, AmbError, AmbRateLimitError, AmbServerError, DEFAULT_RETRY_POLICY } from '../src/index.ts'
import { parseRetryAfter } from '../src/errors.ts'
import { type CallSpec, readJson, Transport } from '../src/http.ts'
import { backoffDelay, isIdempotent, isRetryableStatus, retryDelay } from '../src/retry.ts'

const policy = { ...DEFAULT_RETRY_POLICY, retries: 3 }

describe('retry rules', () => {
	it('retries 408, 429 and 5xx but not 501 or other 4xx', () => {
		expect([408, 429, 500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true)
		expect([400, 401, 403, 404, 409, 413, 422, 501].some(isRetryableStatus)).toBe(false)
	})

	it('repeats GET/PUT/DELETE, and POST only with an Idempotency-Key or when side-effect free', () => {
		const none = new Headers()
		expect(['GET', 'PUT', 'DELETE', 'HEAD'].every((m) => isIdempotent(m, none))).toBe(true)
		expect(isIdempotent('POST', none)).toBe(false)
		expect(isIdempotent('POST', new Headers({ 'Idempotency-Key': 'k' }))).toBe(true)
		expect(isIdempotent('POST', none, true)).toBe(true)
	})

	it('backoff doubles per retry, is capped, and is jittered between half and all of it', () => {
		expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000])
		expect([1, 2, 3].map((n) => backoffDelay(n, policy, () => 0))).toEqual([250, 500, 1000])
		const samples = Array.from({ length: 200 }, () => backoffDelay(3, policy))
		expect(Math.min(...samples)).toBeGreaterThanOrEqual(1000)
		expect(Math.max(...samples)).toBeLessThanOrEqual(2000)
		expect(new Set(samples).size).toBeGreaterThan(20)
	})

	it('waits at least Retry-After; gives up past maxRetryAfterMs or when retries are used up', () => {
		expect(retryDelay(1, 5_000, policy, () => 0.5)).toBe(5_000)
		expect(retryDelay(1, 10, policy, () => 0.5)).toBe(375)
		expect(retryDelay(1, 61_000, policy)).toBeNull()
		expect(retryDelay(4, null, policy)).toBeNull()
		expect(retryDelay(1, null, { ...policy, retries: 0 })).toBeNull()
	})

	it('reads Retry-After as seconds or an HTTP date', () => {
		const now = Date.parse('2026-01-01T00:00:00Z')
		expect(parseRetryAfter('3', now)).toBe(3000)
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000)
		expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0)
		expect(parseRetryAfter('soon', now)).toBeNull()
		expect(parseRetryAfter(null, now)).toBeNull()
	})
})

type Step = Response | Error | 'hang'

/** A transport over scripted answers; `sleeps` records each wait (taken instantly). */
function scripted(steps: Step[], overrides: { timeoutMs?: number; retries?: number } = {}) {
	const calls: { method: string; headers: Headers; body: unknown }[] = []
	const sleeps: number[] = []
	const http = new Transport({
		baseUrl: 'https://msp.test/',
		apiKey: 'key_1',
		retry: { ...policy, retries: overrides.retries ?? 3 },
		timeoutMs: overrides.timeoutMs ?? 5_000,
		random: () => 0.5,
		sleep: async (ms) => {
			sleeps.push(ms)
		},
		fetch: async (_url, init) => {
			calls.push({ method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: init?.body })
			const step = steps.shift() ?? new Response('{}')
			if (step === 'hang') {
				return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
			}
			if (step instanceof Error) throw step
			return step
		},
	})
	const call = (spec: Partial<CallSpec> = {}) => http.call({ method: 'GET', path: '/v1/x', ...spec }, readJson<unknown>)
	return { calls, sleeps, call }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
const apiError = (status: number, code = 'x', extra: Record<string, string> = {}) => json(status, { error: { code, message: `m${status}` } }, extra)

describe('transport retries', () => {
	it('a GET after 503, 408 and a reset connection: three waits growing, then the answer', async () => {
		const t = scripted([apiError(503), apiError(408), new TypeError('fetch failed'), json(200, { ok: 1 })])
		expect(await t.call()).toEqual({ ok: 1 })
		expect(t.calls).toHaveLength(4)
		expect(t.sleeps).toEqual([375, 750, 1500])
		expect(t.calls[0]!.headers.get('authorization')).toBe('Bearer key_1')
	})

	it('honours Retry-After on 429 and 503', async () => {
		const t = scripted([apiError(429, 'rate_limited', { 'retry-after': '4' }), apiError(503, 'busy', { 'retry-after': '2' }), json(200, {})])
		await t.call()
		expect(t.sleeps).toEqual([4000, 2000])
	})

	it('a Retry-After longer than allowed fails at once with AmbRateLimitError', async () => {
		const t = scripted([apiError(429, 'rate_limited', { 'retry-after': '120' })])
		const err = await t.call().catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbRateLimitError)
		expect((err as AmbRateLimitError).retryAfterMs).toBe(120_000)
		expect(t.calls).toHaveLength(1)
	})

	it('gives up after 1 + retries attempts with the last error', async () => {
		const t = scripted([apiError(500, 'a'), apiError(502, 'b'), apiError(503, 'c')], { retries: 2 })
		const err = await t.call().catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbServerError)
		expect(err).toMatchObject({ status: 503, code: 'c', message: 'm503', request: 'GET /v1/x' })
		expect(t.calls).toHaveLength(3)
	})

	it('never repeats a POST without an Idempotency-Key, on a 5xx or a lost connection', async () => {
		const a = scripted([apiError(503)])
		await expect(a.call({ method: 'POST', json: {} })).rejects.toBeInstanceOf(AmbServerError)
		const b = scripted([new TypeError('socket hang up')])
		await expect(b.call({ method: 'POST', json: {} })).rejects.toBeInstanceOf(AmbConnectionError)
		expect([a.calls.length, b.calls.length]).toEqual([1, 1])
	})

	it('repeats a POST with an Idempotency-Key, sending the same key and body', async () => {
		const t = scripted([new TypeError('fetch failed'), apiError(502), json(202, { id: 'm' })])
		await t.call({ method: 'POST', json: { a: 1 }, headers: { 'idempotency-key': 'k1' } })
		expect(t.calls.map((c) => [c.method, c.headers.get('idempotency-key'), c.body])).toEqual(Array(3).fill(['POST', 'k1', '{"a":1}']))
	})

	it('repeats PUT, DELETE and a side-effect-free POST', async () => {
		for (const spec of [{ method: 'PUT' as const }, { method: 'DELETE' as const }, { method: 'POST' as const, sideEffectFree: true }]) {
			const t = scripted([apiError(500), json(200, {})])
			await t.call(spec)
			expect(t.calls).toHaveLength(2)
		}
	})

	it('never repeats a streamed body (it cannot be read twice)', async () => {
		const t = scripted([apiError(503)])
		const body = new ReadableStream({ start: (c) => c.close() })
		await expect(t.call({ method: 'PUT', body })).rejects.toBeInstanceOf(AmbServerError)
		expect(t.calls).toHaveLength(1)
	})

	it('4xx are final and typed, with the details', async () => {
		const t = scripted([json(400, { error: { code: 'bad_request', message: 'invalid query', details: [{ path: 'limit', message: 'too big' }] } })])
		const err = await t.call().catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbBadRequestError)
		expect((err as AmbBadRequestError).fieldErrors).toEqual([{ path: 'limit', message: 'too big' }])
		expect(t.calls).toHaveLength(1)
	})

	it('an answer that is not the JSON envelope still gives a typed error', async () => {
		const t = scripted([new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })], { retries: 0 })
		const err = await t.call().catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbServerError)
		expect(err).toMatchObject({ status: 502, code: 'http_error', message: 'Bad Gateway', details: '<html>bad gateway</html>' })
	})

	it('a 2xx that is not JSON is an AmbError, not retried', async () => {
		const t = scripted([new Response('<html>ok</html>', { status: 200 })])
		const err = await t.call().catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbError)
		expect(err).toMatchObject({ message: 'GET /v1/x: the answer is not JSON' })
		expect(t.calls).toHaveLength(1)
	})

	it('an attempt without an answer times out and is retried', async () => {
		const t = scripted(['hang', json(200, { late: false })], { timeoutMs: 30 })
		expect(await t.call()).toEqual({ late: false })
		const only = scripted(['hang'], { timeoutMs: 30, retries: 0 })
		const err = await only.call().catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbConnectionError)
		expect(err).toMatchObject({ timedOut: true })
	})

	it("a streamed answer (a download): the caller's signal still cancels the body after the headers", async () => {
		const http = new Transport({
			baseUrl: 'https://msp.test',
			apiKey: 'k',
			retry: policy,
			timeoutMs: 5_000,
			random: Math.random,
			sleep: async () => {},
			fetch: async (_url, init) =>
				new Response(new ReadableStream({ start: (c) => init?.signal?.addEventListener('abort', () => c.error(init.signal?.reason)) })),
		})
		const controller = new AbortController()
		const res = await http.call({ method: 'GET', path: '/v1/attachments/a', signal: controller.signal, streamAnswer: true }, async (r) => r)
		const reading = res.text()
		controller.abort(new Error('enough'))
		await expect(reading).rejects.toThrow('enough')
	})

	it("the caller's abort ends the call at once, without retries", async () => {
		const t = scripted(['hang', json(200, {})])
		const controller = new AbortController()
		setTimeout(() => controller.abort(new Error('user gave up')), 20)
		await expect(t.call({ signal: controller.signal })).rejects.toThrow('user gave up')
		expect(t.calls).toHaveLength(1)
		await expect(t.call({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
	})
})
