/**
 * One call to the business API with its retries: authentication, a per-attempt timeout, typed
 * errors, and another attempt after 408/429/5xx or a lost connection when the call may be
 * repeated (retry.ts). Only `fetch` and AbortController: it runs wherever they exist.
 */
import { AmbConnectionError, AmbError, errorFromResponse, parseRetryAfter } from './errors.ts'
import { isIdempotent, isRetryableStatus, type RetryPolicy, retryDelay, sleep } from './retry.ts'

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** `duplex` is required by Node and Chromium for a streamed request body; not yet in lib.dom. */
export type StreamingRequestInit = RequestInit & { duplex?: 'half' }

export interface TransportConfig {
	baseUrl: string
	apiKey: string
	fetch: FetchLike
	retry: RetryPolicy
	/** Per attempt, until the answer's body is read (default 30 s). */
	timeoutMs: number
	random: () => number
	sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export type Query = Record<string, string | number | boolean | undefined>

export interface CallSpec {
	method: 'GET' | 'POST' | 'PUT' | 'DELETE'
	path: string
	query?: Query
	/** Sent as JSON. */
	json?: unknown
	/** A raw body (uploads). A ReadableStream body is never retried: it cannot be read twice. */
	body?: BodyInit
	headers?: Record<string, string>
	/** A POST that changes nothing (a preview) may be retried like a GET. */
	sideEffectFree?: boolean
	signal?: AbortSignal | undefined
	/** `read` hands the Response on unread: the timeout stops at the headers, `signal` still cancels the body. */
	streamAnswer?: boolean
}

const TIMED_OUT = Symbol('timed out')

export class Transport {
	constructor(readonly config: TransportConfig) {}

	url(path: string, query?: Query): string {
		const url = new URL(this.config.baseUrl.replace(/\/+$/, '') + path)
		for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
		return url.toString()
	}

	/**
	 * Send `spec` (retrying as allowed) and hand a 2xx answer to `read`, inside the attempt's
	 * timeout. Failures throw an AmbApiError subclass or AmbConnectionError; an abort through
	 * `spec.signal` rejects with the signal's reason.
	 */
	async call<T>(spec: CallSpec, read: (res: Response) => Promise<T>): Promise<T> {
		const headers = new Headers(spec.headers)
		headers.set('authorization', `Bearer ${this.config.apiKey}`)
		if (!headers.has('accept')) headers.set('accept', 'application/json')
		let body: BodyInit | null = spec.body ?? null
		if (spec.json !== undefined) {
			headers.set('content-type', 'application/json')
			body = JSON.stringify(spec.json)
		}
		const streamed = typeof ReadableStream !== 'undefined' && body instanceof ReadableStream
		const repeatable = !streamed && isIdempotent(spec.method, headers, spec.sideEffectFree)
		const url = this.url(spec.path, spec.query)
		const label = `${spec.method} ${spec.path}`
		for (let retry = 1; ; retry++) {
			const init: StreamingRequestInit = { method: spec.method, headers, body, ...(streamed ? { duplex: 'half' } : {}) }
			const outcome = await this.attempt(url, init, spec, label, read)
			if (outcome.ok) return outcome.value
			const err = outcome.error
			const retryAfter = 'headers' in err ? parseRetryAfter(err.headers.get('retry-after'), Date.now()) : null
			const wait = repeatable && outcome.retryable ? retryDelay(retry, retryAfter, this.config.retry, this.config.random) : null
			if (wait === null) throw err
			await this.config.sleep(wait, spec.signal)
		}
	}

	private async attempt<T>(
		url: string,
		init: StreamingRequestInit,
		{ signal, streamAnswer }: CallSpec,
		label: string,
		read: (res: Response) => Promise<T>,
	): Promise<{ ok: true; value: T } | { ok: false; retryable: boolean; error: Error & { headers?: Headers } }> {
		signal?.throwIfAborted()
		const controller = new AbortController()
		const timer = setTimeout(() => controller.abort(TIMED_OUT), this.config.timeoutMs)
		const onAbort = () => controller.abort(signal?.reason)
		signal?.addEventListener('abort', onAbort, { once: true })
		let handedOn = false
		try {
			let res: Response
			try {
				res = await this.config.fetch(url, { ...init, signal: controller.signal })
			} catch (cause) {
				return this.lost(cause, controller, signal, label)
			}
			if (!res.ok) {
				const error = await errorFromResponse(res, label)
				return { ok: false, retryable: isRetryableStatus(res.status), error }
			}
			try {
				const value = await read(res)
				handedOn = streamAnswer === true
				return { ok: true, value }
			} catch (cause) {
				if (cause instanceof AmbError) throw cause
				// A 2xx whose body is not JSON will not improve with another attempt.
				if (cause instanceof SyntaxError) throw new AmbError(`${label}: the answer is not JSON`, { cause })
				return this.lost(cause, controller, signal, label)
			}
		} finally {
			clearTimeout(timer)
			if (!handedOn) signal?.removeEventListener('abort', onAbort)
		}
	}

	/** A request without an answer: the caller's abort is rethrown, anything else may be retried. */
	private lost(
		cause: unknown,
		controller: AbortController,
		signal: AbortSignal | undefined,
		label: string,
	): { ok: false; retryable: true; error: AmbConnectionError } {
		if (signal?.aborted) throw signal.reason
		const timedOut = controller.signal.aborted && controller.signal.reason === TIMED_OUT
		const why = timedOut ? `no answer within ${this.config.timeoutMs} ms` : cause instanceof Error ? cause.message : String(cause)
		return { ok: false, retryable: true, error: new AmbConnectionError(`${label}: ${why}`, { cause, timedOut }) }
	}
}

export const readJson = <T>(res: Response): Promise<T> => res.json() as Promise<T>
export const readNothing = async (res: Response): Promise<void> => {
	await res.body?.cancel()
}

/** The platform's fetch, looked up at call time (polyfills) and never called unbound (Workers). */
export const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init)

export { sleep }
