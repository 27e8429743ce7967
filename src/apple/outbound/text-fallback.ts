/**
 * A readable text version of any message, for devices that cannot show it (see
 * docs/apple-protocol.md §6.1: "degrade to text"; the content is the MSP's choice). Options are
 * numbered so the customer can answer with a number; times are written out with their UTC
 * offset because the customer's own zone is unknown. The wording is English; the business's
 * own titles and items pass through untouched.
 */
import { parseAppleTime, parseRfc3339 } from './apple-time'
import type { AppleMessage, FormMessage, RenderableMessage, TextMessage, TimePickerMessage, TypingMessage } from './business-message'

/** Everything but a typing indicator, which needs no fallback. */
export type FallbackSource = Exclude<RenderableMessage, TypingMessage>

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number) => String(n).padStart(2, '0')

const ONE = 'Reply with the number of your choice.'
const MANY = 'Reply with the numbers of your choices, separated by commas.'
const UNSUPPORTED = 'This message cannot be shown on this device.'

function zoneLabel(offsetMinutes: number): string {
	if (offsetMinutes === 0) return 'UTC'
	const abs = Math.abs(offsetMinutes)
	return `UTC${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

function wallClock(epochMs: number, offsetMinutes: number) {
	const d = new Date(epochMs + offsetMinutes * 60_000)
	return {
		day: `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`,
		time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
	}
}

/** `Thu 10 Jul 2025, 10:00–11:00 (UTC-07:00)`; a slot crossing midnight names both days. */
export function formatTimeSlot(startMs: number, durationSeconds: number, offsetMinutes = 0): string {
	const start = wallClock(startMs, offsetMinutes)
	const end = wallClock(startMs + durationSeconds * 1000, offsetMinutes)
	const span = start.day === end.day ? `${start.day}, ${start.time}–${end.time}` : `${start.day}, ${start.time} – ${end.day}, ${end.time}`
	return `${span} (${zoneLabel(offsetMinutes)})`
}

/** Non-empty parts joined by newlines; blocks separated by a blank line. */
function paragraphs(...blocks: (string | undefined | false)[][]): string {
	return blocks
		.map((block) => block.filter((line): line is string => typeof line === 'string' && line.trim() !== '').join('\n'))
		.filter((block) => block !== '')
		.join('\n\n')
}

const numbered = (titles: string[], from = 1) => titles.map((title, i) => `${from + i}. ${title}`)
const withSubtitle = (title: string, subtitle?: string) => (subtitle ? `${title} — ${subtitle}` : title)

function timePickerText(m: TimePickerMessage): string {
	const slots = m.slots.map((slot) => {
		const start = parseRfc3339(slot.start)
		return start === null ? slot.start : formatTimeSlot(start, slot.durationSeconds, m.timezoneOffset)
	})
	return paragraphs([m.title, m.subtitle, m.location?.title], numbered(slots), [ONE])
}

function formText(m: FormMessage): string {
	const questions = m.pages.map((page) => {
		const label = [page.title, page.subtitle].filter(Boolean).join(': ') || 'Question'
		const choices = page.type === 'select' || page.type === 'picker' ? ` (${page.items.map((i) => i.title).join(', ')})` : ''
		return `${label}${choices}`
	})
	return paragraphs([m.title, m.subtitle], numbered(questions), ['Please reply with your answers.'])
}

/** Raw payloads: the bubble text plus whatever list of choices Apple's keys reveal. */
function rawText(m: AppleMessage): string {
	const p = m.payload
	if (p.type === 'text') return p.body
	if (p.type === 'richLink') return paragraphs([p.richLinkData?.title, p.richLinkData?.url])
	if (p.type !== 'interactive') return ''
	const d = p.interactiveData
	const data = d?.data
	const head = [d?.receivedMessage?.title ?? p.interactiveDataRef?.title, d?.receivedMessage?.subtitle]
	if (data?.['quick-reply']) {
		const q = data['quick-reply']
		return paragraphs([q.summaryText], numbered(q.items.map((i) => i.title)), [ONE])
	}
	if (data?.listPicker) {
		const items = data.listPicker.sections.flatMap((s) => s.items.map((i) => withSubtitle(i.title, i.subtitle)))
		return paragraphs(head, numbered(items), [ONE])
	}
	if (data?.event) {
		const e = data.event
		const slots = e.timeslots.map((slot) => {
			const start = parseAppleTime(slot.startTime)
			return start === null ? slot.startTime : formatTimeSlot(start, slot.duration, e.timezoneOffset)
		})
		return paragraphs(head, [e.location?.title], numbered(slots), [ONE])
	}
	return paragraphs(head, [d?.URL?.startsWith('http') ? d.URL : undefined])
}

function fallbackText(m: FallbackSource): string {
	switch (m.type) {
		case 'text':
			return m.text
		case 'richLink':
			return paragraphs([m.title, m.url])
		case 'quickReply':
			return paragraphs([m.prompt], numbered(m.items.map((i) => i.title)), [ONE])
		case 'listPicker': {
			const multiple = m.sections.some((s) => s.multipleSelection)
			let n = 1
			const sections = m.sections.map((s) => {
				const lines = numbered(
					s.items.map((i) => withSubtitle(i.title, i.subtitle)),
					n,
				)
				n += s.items.length
				return m.sections.length > 1 ? [s.title, ...lines] : lines
			})
			return paragraphs([m.title, m.subtitle], ...sections, [multiple ? MANY : ONE])
		}
		case 'timePicker':
			return timePickerText(m)
		case 'form':
			return formText(m)
		case 'iMessageApp': {
			// `url` is usually a query string for the extension, not a page; then the App Store link helps more.
			const link = /^https?:\/\//i.test(m.url) ? m.url : `https://apps.apple.com/app/id${m.appId}`
			return paragraphs([m.receivedMessage.title, m.receivedMessage.subtitle], [`Open in ${m.appName}: ${link}`])
		}
		case 'applePay':
			return paragraphs(
				[m.receivedMessage?.title],
				(m.lineItems ?? []).map((i) => `${i.label}: ${i.amount}`),
				[`${m.total.label}: ${m.total.amount}`],
				[m.fallbackUrl && `Pay here: ${m.fallbackUrl}`],
			)
		case 'authenticate':
			return paragraphs(
				[m.title ?? m.receivedMessage?.title ?? 'Sign in', m.subtitle ?? m.receivedMessage?.subtitle],
				['Please sign in to continue. This device cannot show the sign-in request; open this conversation on an up-to-date iPhone or iPad.'],
			)
		case 'apple':
			return rawText(m)
	}
}

/** The message as readable text; `bot` is kept so Apple's `auto-reply` header stays right. */
export function deriveTextFallback(message: FallbackSource): TextMessage {
	const text = fallbackText(message)
	// Never send an empty bubble: the customer should at least learn that something was sent.
	const out: TextMessage = { type: 'text', text: text.trim() === '' ? UNSUPPORTED : text }
	if (message.bot !== undefined) out.bot = message.bot
	return out
}
