/**
 * Interactive replies normalised per kind (issue 5; docs/apple-interactive.md §3, §5.1–5.8),
 * so a business reads "the customer chose X" instead of Apple's echo of the whole request. The
 * reply is matched with the request we sent (by requestIdentifier) to recover ids and titles
 * that the device does not repeat. Input is whatever arrived — inline `interactiveData`, or the
 * decoded IDR blob, whose root may be the interactiveData dict or wrap it (§3.2 [U]) — and odd
 * payloads never throw: they come back as kind `unknown`. The caller keeps Apple's raw payload
 * beside the result for anything not covered here.
 */
import { z } from 'zod'
import { parseAppleTime } from './outbound/apple-time'
import { notificationAnswer } from './notification'
import { APPLE_BUSINESS_EXTENSION_BID } from './outbound/apple-body'
import { type FormPageAnswers, formAnswers } from './reply-form'
import { asObj, Int, listOf, Num, type Obj, Str } from './reply-fields'

export type { FormAnswer, FormPageAnswers } from './reply-form'

export type ReplyKind = 'quickReply' | 'listPicker' | 'timePicker' | 'form' | 'iMessageApp' | 'authenticate' | 'applePay' | 'invitation' | 'unknown'

export interface ReplyBase {
	/** `data.requestIdentifier` (for iMessage apps, whose replies carry no `data`: `sessionIdentifier`). */
	requestId: string | null
	sessionId: string | null
	/** What the customer's bubble says: `replyMessage.alternateTitle`, else its `title`. */
	displayText: string | null
	/** True when ids and titles could be taken from the request we sent. */
	matchedRequest: boolean
}

export interface ListPickerChoice {
	sectionIndex: number | null
	sectionTitle: string | null
	id: string | null
	title: string | null
}

export interface TimeSlotChoice {
	id: string | null
	/** RFC 3339 in the event's `timezoneOffset` (UTC `Z` when the event has none); null if unreadable. */
	start: string | null
	durationSeconds: number | null
	/** `startTime` exactly as Apple sent it. */
	appleStartTime: string | null
}

export type NormalisedReply = ReplyBase &
	(
		| { kind: 'quickReply'; selected: { index: number; id: string | null; title: string | null } | null }
		| { kind: 'listPicker'; selected: ListPickerChoice[] }
		| { kind: 'timePicker'; eventId: string | null; timezoneOffset: number | null; slot: TimeSlotChoice | null }
		| { kind: 'form'; pages: FormPageAnswers[] }
		| { kind: 'iMessageApp'; url: string | null; query: Record<string, string> }
		| { kind: 'authenticate'; outcome: 'pending-hosted-flow'; status: string | null; raw: Obj }
		| { kind: 'applePay'; outcome: 'pending-hosted-flow'; status: string | null; raw: Obj }
		/** The answer to an invitation (notification.ts): the option chosen, as Apple shows it. */
		| { kind: 'invitation'; selected: { title: string | null; subtitle: string | null; id: string | null } | null; referenceId: string | null }
		| { kind: 'unknown' }
	)

const ReplyMessage = z.looseObject({ title: Str, alternateTitle: Str })

const InteractiveData = z.looseObject({
	bid: Str,
	URL: Str,
	sessionIdentifier: Str,
	data: z.record(z.string(), z.unknown()).optional().catch(undefined),
	replyMessage: ReplyMessage.optional().catch(undefined),
})
type InteractiveData = z.output<typeof InteractiveData>

/** The interactiveData dict, whether given directly, wrapped in a body, or as a bare `data`. */
function interactiveDataOf(input: unknown): InteractiveData | null {
	const root = asObj(input)
	if (!root) return null
	const inner = asObj(root.interactiveData)
	const dict = inner ?? root
	const parsed = InteractiveData.safeParse(dict)
	return parsed.success ? parsed.data : null
}

/** The request's `data` (the body, its interactiveData, or the data itself may be given). */
function requestDataOf(request: unknown): Obj | undefined {
	const root = asObj(request)
	if (!root) return undefined
	const dict = asObj(root.interactiveData) ?? root
	return asObj(dict.data) ?? (dict.bid === undefined ? dict : undefined)
}

const TYPE_KEYS: [string, ReplyKind][] = [
	['quick-reply', 'quickReply'],
	['listPicker', 'listPicker'],
	['event', 'timePicker'],
	// Older replies nest the event under `timePicker` (CW-FORK, §5.3).
	['timePicker', 'timePicker'],
	['dynamic', 'form'],
	['authenticate', 'authenticate'],
	// Webex's name for the AUTH2 reply (§5.6 [U]).
	['newAuthenticate', 'authenticate'],
	['payment', 'applePay'],
]

function kindOfData(data: Obj | undefined): ReplyKind | null {
	if (!data) return null
	for (const [key, kind] of TYPE_KEYS) if (asObj(data[key])) return kind
	return null
}

/** A reply from the business's own iMessage extension (§5.7): its own bid, a URL, or an archiver blob. */
function isIMessageApp(d: InteractiveData, root: Obj): boolean {
	if (d.URL !== undefined || Array.isArray(root.$objects)) return true
	return d.bid !== undefined && d.bid !== APPLE_BUSINESS_EXTENSION_BID && kindOfData(d.data) === null
}

// ——— quick reply (§5.1): `selectedIndex` into the items ———

const Choice = z.looseObject({ identifier: Str, title: Str })
const QuickReply = z.looseObject({ selectedIndex: Int, items: listOf(Choice) })

function quickReply(data: Obj, request: Obj | undefined) {
	const reply = QuickReply.parse(asObj(data['quick-reply']) ?? {})
	const index = reply.selectedIndex
	if (index === undefined || index < 0) return { kind: 'quickReply' as const, selected: null }
	const sent = QuickReply.parse(asObj(request?.['quick-reply']) ?? {}).items[index]
	const echoed = reply.items[index]
	return {
		kind: 'quickReply' as const,
		selected: { index, id: sent?.identifier ?? echoed?.identifier ?? null, title: sent?.title ?? echoed?.title ?? null },
	}
}

// ——— list picker (§5.2): the reply is the subset of sections/items chosen ———

const ListItem = z.looseObject({ identifier: Str, title: Str })
const ListSection = z.looseObject({ title: Str, order: Int, items: listOf(ListItem) })
const ListPicker = z.looseObject({ sections: listOf(ListSection) })

function listPicker(data: Obj, request: Obj | undefined) {
	const reply = ListPicker.parse(asObj(data.listPicker) ?? {})
	const sent = ListPicker.parse(asObj(request?.listPicker) ?? {}).sections
	const selected: ListPickerChoice[] = []
	const seen = new Set<string>()
	reply.sections.forEach((section, s) => {
		for (const item of section.items) {
			const id = item.identifier ?? null
			// Where we sent it: identifiers are unique in the picker (preflight checks it).
			const at = id === null ? -1 : sent.findIndex((x) => x.items.some((i) => i.identifier === id))
			const sentSection = at >= 0 ? sent[at] : undefined
			const sentItem = sentSection?.items.find((i) => i.identifier === id)
			const choice = {
				sectionIndex: at >= 0 ? at : (section.order ?? s),
				sectionTitle: sentSection?.title ?? section.title ?? null,
				id,
				title: sentItem?.title ?? item.title ?? null,
			}
			const key = `${choice.sectionIndex}\u0000${id}`
			if (!seen.has(key)) {
				seen.add(key)
				selected.push(choice)
			}
		}
	})
	return { kind: 'listPicker' as const, selected }
}

// ——— time picker (§5.3): the event echoed with only the chosen slot ———

const Slot = z.looseObject({ identifier: Str, startTime: Str, duration: Num })
const Event = z.looseObject({ identifier: Str, timezoneOffset: Int, timeslots: listOf(Slot) })

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0')

/** RFC 3339 of `ms` in a zone `offset` minutes east of UTC (second precision, as Apple gives minutes). */
export function formatRfc3339(ms: number, offset: number | null): string {
	const shifted = new Date(ms + (offset ?? 0) * 60_000).toISOString().slice(0, 19)
	if (offset === null) return `${shifted}Z`
	const sign = offset < 0 ? '-' : '+'
	return `${shifted}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
}

function eventOf(data: Obj | undefined): Obj | undefined {
	return asObj(data?.event) ?? asObj(asObj(data?.timePicker)?.event)
}

function timePicker(data: Obj, request: Obj | undefined) {
	const reply = Event.parse(eventOf(data) ?? {})
	const sent = Event.parse(eventOf(request) ?? {})
	// Minutes from GMT of the event's place (§5.3); ±14 h is every real zone.
	const rawOffset = reply.timezoneOffset ?? sent.timezoneOffset
	const offset = rawOffset !== undefined && Math.abs(rawOffset) <= 14 * 60 ? rawOffset : null
	const chosen = reply.timeslots[0]
	let slot: TimeSlotChoice | null = null
	if (chosen) {
		const sentSlot = sent.timeslots.find((x) => x.identifier !== undefined && x.identifier === chosen.identifier)
		const appleStart = chosen.startTime ?? sentSlot?.startTime ?? null
		const ms = appleStart === null ? null : parseAppleTime(appleStart)
		const duration = chosen.duration ?? sentSlot?.duration
		slot = {
			id: chosen.identifier ?? null,
			start: ms === null ? null : formatRfc3339(ms, offset),
			durationSeconds: duration !== undefined && Number.isFinite(duration) ? Math.round(duration) : null,
			appleStartTime: appleStart,
		}
	}
	return { kind: 'timePicker' as const, eventId: reply.identifier ?? sent.identifier ?? null, timezoneOffset: offset, slot }
}

// ——— iMessage app (§5.7, §3.2): the extension's URL query ———

const MAX_QUERY_KEYS = 100

/** The query string data handed to the extension: `?a=b`, a full URL, or an archiver blob's `?…` string. */
function iMessageApp(d: InteractiveData, root: Obj) {
	let url = d.URL ?? null
	if (url === null && Array.isArray(root.$objects)) {
		// NSKeyedArchiver as JSON: the URL is the `$objects` string that starts with `?` (CW-FORK, [C1]).
		const found = root.$objects.find((o): o is string => typeof o === 'string' && o.startsWith('?'))
		url = found ?? null
	}
	const query: Record<string, string> = {}
	if (url !== null) {
		const at = url.indexOf('?')
		const params = new URLSearchParams(at >= 0 ? url.slice(at + 1) : url)
		let n = 0
		for (const [key, value] of params) {
			if (n++ >= MAX_QUERY_KEYS) break
			if (!(key in query)) query[key] = value
		}
	}
	return { kind: 'iMessageApp' as const, url, query }
}

/** The extension's reply bubble, base64 JSON in the `replyMessage` query parameter (CW-FORK, [C1]). */
function bubbleFromQuery(query: Record<string, string>): string | null {
	const encoded = query.replyMessage
	if (encoded === undefined) return null
	try {
		const parsed = ReplyMessage.safeParse(JSON.parse(atob(encoded)))
		return parsed.success ? (parsed.data.alternateTitle ?? parsed.data.title ?? null) : null
	} catch {
		return null
	}
}

// ——— authentication (§5.6) and Apple Pay (§5.5): completed by the hosted flows ———

const Status = z.looseObject({ status: Str, authStatus: Str, result: Str })

function hostedFlow(kind: 'authenticate' | 'applePay', data: Obj) {
	const key = kind === 'applePay' ? 'payment' : asObj(data.authenticate) ? 'authenticate' : 'newAuthenticate'
	const raw = asObj(data[key]) ?? {}
	const s = Status.parse(raw)
	const top = Status.parse(data)
	return { kind, outcome: 'pending-hosted-flow' as const, status: s.status ?? s.authStatus ?? s.result ?? top.status ?? null, raw }
}

function dispatch(kind: ReplyKind, data: Obj, request: Obj | undefined) {
	switch (kind) {
		case 'quickReply':
			return quickReply(data, request)
		case 'listPicker':
			return listPicker(data, request)
		case 'timePicker':
			return timePicker(data, request)
		case 'form':
			return { kind, pages: formAnswers(asObj(data.dynamic) ?? {}, asObj(request?.dynamic)) }
		case 'authenticate':
		case 'applePay':
			return hostedFlow(kind, data)
		default:
			return { kind: 'unknown' as const }
	}
}

/**
 * What to store at send time for matching replies later: the request's `data` reduced to what
 * normaliseReply reads. Images (up to hundreds of KB), the Apple Pay merchant session and the
 * legacy OAuth client secret are left out; authentication and Apple Pay keep only their key, so
 * the kind is still known. null when the body is not an interactive request.
 */
export function requestForMatching(body: unknown): Obj | null {
	const root = asObj(body)
	const dict = asObj(root?.interactiveData) ?? root
	const data = asObj(dict?.data)
	if (!dict || !data) {
		const session = Str.parse(dict?.sessionIdentifier)
		// iMessage apps send no data; their session identifier is what replies echo (render.ts).
		return session === undefined ? null : { requestIdentifier: session }
	}
	const out: Obj = {}
	for (const key of ['requestIdentifier', 'quick-reply', 'listPicker', 'event', 'dynamic']) {
		if (data[key] !== undefined) out[key] = data[key]
	}
	for (const key of ['authenticate', 'payment']) if (data[key] !== undefined) out[key] = {}
	return out
}

/**
 * Normalise a reply. `request` is what we sent for it (the Apple body, its interactiveData or
 * interactiveData.data); it is used only when its requestIdentifier matches the reply's.
 */
export function normaliseReply(interactiveData: unknown, request?: unknown): NormalisedReply {
	const unknown = (base: ReplyBase): NormalisedReply => ({ ...base, kind: 'unknown' })
	const empty: ReplyBase = { requestId: null, sessionId: null, displayText: null, matchedRequest: false }
	try {
		const root = asObj(interactiveData)
		const d = interactiveDataOf(interactiveData)
		if (!root || !d) return unknown(empty)
		const data = d.data ?? {}
		const requestId = Str.parse(data.requestIdentifier) ?? null
		const bubble = ReplyMessage.safeParse(asObj(data.replyMessage) ?? d.replyMessage ?? {})
		const base: ReplyBase = {
			requestId,
			sessionId: d.sessionIdentifier ?? null,
			displayText: bubble.success ? (bubble.data.alternateTitle ?? bubble.data.title ?? null) : null,
			matchedRequest: false,
		}
		const sentData = requestDataOf(request)
		const sentId = Str.parse(sentData?.requestIdentifier)
		const matched = sentData !== undefined && (requestId === null || sentId === undefined || sentId === requestId)
		const sent = matched ? sentData : undefined
		base.matchedRequest = matched

		const invitation = notificationAnswer(d)
		if (invitation) {
			// Apple's template id is on the invitation (invitation.updated); `templateId` on the event is the business's own template.
			const { choice, referenceId } = invitation
			return { ...base, displayText: base.displayText ?? choice?.title ?? null, kind: 'invitation', selected: choice, referenceId }
		}
		const kind = kindOfData(d.data)
		if (kind === null && isIMessageApp(d, asObj(root.interactiveData) ?? root)) {
			const app = iMessageApp(d, asObj(root.interactiveData) ?? root)
			return {
				...base,
				// The extension's message carries no data; its session identifier is the request's (render.ts).
				requestId: requestId ?? base.sessionId,
				displayText: base.displayText ?? bubbleFromQuery(app.query),
				...app,
			}
		}
		// A reply without its type key (e.g. an IDR holding only the bubbles) still says what it answers.
		const resolved = kind ?? kindOfData(sent) ?? 'unknown'
		return { ...base, ...dispatch(resolved, data, sent) }
	} catch {
		return unknown(empty)
	}
}
