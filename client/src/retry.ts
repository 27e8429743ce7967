/**
 * When to try a request again, and how long to wait first: exponential backoff with jitter,
 * never shorter than the server's `Retry-After`. Pure, so it is tested without a network.
 */

export interface RetryPolicy {
	/** Retries after the first attempt (default 2). 0 turns retrying off. */
	retries: number
	/** The first backoff (default 500 ms); it doubles with every retry. */
	baseDelayMs: number
	/** Cap of the backoff (default 8 s). */
	maxDelayMs: number
	/** The longest `Retry-After` waited for (default 60 s); a longer one fails at once. */
	maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 }

/** Methods that may be sent twice without doing twice (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/**
 * May this request be sent again? Idempotent methods may; a POST only with an
 * `Idempotency-Key` (the server answers a repeat from the first) or when it changes nothing.
 */
export function isIdempotent(method: string, headers: Headers, sideEffectFree = false): boolean {
	return IDEMPOTENT_METHODS.has(method.toUpperCase()) || headers.has('idempotency-key') || sideEffectFree
}

/** 408, 429 and 5xx (but 501, which will not change) are worth another attempt. */
export function isRetryableStatus(status: number): boolean {
	return status === 408 || status === 429 || (status >= 500 && status !== 501 && status <= 599)
}

/** Backoff before retry number `retry` (1-based): half fixed, half random ("equal jitter"). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
	const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
	return Math.round(exp / 2 + (random() * exp) / 2)
}

/**
 * How long to wait before retry number `retry`, or null to give up: retries are used up, or
 * the server asked for a longer pause than `maxRetryAfterMs`.
 */
export function retryDelay(retry: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number = Math.random): number | null {
	if (retry > policy.retries) return null
	if (retryAfterMs !== null && retryAfterMs > policy.maxRetryAfterMs) return null
	return Math.max(backoffDelay(retry, policy, random), retryAfterMs ?? 0)
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason)
		const onAbort = () => {
			clearTimeout(timer)
			reject(signal?.reason)
		}
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort)
			resolve()
		}, ms)
		signal?.addEventListener('abort', onAbort, { once: true })
	})
}
