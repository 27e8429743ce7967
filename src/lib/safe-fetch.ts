/**
 * The one way the platform fetches a URL a user gave (webhook endpoints, later rich links
 * and images): the URL checked by checkOutboundUrl (public addresses only outside
 * development), a timeout, manual redirects (a 3xx is returned, never followed unless the
 * caller opts in with each hop re-checked) and a cap on the bytes read back
 * (docs/webhooks.md "Security").
 */
import { concatBytes } from '../apple/encoding'
import { checkOutboundUrl, type Environment, UnsafeUrlError } from './safe-url'

export interface SafeFetchOptions {
	environment: Environment
	timeoutMs: number
	/** Response bytes the caller will read at most; larger bodies are cut off with an error. */
	maxResponseBytes: number
	/** Redirects to follow (each target re-checked); 0 returns the 3xx itself. */
	maxRedirects?: number
	init?: RequestInit
}

export class ResponseTooLargeError extends Error {
	constructor(limit: number) {
		super(`response exceeds ${limit} bytes`)
		this.name = 'ResponseTooLargeError'
	}
}

export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<Response> {
	let url = checkOutboundUrl(rawUrl, opts.environment)
	const signal = AbortSignal.timeout(opts.timeoutMs)
	for (let hop = 0; ; hop++) {
		const res = await fetch(url.toString(), { ...opts.init, redirect: 'manual', signal })
		const location = res.headers.get('location')
		if (res.status >= 300 && res.status < 400 && location && hop < (opts.maxRedirects ?? 0)) {
			await res.body?.cancel()
			url = checkOutboundUrl(new URL(location, url).toString(), opts.environment)
			continue
		}
		const declared = Number(res.headers.get('content-length') ?? '0')
		if (declared > opts.maxResponseBytes) {
			await res.body?.cancel()
			throw new ResponseTooLargeError(opts.maxResponseBytes)
		}
		return res
	}
}

/** Read a response body up to `limit` bytes; throws ResponseTooLargeError beyond it. */
export async function readBodyCapped(res: Response, limit: number): Promise<Uint8Array> {
	const chunks: Uint8Array[] = []
	let total = 0
	if (!res.body) return new Uint8Array()
	const reader = res.body.getReader()
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		total += value.byteLength
		if (total > limit) {
			await reader.cancel()
			throw new ResponseTooLargeError(limit)
		}
		chunks.push(value)
	}
	return concatBytes(chunks, total)
}

/** UnsafeUrlError messages about where a URL points rather than how it is written. */
const NOT_PUBLIC = /IP address hosts|private host names|default ports/

/**
 * What went wrong fetching a URL, in words a business can act on: "DNS lookup failed",
 * "it is not a public address (…)", "it did not answer within 8 s"… The runtime's own network errors read
 * "internal error; reference = …" (workerd hides the cause), which says nothing to a business,
 * so those name the likely causes instead.
 */
export function describeFetchFailure(err: unknown, timeoutMs?: number): string {
	if (err instanceof UnsafeUrlError) return NOT_PUBLIC.test(err.message) ? `it is not a public address (${err.message})` : `it is not allowed (${err.message})`
	if (err instanceof ResponseTooLargeError) return `it is too large (${err.message})`
	const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : ''
	if (name === 'TimeoutError' || name === 'AbortError') return timeoutMs ? `it did not answer within ${timeoutMs / 1000} s` : 'it did not answer in time'
	const message = err instanceof Error ? err.message : String(err)
	if (/dns|name not resolved|getaddrinfo|ENOTFOUND|no such host/i.test(message)) return 'DNS lookup failed'
	if (/refused|ECONNREFUSED/i.test(message)) return 'the connection was refused'
	if (/prohibited|not permitted|disallowed|private/i.test(message)) return 'it is not a public address'
	return 'could not connect (DNS lookup failed or the host did not answer)'
}
