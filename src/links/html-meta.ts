/**
 * Link-preview metadata from a page's head: Open Graph, Twitter cards, `<title>`, and image
 * candidates, read with HTMLRewriter (docs/platform-limits.md §9). Third-party HTML is untrusted
 * input (docs/webhooks.md "Security"): every value is entity-decoded, stripped of control
 * and bidi-override characters, whitespace-collapsed and length-capped before use.
 */
import { truncate } from './display'

export const MAX_TITLE = 200
export const MAX_DESCRIPTION = 300
export const MAX_SITE_NAME = 100
/** Raw attribute/text kept per field before cleaning, so a hostile page cannot make us work hard. */
const MAX_RAW = 4_096
const MAX_IMAGE_CANDIDATES = 8

export interface PageMeta {
	title?: string
	description?: string
	siteName?: string
	/** Image URLs as written (maybe relative), best first. */
	images: string[]
	/**
	 * Icon links as written, best first: `apple-touch-icon` (Apple's own, usually a 180 px PNG),
	 * then `icon` / `shortcut icon`; tried when no image above can be used. SVG icons are left out.
	 */
	icons: string[]
}

// HTMLRewriter hands attribute values and text over undecoded (checked in workerd).
const NAMED: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'",
	nbsp: ' ',
	ndash: '–',
	mdash: '—',
	hellip: '…',
	lsquo: '‘',
	rsquo: '’',
	ldquo: '“',
	rdquo: '”',
	laquo: '«',
	raquo: '»',
	middot: '·',
	bull: '•',
	copy: '©',
	reg: '®',
	trade: '™',
	euro: '€',
}

export function decodeEntities(s: string): string {
	return s.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});?/gi, (whole, ref: string) => {
		if (ref[0] === '#') {
			const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
			return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole
		}
		return NAMED[ref.toLowerCase()] ?? whole
	})
}

// C0/C1 controls, zero-width and bidi embedding/override/isolate characters (used to spoof
// how a title reads); line breaks become spaces first.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g

/** A display string from untrusted markup: decoded, cleaned, capped; undefined when empty. */
export function cleanText(raw: string | null | undefined, max: number): string | undefined {
	if (raw === null || raw === undefined) return undefined
	const s = decodeEntities(raw.slice(0, MAX_RAW)).replace(/\s+/g, ' ').replace(INVISIBLE, '').trim()
	return s === '' ? undefined : truncate(s, max)
}

const TEXT_KEYS = new Set(['og:title', 'twitter:title', 'og:description', 'twitter:description', 'description', 'og:site_name', 'application-name'])

/**
 * Collects metadata as HTMLRewriter walks the document. `done` turns true at `</head>` or
 * `<body>`: everything a preview needs is in the head, so the caller stops reading there.
 */
export class MetaCollector {
	done = false
	private fields = new Map<string, string>()
	// Image candidates by source, tried in this order: og:image:secure_url is the https form of
	// og:image; twitter:image is the usual second rendition; link rels are last resorts.
	private secure: string[] = []
	private og: string[] = []
	private twitter: string[] = []
	private links: string[] = []
	private touchIcons: string[] = []
	private otherIcons: string[] = []
	private titleText = ''
	private titleCount = 0

	attach(rewriter: HTMLRewriter): HTMLRewriter {
		return rewriter
			.on('meta', { element: (e) => this.meta(e) })
			.on('link', { element: (e) => this.link(e) })
			.on('title', {
				element: () => {
					this.titleCount++
				},
				text: (t) => {
					// Only the document's first <title> (an inline SVG may carry its own).
					if (!this.done && this.titleCount === 1 && this.titleText.length < MAX_RAW) this.titleText += t.text
				},
			})
			.on('head', {
				element: (e) => {
					e.onEndTag(() => {
						this.done = true
					})
				},
			})
			.on('body', {
				element: () => {
					this.done = true
				},
			})
	}

	private meta(e: Element): void {
		if (this.done) return
		const key = (e.getAttribute('property') ?? e.getAttribute('name') ?? '').trim().toLowerCase()
		const content = e.getAttribute('content')
		if (!key || content === null) return
		if (key === 'og:image:secure_url') push(this.secure, content)
		else if (key === 'og:image' || key === 'og:image:url') push(this.og, content)
		else if (key === 'twitter:image' || key === 'twitter:image:src') push(this.twitter, content)
		else if (TEXT_KEYS.has(key) && !this.fields.has(key)) this.fields.set(key, content.slice(0, MAX_RAW))
	}

	private link(e: Element): void {
		if (this.done) return
		const rel = (e.getAttribute('rel') ?? '').toLowerCase().split(/\s+/)
		const href = e.getAttribute('href')
		if (href === null) return
		if (rel.includes('image_src')) push(this.links, href)
		else if (rel.includes('apple-touch-icon') || rel.includes('apple-touch-icon-precomposed')) push(this.touchIcons, href)
		else if (rel.includes('icon') && !isSvg(e.getAttribute('type'), href)) push(this.otherIcons, href)
	}

	/** True once any field a preview can show was seen. */
	get found(): boolean {
		return this.titleText.trim() !== '' || this.fields.size > 0 || this.og.length + this.secure.length + this.twitter.length > 0
	}

	result(): PageMeta {
		const f = (k: string) => this.fields.get(k)
		const images: string[] = []
		for (const src of [...this.secure, ...this.og, ...this.twitter, ...this.links]) {
			if (images.length < MAX_IMAGE_CANDIDATES && !images.includes(src)) images.push(src)
		}
		const icons: string[] = []
		for (const src of [...this.touchIcons, ...this.otherIcons]) {
			if (icons.length < MAX_IMAGE_CANDIDATES && !icons.includes(src)) icons.push(src)
		}
		const out: PageMeta = { images, icons }
		const title = cleanText(f('og:title'), MAX_TITLE) ?? cleanText(f('twitter:title'), MAX_TITLE) ?? cleanText(this.titleText, MAX_TITLE)
		const description =
			cleanText(f('og:description'), MAX_DESCRIPTION) ?? cleanText(f('twitter:description'), MAX_DESCRIPTION) ?? cleanText(f('description'), MAX_DESCRIPTION)
		const siteName = cleanText(f('og:site_name'), MAX_SITE_NAME) ?? cleanText(f('application-name'), MAX_SITE_NAME)
		if (title !== undefined) out.title = title
		if (description !== undefined) out.description = description
		if (siteName !== undefined) out.siteName = siteName
		return out
	}
}

const isSvg = (type: string | null, href: string) => (type ?? '').toLowerCase().includes('svg') || /\.svgz?(?:[?#]|$)/i.test(href)

function push(list: string[], raw: string): void {
	// Query strings in attributes are written with &amp; like any other attribute text.
	const src = decodeEntities(raw.slice(0, MAX_RAW)).trim()
	if (src !== '' && list.length < MAX_IMAGE_CANDIDATES && !list.includes(src)) list.push(src)
}
