/**
 * One image for a rich link, fetched like every user-given URL (safeFetch: URL checked on every
 * hop, at most 3 redirects, timeout, public addresses only outside development) under Apple's
 * 200 kB rich-link cap. The bytes decide the type, not the header: SVG (scriptable, not shown),
 * ICO and mislabelled pages are out.
 */
import { bytesToBase64 } from '../apple/encoding'
import { sniffImageType } from '../apple/outbound/image-ref'
import { RICH_LINK_IMAGE_MAX_BYTES } from '../apple/outbound/preflight'
import { readBodyCapped, safeFetch } from '../lib/safe-fetch'
import type { Environment } from '../lib/safe-url'

export const MAX_REDIRECTS = 3
export const USER_AGENT = 'Mozilla/5.0 (compatible; amb-edge-unfurl/0.1; link preview)'
/** What icons and logos may be: raster images every Messages client shows. */
export const RASTER_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif'])

export interface FetchedImage {
	url: string
	/** Base64, ≤ RICH_LINK_IMAGE_MAX_BYTES decoded. */
	data: string
	mimeType: string
}

export interface Deadline {
	signal: AbortSignal
	remaining(): number
}

export function deadline(ms: number): Deadline {
	const start = Date.now()
	return { signal: AbortSignal.timeout(ms), remaining: () => Math.max(1, ms - (Date.now() - start)) }
}

/** Rejects with the signal's reason when it aborts first (a body that never ends, a fetch that ignores the signal). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) return Promise.reject(signal.reason)
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason)
		signal.addEventListener('abort', onAbort, { once: true })
		p.then(
			(v) => {
				signal.removeEventListener('abort', onAbort)
				resolve(v)
			},
			(e: unknown) => {
				signal.removeEventListener('abort', onAbort)
				reject(e)
			},
		)
	})
}

export const mediaType = (res: Response) => (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()

/**
 * The image at `url`, or null when it is unsafe, too large, not an image Messages shows (or not
 * one of `only`, when given), or fails in any way: a candidate that does not work is skipped.
 */
export async function fetchLinkImage(url: string, environment: Environment, limit: Deadline, only?: ReadonlySet<string>): Promise<FetchedImage | null> {
	try {
		const res = await raceAbort(
			safeFetch(url, {
				environment,
				timeoutMs: limit.remaining(),
				maxResponseBytes: RICH_LINK_IMAGE_MAX_BYTES,
				maxRedirects: MAX_REDIRECTS,
				init: { headers: { accept: 'image/*', 'user-agent': USER_AGENT } },
			}),
			limit.signal,
		)
		if (!res.ok || !mediaType(res).startsWith('image/')) {
			await res.body?.cancel()
			return null
		}
		const bytes = await raceAbort(readBodyCapped(res, RICH_LINK_IMAGE_MAX_BYTES), limit.signal)
		const data = bytesToBase64(bytes)
		const mimeType = sniffImageType(data)
		if (mimeType === null || (only && !only.has(mimeType))) return null
		return { url, data, mimeType }
	} catch {
		return null
	}
}
