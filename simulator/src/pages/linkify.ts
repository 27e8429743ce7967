/**
 * URLs in message text become links, as Messages makes them tappable. Only http(s) URLs that
 * parse are linked (never `javascript:` or `data:`), text and href go through the escaping
 * template, and links open in a new tab without giving it this page (`noopener noreferrer`).
 */
import { h, type Raw } from './html'

/** A run of non-space characters starting with http:// or https://. */
const URL_RUN = /\bhttps?:\/\/[^\s<>"]+/gi
/** Punctuation that ends a sentence rather than the URL ("see https://x.example/a."). */
const TRAILING = /[.,;:!?'"\])]$/

/** Drop trailing punctuation; a `)` only when unbalanced, so `…/Foo_(bar)` keeps its own. */
function trimEnd(run: string): string {
	let s = run
	while (TRAILING.test(s)) {
		if (s.endsWith(')') && s.split('(').length >= s.split(')').length) break
		s = s.slice(0, -1)
	}
	return s
}

function linkOf(candidate: string): string | null {
	try {
		const url = new URL(candidate)
		return url.protocol === 'http:' || url.protocol === 'https:' ? candidate : null
	} catch {
		return null
	}
}

export function linkify(text: string): Raw {
	const out: Array<Raw | string> = []
	let at = 0
	for (const m of text.matchAll(URL_RUN)) {
		const start = m.index ?? 0
		const candidate = trimEnd(m[0])
		const href = linkOf(candidate)
		if (!href) continue
		out.push(text.slice(at, start), h`<a href="${href}" target="_blank" rel="noopener noreferrer" data-testid="bubble-link">${candidate}</a>`)
		at = start + candidate.length
	}
	out.push(text.slice(at))
	return h`${out}`
}
