/**
 * Image URLs given in business messages are fetched by us (issue: "fetched safely,
 * size-capped"): the shared safe fetch (public addresses, timeout, manual redirects re-checked),
 * an image content type, and a byte cap read as a stream.
 */
import { bytesToBase64 } from '../apple/encoding'
import type { ResolvedImage } from '../apple/outbound'
import type { Environment } from '../lib/safe-url'
import { describeFetchFailure, readBodyCapped, safeFetch } from '../lib/safe-fetch'

export const IMAGE_FETCH_TIMEOUT_MS = 8_000
/** Above every Apple image cap (preflight then names the exact one that was exceeded). */
export const IMAGE_FETCH_MAX_BYTES = 1_000_000

/** Its message says what happened, URL included: "could not fetch https://…: DNS lookup failed". */
export class ImageFetchError extends Error {
	constructor(
		readonly url: string,
		reason: string,
	) {
		super(`could not fetch ${url}: ${reason}`)
		this.name = 'ImageFetchError'
	}
}

export async function fetchImage(url: string, environment: Environment): Promise<ResolvedImage> {
	let res: Response
	try {
		res = await safeFetch(url, { environment, timeoutMs: IMAGE_FETCH_TIMEOUT_MS, maxResponseBytes: IMAGE_FETCH_MAX_BYTES, maxRedirects: 3 })
	} catch (err) {
		throw new ImageFetchError(url, describeFetchFailure(err, IMAGE_FETCH_TIMEOUT_MS))
	}
	if (res.status >= 300 && res.status < 400) {
		await res.body?.cancel()
		throw new ImageFetchError(url, `it redirected more than 3 times`)
	}
	if (!res.ok) {
		await res.body?.cancel()
		throw new ImageFetchError(url, `it answered ${res.status}`)
	}
	const mimeType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
	if (!mimeType.startsWith('image/')) {
		await res.body?.cancel()
		throw new ImageFetchError(url, `it served ${mimeType || 'no content type'}, not an image`)
	}
	try {
		return { data: bytesToBase64(await readBodyCapped(res, IMAGE_FETCH_MAX_BYTES)), mimeType }
	} catch (err) {
		throw new ImageFetchError(url, describeFetchFailure(err, IMAGE_FETCH_TIMEOUT_MS))
	}
}

export async function fetchImages(urls: readonly string[], environment: Environment): Promise<Map<string, ResolvedImage>> {
	const unique = [...new Set(urls)].slice(0, 50)
	const entries = await Promise.all(unique.map(async (u) => [u, await fetchImage(u, environment)] as const))
	return new Map(entries)
}
