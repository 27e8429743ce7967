/**
 * The customer's answer to an interactive message, shaped as Apple delivers it to the MSP
 * (docs/apple-interactive.md §3.1): `interactiveData` with the request's `bid`, `data`
 * holding `requestIdentifier`, `version`, `replyMessage` (inside `data` in replies, with the
 * device's `alternateTitle`) and the type key with the answer; `sessionIdentifier` echoed or
 * generated. Per type: quick reply `selectedIndex` (§5.1), list picker the chosen subset of
 * sections/items plus all images (§5.2), time picker the chosen slot (§5.3), forms
 * `selections` (§5.8), authentication `status` (+ legacy `token`, §5.6), Apple Pay status (§5.5 [U]).
 */
import { z } from 'zod'
import { isObject } from '../gateway/zod-check'
import { eciesEncryptToken } from './ecies'

export const ReplySelection = z.object({
	/** quick reply: index into items, or an item identifier */
	selectedIndex: z.number().int().nonnegative().optional(),
	/** quick reply / time picker: the chosen identifier */
	identifier: z.string().optional(),
	/** list picker: chosen item identifiers */
	identifiers: z.array(z.string()).optional(),
	/** form: pageIdentifier → answer (select pages: item identifier(s); others: the value) */
	answers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
	/** authentication / Apple Pay outcome */
	outcome: z.enum(['authenticated', 'failed', 'success', 'failure']).optional(),
	/** legacy authentication: the access token to encrypt (default: a random one) */
	token: z.string().optional(),
	/** iMessage app: the URL query the extension replies with */
	url: z.string().optional(),
})
export type ReplySelection = z.infer<typeof ReplySelection>

export class ReplyError extends Error {}

/**
 * The card the simulated wallet pays with, as Apple's sample output shows a payment method:
 * `type` capitalised ("Credit", not Apple Pay JS's "credit").
 */
export const SIMULATED_CARD = { displayName: 'Visa 0492', network: 'Visa', type: 'Credit' } as const

type Dict = Record<string, unknown>

const asDict = (v: unknown): Dict => (isObject(v) ? v : {})
const asArray = (v: unknown): Dict[] => (Array.isArray(v) ? v.filter(isObject) : [])

function joinTitles(titles: string[]): string {
	if (titles.length <= 1) return titles[0] ?? ''
	return `${titles.slice(0, -1).join(', ')} and ${titles.at(-1)}`
}

/** "Dec 28, 2023 at 12:00 PM", the way the device renders a chosen slot (§2.4, A-PY/19). */
export function alternateTime(startTime: string, timezoneOffset: number | undefined): string {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(startTime)
	if (!m) return startTime
	const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
	const d = new Date(utc + (timezoneOffset ?? 0) * 60_000)
	const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })
	const hours = d.getUTCHours()
	const h12 = hours % 12 === 0 ? 12 : hours % 12
	const mm = String(d.getUTCMinutes()).padStart(2, '0')
	return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()} at ${h12}:${mm} ${hours < 12 ? 'AM' : 'PM'}`
}

export interface ReplyContext {
	/** The request's interactiveData (resolved if it came by data ref). */
	request: Dict
	selection: ReplySelection
	/** Set by the caller after the Apple Pay gateway answered. */
	paymentStatus?: string
}

/** Build the reply's interactiveData; throws ReplyError on a selection that does not fit. */
export async function buildReply(ctx: ReplyContext): Promise<Dict> {
	const req = ctx.request
	const reqData = asDict(req.data)
	const sel = ctx.selection
	const bubble = { ...asDict(req.replyMessage) }
	const base = (typeKey: string, answer: unknown, replyMessage: Dict): Dict => ({
		bid: req.bid,
		data: {
			requestIdentifier: reqData.requestIdentifier,
			version: (reqData.version as string | undefined) ?? (reqData.mspVersion as string | undefined) ?? '1.0',
			replyMessage,
			[typeKey]: answer,
		},
		sessionIdentifier: typeof req.sessionIdentifier === 'string' ? req.sessionIdentifier : crypto.randomUUID(),
	})

	if (reqData['quick-reply']) {
		const qr = asDict(reqData['quick-reply'])
		const items = asArray(qr.items)
		const index = sel.selectedIndex ?? items.findIndex((i) => i.identifier === sel.identifier)
		const chosen = items[index]
		if (!chosen) throw new ReplyError('quick reply: give selectedIndex or identifier of one of the items')
		return base('quick-reply', { ...qr, selectedIndex: index }, { ...bubble, title: chosen.title, alternateTitle: chosen.title })
	}
	if (reqData.listPicker) {
		const ids = new Set(sel.identifiers ?? (sel.identifier ? [sel.identifier] : []))
		if (ids.size === 0) throw new ReplyError('list picker: give identifiers of the chosen items')
		const sections = asArray(asDict(reqData.listPicker).sections)
		const chosenSections = sections
			.map((s) => ({ ...s, items: asArray(s.items).filter((i) => ids.has(String(i.identifier))) }))
			.filter((s) => s.items.length > 0)
		const titles = chosenSections.flatMap((s) => s.items.map((i) => String(i.title)))
		if (titles.length !== ids.size) throw new ReplyError('list picker: unknown item identifier')
		for (const s of sections) {
			const picked = asArray(s.items).filter((i) => ids.has(String(i.identifier))).length
			const multi = s.multipleSelection ?? asDict(reqData.listPicker).multipleSelection
			if (picked > 1 && multi !== true) throw new ReplyError(`list picker: section "${String(s.title)}" allows one item`)
		}
		const reply = base('listPicker', { sections: chosenSections }, { ...bubble, title: joinTitles(titles), alternateTitle: joinTitles(titles) })
		// The reply echoes all of the picker's images, which is why it usually exceeds 10 KB (§3.2).
		if (reqData.images) (reply.data as Dict).images = reqData.images
		return reply
	}
	if (reqData.event) {
		const ev = asDict(reqData.event)
		const slot = asArray(ev.timeslots).find((s) => s.identifier === sel.identifier)
		if (!slot) throw new ReplyError('time picker: give the identifier of one of the time slots')
		const alt = alternateTime(String(slot.startTime), typeof ev.timezoneOffset === 'number' ? ev.timezoneOffset : undefined)
		return base('event', { ...ev, timeslots: [slot] }, { ...bubble, title: bubble.title ?? alt, alternateTitle: alt })
	}
	if (reqData.dynamic) return buildFormReply(reqData, sel, bubble, base)
	if (reqData.authenticate) {
		const oauth2 = asDict(asDict(reqData.authenticate).oauth2)
		const ok = (sel.outcome ?? 'authenticated') === 'authenticated'
		const answer: Dict = { status: ok ? 'authenticated' : 'failed' }
		if (ok && typeof oauth2.responseEncryptionKey === 'string') {
			answer.token = await eciesEncryptToken(oauth2.responseEncryptionKey, sel.token ?? `sim-access-token-${crypto.randomUUID()}`)
		}
		const title = ok ? (bubble.title ?? 'You signed in') : 'Authentication failed'
		return base('authenticate', answer, { ...bubble, title, alternateTitle: title })
	}
	if (reqData.payment) {
		const status = ctx.paymentStatus ?? 'STATUS_SUCCESS'
		const ok = status === 'STATUS_SUCCESS'
		const total = asDict(asDict(asDict(reqData.payment).paymentRequest).total)
		const title = ok ? `Paid ${String(total.amount ?? '')}`.trim() : 'Payment failed'
		return base('payment', { status, paymentMethod: SIMULATED_CARD, transactionIdentifier: crypto.randomUUID() }, { title, alternateTitle: title })
	}
	// iMessage app (custom extension): the extension answers with its URL query (§5.7 [U]).
	return {
		bid: req.bid,
		URL: sel.url ?? (typeof req.URL === 'string' ? `${req.URL}&reply=1` : '?reply=1'),
		sessionIdentifier: typeof req.sessionIdentifier === 'string' ? req.sessionIdentifier : crypto.randomUUID(),
		replyMessage: { ...bubble, title: bubble.title ?? String(req.appName ?? 'Reply') },
	}
}

function buildFormReply(reqData: Dict, sel: ReplySelection, bubble: Dict, base: (typeKey: string, answer: unknown, replyMessage: Dict) => Dict): Dict {
	const dyn = asDict(reqData.dynamic)
	const pages = asArray(asDict(dyn.data).pages)
	const answers = sel.answers ?? {}
	const selections = []
	for (const page of pages) {
		const pageId = String(page.pageIdentifier)
		const given = answers[pageId]
		if (given === undefined) continue
		const values = Array.isArray(given) ? given : [given]
		const type = String(page.type)
		let items
		if (type === 'select' || type === 'picker') {
			const pageItems = asArray(page.items)
			items = values.map((v) => {
				const item = pageItems.find((i) => i.identifier === v || i.value === v)
				if (!item) throw new ReplyError(`form: page ${pageId} has no item ${v}`)
				return { identifier: item.identifier, type, title: item.title, value: item.value ?? item.title }
			})
		} else {
			items = values.map((v) => ({ identifier: pageId, type, title: page.title, value: v }))
		}
		selections.push({ pageIdentifier: pageId, title: page.title, subtitle: page.subtitle, items })
	}
	if (selections.length === 0) throw new ReplyError('form: give answers keyed by pageIdentifier')
	const title = 'Tap to view your response.'
	return base(
		'dynamic',
		{ template: dyn.template ?? 'messageForms', version: dyn.version, private: dyn.private ?? false, selections },
		{ ...bubble, title: bubble.title ?? title, alternateTitle: title },
	)
}
