/**
 * Rich-link previews for URLs a business sends (issue 5; docs/apple-interactive.md §5.4,
 * docs/apple-protocol.md §4.7). Fetching a URL from a message is an SSRF surface that OWASP names by
 * name (docs/webhooks.md "Security"), so the page goes through safeFetch (checkOutboundUrl on
 * the URL and on every redirect hop, at most 3; timeout; public addresses only outside
 * development, with global_fetch_strictly_public underneath), only HTML content types are read,
 * at most 512 KB of it, and HTMLRewriter stops at the end of `<head>` (docs/platform-limits.md §9–10,
 * docs/webhooks.md "Security"). The image is fetched the same way under Apple's 200 kB cap, trying
 * the next candidate when one is too large or not an image Messages shows: the page's Open Graph
 * / Twitter images first, then its icons (`apple-touch-icon`, other icon links, `/favicon.ico`)
 * when they are PNG, JPEG or GIF. Title: `og:title` (or `twitter:title`), else `<title>`, else
 * the host name.
 *
 * Only a page that cannot be reached or is refused (unsafe URL, error status, timeout, too many
 * redirects) is an UnfurlError; a reachable page that is not HTML, or whose head is too large to
 * read, still gets a preview titled with its host. The caller never blocks a message on this.
 */
import { ResponseTooLargeError, safeFetch } from '../lib/safe-fetch'
import { checkOutboundUrl, type Environment, UnsafeUrlError } from '../lib/safe-url'
import { displayHost, titleFromUrl } from './display'
import { deadline, fetchLinkImage, type FetchedImage, MAX_REDIRECTS, mediaType, raceAbort, RASTER_TYPES, USER_AGENT } from './fetch-image'
import { type PageMeta, MetaCollector } from './html-meta'
import { type CachedPreview, readCache, type UnfurlErrorCode, writeCache } from './preview-cache'

export { titleFromUrl } from './display'
export type { UnfurlErrorCode } from './preview-cache'

export const UNFURL_TIMEOUT_MS = 5_000
export const HTML_MAX_BYTES = 512 * 1024
export { MAX_REDIRECTS } from './fetch-image'
/** Image candidates fetched at most per preview (each one a subrequest). */
export const MAX_IMAGE_ATTEMPTS = 3
/** Icon candidates (icon links, then /favicon.ico) fetched at most when no image worked. */
export const MAX_ICON_ATTEMPTS = 3
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml'])

export interface UnfurlOptions {
	environment: Environment
	/** Preview cache (R2); without it every call fetches. */
	bucket?: R2Bucket
	/** Clock for cache expiry (epoch ms). */
	now?: () => number
	/** Budget for the page, and again for its image; small in tests. */
	timeoutMs?: number
}

export interface LinkPreview {
	/** The URL as normalised for fetching (punycode host); the rich link's `url`. */
	url: string
	/** Always set: the page's title, or titleFromUrl when the page has none (Apple requires one). */
	title: string
	siteName?: string
	description?: string
	/** Where the image came from (absolute URL). */
	imageUrl?: string
	/** Base64 bytes, ≤ RICH_LINK_IMAGE_MAX_BYTES decoded; a PNG, JPEG, GIF, WebP or HEIC image. */
	imageData?: string
	imageMimeType?: string
	fromCache: boolean
}

export class UnfurlError extends Error {
	constructor(
		readonly code: UnfurlErrorCode,
		readonly url: string,
		message: string,
		/** True when this failure was remembered from an earlier attempt (no fetch this time). */
		readonly cached = false,
	) {
		super(message)
		this.name = 'UnfurlError'
	}
}

/** The rich link to send when unfurling failed: url and a title made from the URL (§5.4). */
export function fallbackPreview(url: string): { url: string; title: string } {
	let href = url
	try {
		href = new URL(url).href
	} catch {
		// Not a URL: titleFromUrl copes, and the caller's schema will refuse it.
	}
	return { url: href, title: titleFromUrl(href) }
}

const isAbort = (err: unknown) => typeof err === 'object' && err !== null && 'name' in err && (err.name === 'TimeoutError' || err.name === 'AbortError')

function toUnfurlError(err: unknown, url: string): UnfurlError {
	if (err instanceof UnfurlError) return err
	if (err instanceof UnsafeUrlError) return new UnfurlError('unsafe-url', url, err.message)
	if (err instanceof ResponseTooLargeError) return new UnfurlError('too-large', url, err.message)
	if (isAbort(err)) return new UnfurlError('timeout', url, 'the page did not answer in time')
	return new UnfurlError('network', url, err instanceof Error ? err.message : String(err))
}

/**
 * Passes at most `cap` bytes of `body` through, then ends the stream. The pump writes into a
 * native IdentityTransformStream: HTMLRewriter over a JS-constructed stream reports an
 * uncaught rejection when its reader is cancelled early (seen in workerd), which we do at
 * </head>. `stop()` releases the source, which may never end on its own.
 */
function capped(body: ReadableStream<Uint8Array>, cap: number, onCap: () => void): { stream: ReadableStream; stop(): void } {
	const reader = body.getReader()
	const { readable, writable } = new IdentityTransformStream()
	const writer = writable.getWriter()
	const stop = () => {
		reader.cancel().catch(() => {})
		writer.abort().catch(() => {})
	}
	void (async () => {
		let total = 0
		try {
			for (;;) {
				const { done, value } = await reader.read()
				if (done) break
				const before = total
				total += value.byteLength
				if (total <= cap) {
					await writer.write(value)
					continue
				}
				if (cap > before) await writer.write(value.subarray(0, cap - before))
				onCap()
				reader.cancel().catch(() => {})
				break
			}
			await writer.close()
		} catch {
			// The reader downstream went away (end of <head>, timeout): release the source.
			stop()
		}
	})()
	return { stream: readable, stop }
}

interface Page {
	/** The URL of the last hop, against which relative image URLs resolve. */
	base: string
	meta: PageMeta
}

async function fetchPage(url: string, environment: Environment, timeoutMs: number): Promise<Page> {
	const limit = deadline(timeoutMs)
	const res = await raceAbort(
		safeFetch(url, {
			environment,
			timeoutMs,
			// The cap applies to what we read (below), not to the page's declared size: most
			// pages larger than 512 KB still have their whole <head> in the first few KB.
			maxResponseBytes: Number.MAX_SAFE_INTEGER,
			maxRedirects: MAX_REDIRECTS,
			init: { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1', 'user-agent': USER_AGENT } },
		}),
		limit.signal,
	)
	if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
		await res.body?.cancel()
		throw new UnfurlError('too-many-redirects', url, `more than ${MAX_REDIRECTS} redirects`)
	}
	if (!res.ok) {
		await res.body?.cancel()
		throw new UnfurlError('http-status', url, `the page answered ${res.status}`)
	}
	const type = mediaType(res)
	const base = res.url || url
	if (!HTML_TYPES.has(type)) {
		// Reachable but not a page (a PDF, an image): no metadata; an image may be its own preview.
		await res.body?.cancel()
		return { base, meta: { images: type.startsWith('image/') ? [base] : [], icons: [] } }
	}
	if (!res.body) return { base, meta: { images: [], icons: [] } }
	let truncated = false
	const collector = new MetaCollector()
	const source = capped(res.body, HTML_MAX_BYTES, () => {
		truncated = true
	})
	const transformed = collector
		.attach(new HTMLRewriter())
		.transform(new Response(source.stream, { headers: { 'content-type': res.headers.get('content-type') ?? type } }))
	const reader = transformed.body!.getReader()
	try {
		while (!collector.done) {
			const { done } = await raceAbort(reader.read(), limit.signal)
			if (done) break
		}
	} finally {
		reader.cancel().catch(() => {})
		source.stop()
	}
	// A head that does not end within the cap: use what it had; the icons and host name else.
	if (truncated && !collector.done && !collector.found) return { base, meta: { images: [], icons: [] } }
	return { base, meta: collector.result() }
}

/** Absolute http(s) candidates (http only in development), in order, without repeats. */
function absolute(srcs: readonly string[], base: string, environment: Environment): string[] {
	const urls: string[] = []
	for (const src of srcs) {
		try {
			// checkOutboundUrl again inside safeFetch; here only https (http in development).
			const abs = new URL(src, base)
			if (abs.protocol === 'https:' || (abs.protocol === 'http:' && environment === 'development')) {
				if (!urls.includes(abs.href)) urls.push(abs.href)
			}
		} catch {
			// Unparseable candidate: skip.
		}
	}
	return urls
}

/** The page's own image, else its icon (PNG/JPEG/GIF only), else null. */
async function pickImage(page: Page, environment: Environment, timeoutMs: number): Promise<FetchedImage | null> {
	const limit = deadline(timeoutMs)
	for (const url of absolute(page.meta.images, page.base, environment).slice(0, MAX_IMAGE_ATTEMPTS)) {
		if (limit.signal.aborted) return null
		const image = await fetchLinkImage(url, environment, limit)
		if (image !== null) return image
	}
	const favicon = new URL('/favicon.ico', page.base).href
	const icons = absolute(page.meta.icons, page.base, environment).filter((u) => u !== favicon)
	for (const url of [...icons.slice(0, MAX_ICON_ATTEMPTS - 1), ...absolute([favicon], page.base, environment)]) {
		if (limit.signal.aborted) return null
		const image = await fetchLinkImage(url, environment, limit, RASTER_TYPES)
		if (image !== null) return image
	}
	return null
}

function withoutFlag(p: LinkPreview): CachedPreview {
	const { fromCache: _, ...rest } = p
	return rest
}

/**
 * A preview of `url`: from the cache when fresh, else fetched (page, then image). Throws
 * UnfurlError when the URL may not be fetched or the page cannot be read; a missing or
 * unusable image is not an error.
 */
export async function unfurl(url: string, opts: UnfurlOptions): Promise<LinkPreview> {
	const now = opts.now ?? Date.now
	const timeoutMs = opts.timeoutMs ?? UNFURL_TIMEOUT_MS
	let href: string
	try {
		// Before the cache too: what development cached must not be served in production.
		href = checkOutboundUrl(url, opts.environment).href
	} catch (err) {
		throw toUnfurlError(err, url)
	}
	if (opts.bucket) {
		const hit = await readCache(opts.bucket, href, now())
		if (hit?.ok) return { ...hit.preview, fromCache: true }
		if (hit && !hit.ok) throw new UnfurlError(hit.code, href, hit.message, true)
	}
	let preview: LinkPreview
	try {
		const page = await fetchPage(href, opts.environment, timeoutMs)
		const image = await pickImage(page, opts.environment, timeoutMs)
		preview = { url: href, title: page.meta.title ?? displayHost(new URL(href).hostname), fromCache: false }
		if (page.meta.siteName !== undefined) preview.siteName = page.meta.siteName
		if (page.meta.description !== undefined) preview.description = page.meta.description
		if (image) {
			preview.imageUrl = image.url
			preview.imageData = image.data
			preview.imageMimeType = image.mimeType
		}
	} catch (err) {
		const failure = toUnfurlError(err, href)
		if (opts.bucket) {
			await writeCache(opts.bucket, href, { ok: false, code: failure.code, message: failure.message }, now())
		}
		throw failure
	}
	if (opts.bucket) await writeCache(opts.bucket, href, { ok: true, preview: withoutFlag(preview) }, now())
	return preview
}
