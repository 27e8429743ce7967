/**
 * Every URL a business sends becomes a rich link (Apple's required-features list,
 * docs/apple-protocol.md §4.7, §6.3 row 5). A text with URLs goes out as the text followed by one
 * rich link per URL; a `richLink` without title or image is completed from the page. Apple
 * requires an image or video in `assets` (docs/apple-interactive.md §5.4), so the image falls back in
 * order: the page's own image or icon (links/unfurl.ts), the business's logo (settings
 * `logoUrl`, fetched the same safe way), and last the neutral image that ships with amb-edge.
 * Only a page that cannot be reached or is refused gets no rich link: the text already carries
 * the URL, and a bare `richLink` message degrades to readable text, saying why.
 * Unfurling never blocks or fails a send.
 */
import type { ContentMessage, RichLinkMessage, TextMessage } from '../apple/outbound'
import type { RenderReason } from '../conversation/outbound'
import type { Environment } from '../lib/safe-url'
import { findUrls } from '../links/detect'
import { titleFromUrl } from '../links/display'
import { deadline, fetchLinkImage, RASTER_TYPES } from '../links/fetch-image'
import { NEUTRAL_LINK_IMAGE } from '../links/neutral-image'
import { unfurl, UnfurlError, type LinkPreview } from '../links/unfurl'

/** Budget for fetching the business's logo once per send. */
export const LOGO_TIMEOUT_MS = 3_000

export interface UnfurlDeps {
	environment: Environment
	bucket: R2Bucket
	/** The business's logo (settings `logoUrl`): the image of a page that has none. */
	logoUrl?: string | null
}

type Preview = { ok: true; preview: LinkPreview } | { ok: false; error: UnfurlError }

async function preview(url: string, deps: UnfurlDeps): Promise<Preview> {
	try {
		return { ok: true, preview: await unfurl(url, { environment: deps.environment, bucket: deps.bucket }) }
	} catch (err) {
		return { ok: false, error: err instanceof UnfurlError ? err : new UnfurlError('network', url, 'the page could not be fetched') }
	}
}

/** The image of last resort for one send: the logo is fetched at most once, and only when needed. */
function fallbackImage(deps: UnfurlDeps): () => Promise<string> {
	let pending: Promise<string> | null = null
	return () => {
		pending ??= (async () => {
			const logo = deps.logoUrl ? await fetchLinkImage(deps.logoUrl, deps.environment, deadline(LOGO_TIMEOUT_MS), RASTER_TYPES) : null
			const image = logo ?? NEUTRAL_LINK_IMAGE
			return `data:${image.mimeType};base64,${image.data}`
		})()
		return pending
	}
}

const pageImage = (p: LinkPreview) => (p.imageData && p.imageMimeType ? `data:${p.imageMimeType};base64,${p.imageData}` : null)

/** The rich links that follow a text message (none when the business opted out). */
export async function richLinksForText(message: TextMessage, deps: UnfurlDeps): Promise<RichLinkMessage[]> {
	if (message.richLinks === false) return []
	const found = findUrls(message.text)
	const previews = await Promise.all(found.map((f) => preview(f.url, deps)))
	const fallback = fallbackImage(deps)
	const links: RichLinkMessage[] = []
	for (const p of previews) {
		if (!p.ok) continue
		const link: RichLinkMessage = { type: 'richLink', url: p.preview.url, title: p.preview.title, image: pageImage(p.preview) ?? (await fallback()) }
		links.push(link.bot === undefined && message.bot !== undefined ? { ...link, bot: message.bot } : link)
	}
	return links
}

export interface CompletedRichLink {
	message: ContentMessage
	/** Set when the link went out as text: why. */
	reason?: RenderReason
}

/** A `richLink` with its title and image filled in, or a readable text when the page is unreachable. */
export async function completeRichLink(message: RichLinkMessage, deps: UnfurlDeps): Promise<CompletedRichLink> {
	const hasAsset = message.image !== undefined || message.imageUrl !== undefined || message.video !== undefined
	if (message.title && hasAsset) return { message }
	const p = await preview(message.url, deps)
	// The business gave the image: only the title was missing, and the URL makes one.
	if (!p.ok && hasAsset) return { message: { ...message, title: message.title ?? titleFromUrl(message.url) } }
	if (!p.ok) {
		const title = message.title ?? titleFromUrl(message.url)
		const text: TextMessage = { type: 'text', text: `${title}\n${message.url}`, richLinks: false }
		return { message: message.bot === undefined ? text : { ...text, bot: message.bot }, reason: { code: 'rich_link_unreachable', detail: p.error.message } }
	}
	const title = message.title ?? p.preview.title
	if (hasAsset) return { message: { ...message, title } }
	return { message: { ...message, title, image: pageImage(p.preview) ?? (await fallbackImage(deps)()) } }
}
