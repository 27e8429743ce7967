/**
 * Time picker (docs/apple-interactive.md §5.3): key `event` with `timeslots[]` of
 * `{identifier, startTime, duration}`. `startTime` is UTC without seconds, offset written
 * `+0000`: `yyyy-MM-dd'T'HH:mm+0000` (docs/product.md "Protocol decisions": that form outbound).
 * Pickers without a title are rejected (§5.3, LP guidelines). Slots in the past are accepted with
 * a warning: Apple's own sample sends slots in 2022 and expects 200.
 */
import { z } from 'zod'
import { fail } from '../../lib/rejection'
import type { GatewayWarning } from '../../state/types'
import { parseRule } from '../zod-check'
import { nonEmptyString } from './common'

const START_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})\+0000$/

const Slot = z.object({
	identifier: nonEmptyString,
	startTime: z.string(),
	duration: z.number().int().positive('duration is a positive number of seconds'),
})

const Event = z.object({
	identifier: z.string().optional(),
	title: z.string().optional(),
	timezoneOffset: z.number().int().optional(),
	location: z
		.object({
			latitude: z.number().min(-90).max(90).optional(),
			longitude: z.number().min(-180).max(180).optional(),
			radius: z.number().nonnegative().optional(),
			title: z.string().optional(),
		})
		.optional(),
	timeslots: z.array(Slot).min(1, 'a time picker needs at least one time slot'),
})

/** Milliseconds since the epoch for a valid `startTime`, else null. */
export function parseStartTime(s: string): number | null {
	const m = START_TIME.exec(s)
	if (!m) return null
	const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number]
	const ms = Date.UTC(y, mo - 1, d, h, mi)
	const back = new Date(ms)
	// Reject 2026-02-30 and 25:00 rather than letting Date roll them over.
	if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi) {
		return null
	}
	return ms
}

export function checkTimePicker(value: unknown, receivedTitle: string | undefined, nowMs: number): GatewayWarning[] {
	if (!receivedTitle?.trim()) {
		fail(400, 'time_picker_title_missing', 'a time picker needs interactiveData.receivedMessage.title')
	}
	const ev = parseRule(Event, value, 'time_picker_schema', 'interactiveData.data.event')
	const past: number[] = []
	for (const [i, slot] of ev.timeslots.entries()) {
		const at = parseStartTime(slot.startTime)
		if (at === null) {
			fail(
				400,
				'time_slot_format',
				`event.timeslots[${i}].startTime ${JSON.stringify(slot.startTime)} must be formatted yyyy-MM-dd'T'HH:mm+0000 (UTC, no seconds)`,
			)
		}
		if ((at as number) < nowMs) past.push(i)
	}
	const ids = ev.timeslots.map((s) => s.identifier)
	if (new Set(ids).size !== ids.length) fail(400, 'time_picker_schema', 'time slot identifiers must be unique')
	if (past.length === 0) return []
	const all = past.length === ev.timeslots.length
	return [
		{
			rule: 'time_slot_past',
			path: `interactiveData.data.event.timeslots[${past[0]}].startTime`,
			message: `${all ? 'all' : `${past.length} of ${ev.timeslots.length}`} slots are in the past (first: ${ev.timeslots[past[0] as number]?.startTime}); the customer cannot book them`,
		},
	]
}
