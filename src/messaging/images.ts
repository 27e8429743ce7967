/**
 * Image URLs given in business messages are fetched by us (issue: "fetched safely,
 * size-capped"): the shared safe fetch (public addresses, timeout, manual redirects re-checked),
 * an image content type, and a byte cap read as a stream.
 */
import { bytesToBase64 } from '../apple/encoding'
import type { ResolvedImage } from '../apple/outbound'
import type { Environment } from '../lib/safe-url'
import { readBodyCapped, safeFetch } from '../lib/safe-fetch'

export const IMAGE_FETCH_TIMEOUT_MS = 8_000
/** Above every Apple image cap (preflight then names the exact one that was exceeded). */
export const IMAGE_FETCH_MAX_BYTES = 1_000_000

export class ImageFetchError extends Error {
	constructor(
		readonly url: string,
		message: string,
	) {
		super(message)
		this.name = 'ImageFetchError'
	}
}

export async function fetchImage(url: string, environment: Environment): Promise<ResolvedImage> {
	let res: Response
	try {
		res = await safeFetch(url, { environment, timeoutMs: IMAGE_FETCH_TIMEOUT_MS, maxResponseBytes: IMAGE_FETCH_MAX_BYTES, maxRedirects: 3 })
	} catch (err) {
		throw new ImageFetchError(url, err instanceof Error ? err.message : String(err))
	}
	if (!res.ok) {
		await res.body?.cancel()
		throw new ImageFetchError(url, `image URL answered ${res.status}`)
	}
	const mimeType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
	if (!mimeType.startsWith('image/')) {
		await res.body?.cancel()
		throw new ImageFetchError(url, `image URL served ${mimeType || 'no content type'}, not an image`)
	}
	try {
		return { data: bytesToBase64(await readBodyCapped(res, IMAGE_FETCH_MAX_BYTES)), mimeType }
	} catch (err) {
		throw new ImageFetchError(url, err instanceof Error ? err.message : String(err))
	}
}

export async function fetchImages(urls: readonly string[], environment: Environment): Promise<Map<string, ResolvedImage>> {
	const unique = [...new Set(urls)].slice(0, 50)
	const entries = await Promise.all(unique.map(async (u) => [u, await fetchImage(u, environment)] as const))
	return new Map(entries)
}
