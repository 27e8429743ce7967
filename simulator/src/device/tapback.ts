/**
 * Tapbacks reach the MSP as ordinary text in the device's localized system wording (see
 * docs/apple-protocol.md §4.9 [C1: T-AMB]): `Loved “…”`, `Reacted 😀 to “…”`, `Liked an image`.
 * The simulator writes the English (en_US) forms.
 */
export const TAPBACKS = ['love', 'like', 'dislike', 'laugh', 'emphasize', 'question', 'emoji', 'sticker'] as const
export type Tapback = (typeof TAPBACKS)[number]

const VERB: Record<Exclude<Tapback, 'emoji' | 'sticker'>, string> = {
	love: 'Loved',
	like: 'Liked',
	dislike: 'Disliked',
	laugh: 'Laughed at',
	emphasize: 'Emphasized',
	question: 'Questioned',
}

export type TapbackTarget = { kind: 'text'; text: string } | { kind: 'image' } | { kind: 'attachment' } | { kind: 'business-message' }

const QUOTE_MAX = 100

function targetWords(t: TapbackTarget): string {
	switch (t.kind) {
		case 'text': {
			const text = t.text.replace(/\uFFFC/g, '').trim()
			return `“${text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text}”`
		}
		case 'image':
			return 'an image'
		case 'attachment':
			return 'an attachment'
		case 'business-message':
			return '1 Business Message'
	}
}

export function tapbackText(reaction: Tapback, target: TapbackTarget, emoji = '😀'): string {
	if (reaction === 'emoji') return `Reacted ${emoji} to ${targetWords(target)}`
	if (reaction === 'sticker') return `Reacted with a sticker to ${targetWords(target)}`
	return `${VERB[reaction]} ${targetWords(target)}`
}
