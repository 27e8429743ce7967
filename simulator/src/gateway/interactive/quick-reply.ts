/**
 * Quick reply (docs/apple-interactive.md §5.1): key `quick-reply` (hyphenated) with
 * `summaryText` and 2–5 `items` of `{identifier, title}`. The maximum 5 is [C1: LP]; the
 * minimum 2 is [U] but a one-button "choice" is no choice, and the brief asks to refuse it.
 */
import { z } from 'zod'
import { fail } from '../../lib/rejection'
import { parseRule } from '../zod-check'
import { nonEmptyString } from './common'

export const QUICK_REPLY_MIN_ITEMS = 2
export const QUICK_REPLY_MAX_ITEMS = 5

const QuickReply = z.object({
	summaryText: z.string({ error: 'summaryText (the prompt) is required' }).min(1, 'summaryText (the prompt) is required'),
	items: z.array(z.object({ identifier: nonEmptyString, title: nonEmptyString }), { error: 'items must be an array' }),
})

export function checkQuickReply(value: unknown): void {
	const qr = parseRule(QuickReply, value, 'quick_reply_schema', 'interactiveData.data.quick-reply')
	const n = qr.items.length
	if (n < QUICK_REPLY_MIN_ITEMS || n > QUICK_REPLY_MAX_ITEMS) {
		fail(400, 'quick_reply_items_count', `quick-reply needs ${QUICK_REPLY_MIN_ITEMS} to ${QUICK_REPLY_MAX_ITEMS} items, got ${n}`)
	}
	const ids = qr.items.map((i) => i.identifier)
	if (new Set(ids).size !== ids.length) fail(400, 'quick_reply_schema', 'quick-reply item identifiers must be unique')
}
