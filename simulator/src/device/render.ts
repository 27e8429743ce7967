/**
 * The rendered model of a thread: what Messages would show for each message, in a shape the
 * device page and tests both read (GET /sim/api/customers/:id/messages). Business messages
 * are turned into bubbles, cards and pickers; customer messages show what was sent and how
 * the MSP answered. Images travel as data: URLs so the page needs no extra round trips.
 */
import { isObject } from '../gateway/zod-check'
import type { DeviceKind, GatewayWarning, StoredMessage } from '../state/types'
import { interactiveOf } from './customer-actions'
import { unsupportedOn, type Unsupported } from './device-support'
import { invitationOf } from './invitations'

type Dict = Record<string, unknown>
const asDict = (v: unknown): Dict => (isObject(v) ? v : {})
const asArray = (v: unknown): Dict[] => (Array.isArray(v) ? v.filter(isObject) : [])
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export interface RenderedAttachment {
	index: number
	name: string
	mimeType: string
	size: number
	/** GET this (simulator-relative) to download the decrypted file. */
	downloadPath: string
}

export interface Bubble {
	title?: string
	subtitle?: string
	style?: string
	imageDataUrl?: string
}

export type View =
	| { kind: 'text'; text: string; attachments: RenderedAttachment[] }
	| { kind: 'typing'; active: boolean }
	| { kind: 'richLink'; url: string; title: string; imageDataUrl?: string; videoUrl?: string }
	| { kind: 'quickReply'; prompt: string; items: Array<{ identifier: string; title: string }> }
	| {
			kind: 'listPicker'
			bubble: Bubble
			sections: Array<{
				title?: string
				multipleSelection: boolean
				items: Array<{ identifier: string; title: string; subtitle?: string; imageDataUrl?: string }>
			}>
	  }
	| {
			kind: 'timePicker'
			bubble: Bubble
			title?: string
			timezoneOffset?: number
			location?: Dict
			slots: Array<{ identifier: string; startTime: string; startIso: string | null; duration: number }>
	  }
	| { kind: 'form'; bubble: Bubble; title?: string; showSummary: boolean; startPageIdentifier: string; splash?: Dict; pages: Dict[] }
	| { kind: 'applePay'; bubble: Bubble; merchantName?: string; total: Dict; lineItems: Dict[]; currencyCode?: string }
	| { kind: 'authenticate'; bubble: Bubble; flow: 'new' | 'legacy'; scope: string[]; redirectURI?: string }
	| { kind: 'iMessageApp'; bubble: Bubble; appName?: string; appIconDataUrl?: string; url?: string }
	| { kind: 'customer'; text?: string; attachments: RenderedAttachment[]; replyTitle?: string; viaDataRef: boolean }
	/** An invitation (notification message): the template with the business's brand, Accept / Decline. */
	| { kind: 'invitation'; templateId: string; referenceId: string; brandName?: string; logoDataUrl?: string }
	/** The customer declined an invitation: a `close` with `referenceIds`, not a deleted conversation. */
	| { kind: 'declined'; referenceIds: string[] }
	| { kind: 'other'; summary: string }

export interface RenderedMessage {
	seq: number
	id: string
	at: number
	sender: 'business' | 'customer'
	businessId: string
	type: string
	endpoint: string
	/** interactive: the requestIdentifier, to match replies */
	requestIdentifier?: string
	/** interactive from the business: the customer's answer so far, if any */
	answered?: { title: string; messageId: string }
	/** customer messages: the MSP's HTTP status (0 = unreachable) */
	mspStatus: number | null
	mspResponse: string | null
	/** Business messages Apple accepted with a warning (past time slots, no app icon…). */
	warnings: GatewayWarning[]
	/** Business messages the customer's current device cannot show (it shows a placeholder). */
	unsupported?: Unsupported
	view: View
}

function imageMap(data: Dict): Map<string, string> {
	const map = new Map<string, string>()
	for (const img of asArray(data.images)) {
		const id = str(img.identifier)
		const b64 = str(img.data)
		if (id && b64) map.set(id, `data:${sniffImage(b64)};base64,${b64}`)
	}
	return map
}

function sniffImage(b64: string): string {
	if (b64.startsWith('iVBOR')) return 'image/png'
	if (b64.startsWith('/9j/')) return 'image/jpeg'
	if (b64.startsWith('R0lGOD')) return 'image/gif'
	if (b64.startsWith('UklGR')) return 'image/webp'
	return 'image/png'
}

function bubbleOf(v: unknown, images: Map<string, string>): Bubble {
	const b = asDict(v)
	const out: Bubble = {}
	if (str(b.title)) out.title = str(b.title) as string
	if (str(b.subtitle)) out.subtitle = str(b.subtitle) as string
	if (str(b.style)) out.style = str(b.style) as string
	const img = str(b.imageIdentifier) && images.get(b.imageIdentifier as string)
	if (img) out.imageDataUrl = img
	return out
}

/** `2026-07-10T17:00+0000` → RFC 3339, for the page's local-time display. */
export function slotIso(startTime: string): string | null {
	const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::\d{2})?(Z|[+-]\d{2}:?\d{2})$/.exec(startTime)
	if (!m) return null
	const zone = m[2] === 'Z' ? 'Z' : `${(m[2] as string).slice(0, 3)}:${(m[2] as string).slice(-2)}`
	const d = new Date(`${m[1]}:00${zone}`)
	return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

function attachmentsOf(customerId: string, msg: StoredMessage): RenderedAttachment[] {
	return asArray(msg.body.attachments).map((a, index) => ({
		index,
		name: str(a.name) ?? `attachment-${index}`,
		mimeType: str(a.mimeType) ?? 'application/octet-stream',
		size: Number(a.size ?? 0),
		downloadPath: `/sim/api/customers/${encodeURIComponent(customerId)}/messages/${encodeURIComponent(msg.id)}/attachments/${index}`,
	}))
}

export function renderInteractive(idata: Dict): View {
	const data = asDict(idata.data)
	const images = imageMap(data)
	const bubble = bubbleOf(idata.receivedMessage, images)
	if (data['quick-reply']) {
		const qr = asDict(data['quick-reply'])
		return {
			kind: 'quickReply',
			prompt: str(qr.summaryText) ?? '',
			items: asArray(qr.items).map((i) => ({ identifier: String(i.identifier), title: String(i.title) })),
		}
	}
	if (data.listPicker) {
		const lp = asDict(data.listPicker)
		return {
			kind: 'listPicker',
			bubble,
			sections: asArray(lp.sections)
				.sort((a, b) => Number(a.order ?? 0) - Number(b.order ?? 0))
				.map((s) => ({
					...(str(s.title) ? { title: str(s.title) as string } : {}),
					multipleSelection: (s.multipleSelection ?? lp.multipleSelection) === true,
					items: asArray(s.items)
						.sort((a, b) => Number(a.order ?? 0) - Number(b.order ?? 0))
						.map((i) => {
							const img = str(i.imageIdentifier) && images.get(i.imageIdentifier as string)
							return {
								identifier: String(i.identifier),
								title: String(i.title),
								...(str(i.subtitle) ? { subtitle: str(i.subtitle) as string } : {}),
								...(img ? { imageDataUrl: img } : {}),
							}
						}),
				})),
		}
	}
	if (data.event) {
		const ev = asDict(data.event)
		return {
			kind: 'timePicker',
			bubble,
			...(str(ev.title) ? { title: str(ev.title) as string } : {}),
			...(typeof ev.timezoneOffset === 'number' ? { timezoneOffset: ev.timezoneOffset } : {}),
			...(isObject(ev.location) ? { location: ev.location } : {}),
			slots: asArray(ev.timeslots).map((s) => ({
				identifier: String(s.identifier),
				startTime: String(s.startTime),
				startIso: slotIso(String(s.startTime)),
				duration: Number(s.duration ?? 0),
			})),
		}
	}
	if (data.dynamic) {
		const form = asDict(asDict(data.dynamic).data)
		return {
			kind: 'form',
			bubble,
			...(str(form.title) ? { title: str(form.title) as string } : {}),
			showSummary: form.showSummary === true,
			startPageIdentifier: str(form.startPageIdentifier) ?? '0',
			...(isObject(form.splash) ? { splash: form.splash } : {}),
			pages: asArray(form.pages),
		}
	}
	if (data.payment) {
		const req = asDict(asDict(data.payment).paymentRequest)
		return {
			kind: 'applePay',
			bubble,
			...(str(req.merchantName) ? { merchantName: str(req.merchantName) as string } : {}),
			total: asDict(req.total),
			lineItems: asArray(req.lineItems),
			...(str(req.currencyCode) ? { currencyCode: str(req.currencyCode) as string } : {}),
		}
	}
	if (data.authenticate) {
		const o = asDict(asDict(data.authenticate).oauth2)
		const redirect = str(o.redirectURI) ?? str(o.redirectUri)
		return {
			kind: 'authenticate',
			bubble,
			flow: redirect ? 'new' : 'legacy',
			scope: Array.isArray(o.scope) ? o.scope.map(String) : [],
			...(redirect ? { redirectURI: redirect } : {}),
		}
	}
	const icon = str(idata.appIcon)
	return {
		kind: 'iMessageApp',
		bubble: bubbleOf(idata.receivedMessage, new Map()),
		...(str(idata.appName) ? { appName: str(idata.appName) as string } : {}),
		...(icon ? { appIconDataUrl: `data:${sniffImage(icon)};base64,${icon}` } : {}),
		...(str(idata.URL) ? { url: str(idata.URL) as string } : {}),
	}
}

function renderBusiness(customerId: string, msg: StoredMessage): View {
	switch (msg.type) {
		case 'text':
			return { kind: 'text', text: String(msg.body.body ?? ''), attachments: attachmentsOf(customerId, msg) }
		case 'typing_start':
		case 'typing_end':
			return { kind: 'typing', active: msg.type === 'typing_start' }
		case 'richLink': {
			const d = asDict(msg.body.richLinkData)
			const assets = asDict(d.assets)
			const image = asDict(assets.image)
			return {
				kind: 'richLink',
				url: str(d.url) ?? '',
				title: str(d.title) ?? str(asDict(msg.body.richLinkDataRef).title) ?? '',
				...(str(image.data) ? { imageDataUrl: `data:${str(image.mimeType) ?? 'image/png'};base64,${image.data as string}` } : {}),
				...(str(asDict(assets.video).url) ? { videoUrl: str(asDict(assets.video).url) as string } : {}),
			}
		}
		case 'interactive': {
			const inv = invitationOf(msg)
			if (inv) {
				return {
					kind: 'invitation',
					templateId: inv.templateId,
					referenceId: inv.referenceId,
					...(inv.brandName ? { brandName: inv.brandName } : {}),
					...(inv.logo ? { logoDataUrl: `data:image/png;base64,${inv.logo}` } : {}),
				}
			}
			const idata = interactiveOf(msg)
			return idata ? renderInteractive(idata) : { kind: 'other', summary: 'interactive message' }
		}
		default:
			return { kind: 'other', summary: msg.type }
	}
}

/**
 * What the customer's reply bubble says. A time picker's replyMessage keeps the business's
 * title ("Booked"); the chosen time is its `alternateTitle`, and that is what the customer picked.
 */
function replyTitleOf(msg: StoredMessage): string | undefined {
	const idata = asDict(msg.resolvedInteractive ?? msg.body.interactiveData)
	const data = asDict(idata.data)
	const choice = asDict(asDict(asDict(data.notification).displayContent).determinateResponse)
	if (str(choice.title)) return str(choice.title)
	const reply = { ...asDict(idata.replyMessage), ...asDict(data.replyMessage) }
	if (data.event !== undefined && str(reply.alternateTitle)) return str(reply.alternateTitle)
	return str(reply.title) ?? str(asDict(msg.body.interactiveDataRef).title)
}

function requestIdOf(msg: StoredMessage): string | undefined {
	if (msg.sender === 'business') return str(asDict(interactiveOf(msg)?.data).requestIdentifier)
	return str(asDict(asDict(msg.resolvedInteractive ?? msg.body.interactiveData).data).requestIdentifier)
}

/**
 * Render a thread, marking each business request with the customer's first answer to it and,
 * given the customer's device, each business message that device cannot show.
 */
export function renderThread(customerId: string, messages: StoredMessage[], device?: DeviceKind): RenderedMessage[] {
	const answers = new Map<string, { title: string; messageId: string }>()
	for (const m of messages) {
		if (m.sender !== 'customer' || m.type !== 'interactive') continue
		const rid = requestIdOf(m)
		if (rid && !answers.has(rid)) answers.set(rid, { title: replyTitleOf(m) ?? 'Replied', messageId: m.id })
	}
	const declined = new Map<string, string>()
	for (const m of messages) {
		if (m.sender !== 'customer' || m.type !== 'close' || !Array.isArray(m.body.referenceIds)) continue
		for (const ref of m.body.referenceIds) if (typeof ref === 'string' && !declined.has(ref)) declined.set(ref, m.id)
	}
	return messages.map((m) => {
		const requestIdentifier = m.type === 'interactive' ? requestIdOf(m) : undefined
		const inv = m.sender === 'business' ? invitationOf(m) : null
		const declinedBy = inv ? declined.get(inv.referenceId) : undefined
		const answered = declinedBy
			? { title: 'Declined', messageId: declinedBy }
			: m.sender === 'business' && requestIdentifier
				? answers.get(requestIdentifier)
				: undefined
		const view: View =
			m.sender === 'business'
				? renderBusiness(customerId, m)
				: m.type === 'text'
					? { kind: 'customer', text: String(m.body.body ?? ''), attachments: attachmentsOf(customerId, m), viaDataRef: false }
					: m.type === 'interactive'
						? {
								kind: 'customer',
								...(replyTitleOf(m) ? { replyTitle: replyTitleOf(m) as string } : {}),
								attachments: [],
								viaDataRef: m.body.interactiveDataRef !== undefined,
							}
						: m.type === 'close' && Array.isArray(m.body.referenceIds)
							? { kind: 'declined', referenceIds: m.body.referenceIds.map(String) }
							: { kind: 'other', summary: m.type }
		const unsupported = m.sender === 'business' && device ? unsupportedOn(view, device) : null
		return {
			seq: m.seq,
			id: m.id,
			at: m.at,
			sender: m.sender,
			businessId: m.businessId,
			type: m.type,
			endpoint: m.endpoint,
			...(requestIdentifier ? { requestIdentifier } : {}),
			...(answered ? { answered } : {}),
			mspStatus: m.mspStatus,
			mspResponse: m.mspResponse,
			warnings: m.warnings,
			...(unsupported ? { unsupported } : {}),
			view,
		}
	})
}
