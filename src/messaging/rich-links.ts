/**
 * Every URL a business sends becomes a rich link (Apple's required-features list, spec
 * apple-msp-core.md §4.7, §6.3 row 5). A text with URLs goes out as the text followed by one
 * rich link per URL; a `richLink` without title or image is completed from the page. Apple
 * requires an image or video in `assets` (spec interactive §5.4), so a link whose page gives
 * no usable image is not sent as a rich link: the text already carries the URL, and a bare
 * `richLink` message degrades to readable text. Unfurling never blocks or fails a send.
 */
import type { ContentMessage, RichLinkMessage, TextMessage } from '../apple/outbound'
import type { Environment } from '../lib/safe-url'
import { findUrls } from '../links/detect'
import { titleFromUrl } from '../links/display'
import { unfurl, type LinkPreview } from '../links/unfurl'

interface UnfurlDeps {
	environment: Environment
	bucket: R2Bucket
}

async function preview(url: string, deps: UnfurlDeps): Promise<LinkPreview | null> {
	try {
		return await unfurl(url, { environment: deps.environment, bucket: deps.bucket })
	} catch {
		return null
	}
}

const asRichLink = (p: LinkPreview): RichLinkMessage | null =>
	p.imageData && p.imageMimeType ? { type: 'richLink', url: p.url, title: p.title, image: `data:${p.imageMimeType};base64,${p.imageData}` } : null

/** The rich links that follow a text message (none when the business opted out). */
export async function richLinksForText(message: TextMessage, deps: UnfurlDeps): Promise<RichLinkMessage[]> {
	if (message.richLinks === false) return []
	const found = findUrls(message.text)
	const previews = await Promise.all(found.map((f) => preview(f.url, deps)))
	return previews.flatMap((p) => {
		const link = p ? asRichLink(p) : null
		return link ? [link.bot === undefined && message.bot !== undefined ? { ...link, bot: message.bot } : link] : []
	})
}

/** A `richLink` with its title and image filled in, or a readable text when no image exists. */
export async function completeRichLink(message: RichLinkMessage, deps: UnfurlDeps): Promise<ContentMessage> {
	const hasAsset = message.image !== undefined || message.imageUrl !== undefined || message.video !== undefined
	if (message.title && hasAsset) return message
	const p = await preview(message.url, deps)
	const title = message.title ?? p?.title ?? titleFromUrl(message.url)
	if (hasAsset) return { ...message, title }
	if (p?.imageData && p.imageMimeType) return { ...message, title, image: `data:${p.imageMimeType};base64,${p.imageData}` }
	const text: TextMessage = { type: 'text', text: `${title}\n${message.url}`, richLinks: false }
	return message.bot === undefined ? text : { ...text, bot: message.bot }
}
