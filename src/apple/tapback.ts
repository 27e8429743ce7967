/**
 * Tapbacks arrive as ordinary text in a localized system form such as `Liked “…”`
 * (docs/apple-protocol.md §4.9, [C1]/[U]). We parse the English forms into
 * `{ reaction, targetText }` so a bot never answers a reaction as if it were a question;
 * the raw text stays with the event.
 */

export type Reaction = 'liked' | 'loved' | 'disliked' | 'laughed' | 'emphasized' | 'questioned' | 'emoji' | 'sticker'

export interface Tapback {
	reaction: Reaction
	/** The quoted text, or a description such as `an image` when nothing is quoted. */
	targetText: string
	/** For `Reacted 😀 to “…”`. */
	emoji?: string
	/** Removing a tapback (`Removed a heart from “…”`). */
	removed?: boolean
}

const VERBS: Record<string, Reaction> = {
	Liked: 'liked',
	Loved: 'loved',
	Disliked: 'disliked',
	'Laughed at': 'laughed',
	Emphasized: 'emphasized',
	Questioned: 'questioned',
}

// Curly quotes as Messages writes them; straight quotes accepted too.
const QUOTED = String.raw`[“"](.*)[”"]`
const VERB_RE = new RegExp(String.raw`^(Liked|Loved|Disliked|Laughed at|Emphasized|Questioned) ${QUOTED}$`, 's')
const VERB_OBJECT_RE = /^(Liked|Loved|Disliked|Laughed at|Emphasized|Questioned) (an? (?:image|video|attachment|audio message|sticker)|\d+ Business Messages?)$/
const EMOJI_RE = new RegExp(String.raw`^Reacted (\S+) to ${QUOTED}$`, 'su')
const STICKER_RE = new RegExp(String.raw`^Reacted with a sticker to ${QUOTED}$`, 's')
const REMOVED: Record<string, Reaction> = {
	'a like': 'liked',
	'a heart': 'loved',
	'a dislike': 'disliked',
	'a laugh': 'laughed',
	'an exclamation': 'emphasized',
	'a question mark': 'questioned',
}
const REMOVED_RE = new RegExp(String.raw`^Removed (a like|a heart|a dislike|a laugh|an exclamation|a question mark) from ${QUOTED}$`, 's')

export function parseTapback(text: string): Tapback | null {
	const t = text.trim()
	let m = VERB_RE.exec(t)
	if (m) return { reaction: VERBS[m[1]!]!, targetText: m[2]! }
	m = VERB_OBJECT_RE.exec(t)
	if (m) return { reaction: VERBS[m[1]!]!, targetText: m[2]! }
	m = EMOJI_RE.exec(t)
	if (m) return { reaction: 'emoji', emoji: m[1]!, targetText: m[2]! }
	m = STICKER_RE.exec(t)
	if (m) return { reaction: 'sticker', targetText: m[1]! }
	m = REMOVED_RE.exec(t)
	if (m) return { reaction: REMOVED[m[1]!]!, targetText: m[2]!, removed: true }
	return null
}
