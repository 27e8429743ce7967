/**
 * URLs in the text a business sends, so each one also goes out as a rich link (Apple's
 * required feature: every agent/bot URL is sent as a rich link; docs/apple-protocol.md §4.7,
 * docs/apple-interactive.md §5.4, §5.9). Only http(s) URLs and bare `www.` hosts are links:
 * e-mail addresses, `javascript:` and other schemes never are. Whether a found URL may be
 * fetched is decided later by checkOutboundUrl, not here.
 */

export interface FoundUrl {
	/** WHATWG-normalised URL for fetching and for Apple (IDN host in punycode, path percent-encoded). */
	url: string
	/** The text as the business wrote it (Unicode host kept), for display. */
	text: string
	/** UTF-16 offsets of `text` in the input: `input.slice(start, end) === text`. */
	start: number
	end: number
}

/** Apple's guidance is one rich link per URL; more than a few per message is noise (and fetches). */
export const MAX_URLS_PER_MESSAGE = 5

const START = /https?:\/\/|www\./giu
// A URL runs until whitespace or a character that cannot appear unescaped in one and is
// commonly used to delimit it in prose and markup.
const STOP = /[\s<>"`{}|\\^\u0000-\u001f\u007f]/u
// Sentence punctuation after a URL belongs to the sentence, not the URL.
const TRAILING = new Set([...'.,;:!?\'"”’…»«。，、！？；：'])
const CLOSERS: Record<string, string> = { ')': '(', ']': '[' }
// `xhttp://` or `user@www.host` are not the start of a link; nor is a scheme inside another
// one (`javascript:http://…`, `view-source:https://…`).
const NOT_BEFORE_SCHEME = /[\p{L}\p{N}_:+.-]/u
const NOT_BEFORE_WWW = /[\p{L}\p{N}_@.:/\-+]/u

const count = (s: string, ch: string) => s.split(ch).length - 1

/** Drop trailing punctuation and unbalanced closing brackets (keeps `Foo_(bar)`). */
function trimEnd(candidate: string): string {
	let s = candidate
	for (;;) {
		const last = s.at(-1)
		if (last === undefined) return s
		if (TRAILING.has(last)) {
			s = s.slice(0, -1)
			continue
		}
		const opener = CLOSERS[last]
		if (opener !== undefined && count(s, last) > count(s, opener)) {
			s = s.slice(0, -1)
			continue
		}
		return s
	}
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/

/**
 * A link needs a dotted host name with a real-looking top-level label ("https://foo" or
 * "www.-" in prose are not links). IP literals and `localhost` are kept as written: whether
 * they may be fetched is checkOutboundUrl's decision (development links to local pages).
 */
function plausibleHost(hostname: string): boolean {
	if (hostname === 'localhost' || hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname)) return true
	const labels = hostname.replace(/\.$/, '').split('.')
	return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && TLD.test(labels.at(-1)!)
}

function normalise(text: string, bare: boolean): string | null {
	let url: URL
	try {
		// Bare hosts get https: the platform never sends customers to plain http on a guess.
		url = new URL(bare ? `https://${text}` : text)
	} catch {
		return null
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
	return plausibleHost(url.hostname) ? url.href : null
}

/** http(s) URLs and `www.` hosts in `text`, in order, deduplicated, at most `limit`. */
export function findUrls(text: string, limit = MAX_URLS_PER_MESSAGE): FoundUrl[] {
	const out: FoundUrl[] = []
	const seen = new Set<string>()
	const starts = new RegExp(START.source, START.flags)
	for (let m = starts.exec(text); m !== null && out.length < limit; m = starts.exec(text)) {
		const start = m.index
		const bare = m[0].toLowerCase() === 'www.'
		const before = text[start - 1]
		if (before !== undefined && (bare ? NOT_BEFORE_WWW : NOT_BEFORE_SCHEME).test(before)) continue
		let end = start + m[0].length
		while (end < text.length && !STOP.test(text[end]!)) end++
		const candidate = trimEnd(text.slice(start, end))
		// Nothing after the scheme or `www.`: keep scanning right after it.
		if (candidate.length <= m[0].length) continue
		starts.lastIndex = start + candidate.length
		const url = normalise(candidate, bare)
		if (url === null || seen.has(url)) continue
		seen.add(url)
		out.push({ url, text: candidate, start, end: start + candidate.length })
	}
	return out
}
