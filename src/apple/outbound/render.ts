/**
 * Business message → the exact JSON body Apple expects on `POST /v1/message` (or
 * `/v1/authenticate`), docs/apple-protocol.md §4 and docs/apple-interactive.md §2, §5.
 * Pure and synchronous: images arrive resolved (message-images.ts), merchant and OAuth data
 * arrive in the context, and templates are resolved before this point.
 *
 * Where Apple's sources differ we send what Apple's newest samples send (docs/product.md
 * "Protocol decisions"): `data.version: "1.0"` (not `mspVersion`), both bubbles for pickers,
 * time slots as `yyyy-MM-dd'T'HH:mm+0000`, forms as `dynamic` 1.1 / `messageForms`.
 * Text attachments are not rendered here: the platform uploads them and builds the body with
 * textBodyWithAttachments().
 */
import { APPLE_BUSINESS_EXTENSION_BID, type AppleMessageBody, AppleMessageBodySchema } from './apple-body'
import { rfc3339ToAppleTime } from './apple-time'
import type {
	AppleMessage,
	ApplePayMessage,
	AuthenticateMessage,
	Bubble,
	IMessageAppMessage,
	ListPickerMessage,
	QuickReplyMessage,
	RenderableMessage,
	RichLinkMessage,
	TimePickerMessage,
} from './business-message'
import { renderForm } from './render-form'
import { bubble, compact, envelope, imageOrThrow, imageTable, interactive, type RenderContext, RenderError, titledBubbles } from './render-parts'

export type { ApplePayContext, AuthenticateContext, RenderContext } from './render-parts'
export { RenderError } from './render-parts'

const OBJECT_REPLACEMENT = '\uFFFC'

function richLink(m: RichLinkMessage, ctx: RenderContext): AppleMessageBody {
	const path = m.image !== undefined ? 'image' : 'imageUrl'
	const ref = m.image ?? m.imageUrl
	const image = ref === undefined ? undefined : imageOrThrow(ref, ctx.images, path)
	return {
		...envelope(ctx),
		type: 'richLink',
		richLinkData: {
			url: m.url,
			// Apple requires a title (§5.4); the platform normally fills it from the page first.
			title: m.title ?? new URL(m.url).hostname,
			assets: compact({
				image: image && { data: image.data, mimeType: m.mimeType ?? image.mimeType },
				video: m.video && { url: m.video.url, mimeType: m.video.mimeType },
			}),
		},
	}
}

/** §5.1: Apple's sample sends no bubbles with a quick reply. */
function quickReply(m: QuickReplyMessage, ctx: RenderContext): AppleMessageBody {
	return interactive(ctx, null, {
		'quick-reply': {
			summaryText: m.prompt,
			items: m.items.map((item) => ({ identifier: item.id, title: item.title })),
		},
	})
}

/** §5.2: item `order` counts within its section and `style` is "default", as in Apple's samples. */
function listPicker(m: ListPickerMessage, ctx: RenderContext): AppleMessageBody {
	const table = imageTable(ctx.images)
	const bubbles = titledBubbles(m, table)
	const sections = m.sections.map((section, s) => ({
		title: section.title,
		order: s,
		multipleSelection: section.multipleSelection ?? false,
		items: section.items.map((item, i) =>
			compact({
				identifier: item.id,
				order: i,
				style: 'default',
				title: item.title,
				subtitle: item.subtitle,
				imageIdentifier: table.idFor(item.image, `sections[${s}].items[${i}].image`),
			}),
		),
	}))
	return interactive(ctx, table, { listPicker: { sections } }, bubbles)
}

/** §5.3: slots in UTC with minute precision; `timezoneOffset` pins the display zone. */
function timePicker(m: TimePickerMessage, ctx: RenderContext): AppleMessageBody {
	const table = imageTable(ctx.images)
	const bubbles = titledBubbles(m, table)
	const timeslots = m.slots.map((slot, i) => {
		const startTime = rfc3339ToAppleTime(slot.start)
		if (startTime === null) throw new RenderError(`slots[${i}].start`, 'not an RFC 3339 date-time')
		return { identifier: slot.id ?? String(i), startTime, duration: slot.durationSeconds }
	})
	const event = compact({
		identifier: ctx.requestIdentifier,
		title: m.title,
		timezoneOffset: m.timezoneOffset,
		location: m.location && compact({ ...m.location }),
		timeslots,
	})
	return interactive(ctx, table, { event }, bubbles)
}

/**
 * §5.7: the business's own extension — no `data` (Apple answers 400 otherwise), app fields
 * instead; `attachments: []` and `useLiveLayout` as in Apple's sample A-PY/22. The request
 * identifier doubles as `sessionIdentifier` so that replies can be matched.
 */
function iMessageApp(m: IMessageAppMessage, ctx: RenderContext): AppleMessageBody {
	const custom = (b: Bubble) =>
		compact({
			title: b.title,
			subtitle: b.subtitle,
			imageTitle: b.imageTitle,
			imageSubtitle: b.imageSubtitle,
			secondarySubtitle: b.secondarySubtitle,
			tertiarySubtitle: b.tertiarySubtitle,
		})
	return {
		...envelope(ctx),
		type: 'interactive',
		interactiveData: compact({
			bid: m.bid,
			appId: Number(m.appId),
			appName: m.appName,
			appIcon: m.appIcon === undefined ? undefined : imageOrThrow(m.appIcon, ctx.images, 'appIcon').data,
			URL: m.url,
			sessionIdentifier: ctx.requestIdentifier,
			useLiveLayout: m.useLiveLayout ?? true,
			receivedMessage: custom(m.receivedMessage),
			replyMessage: m.replyMessage && custom(m.replyMessage),
		}),
		attachments: [],
	}
}

/** §5.5: the business's items and the merchant data from the context. */
function applePay(m: ApplePayMessage, ctx: RenderContext): AppleMessageBody {
	const pay = ctx.applePay
	if (!pay) throw new RenderError('type', 'Apple Pay is not configured for this business')
	const table = imageTable(ctx.images)
	const receivedMessage = bubble(
		{ title: m.total.label, subtitle: `${m.total.amount} ${pay.currencyCode}`, style: 'icon' },
		m.receivedMessage,
		table,
		'receivedMessage',
	)
	const paymentRequest = compact({
		applePay: {
			merchantIdentifier: pay.merchantIdentifier,
			supportedNetworks: pay.supportedNetworks,
			merchantCapabilities: pay.merchantCapabilities,
		},
		countryCode: pay.countryCode,
		currencyCode: pay.currencyCode,
		total: compact({ ...m.total }),
		lineItems: m.lineItems?.map((item) => compact({ ...item })),
		shippingMethods: m.shippingMethods?.map((method) => compact({ ...method })),
		requiredBillingContactFields: m.requiredBillingContactFields,
		requiredShippingContactFields: m.requiredShippingContactFields,
		shippingType: m.shippingType,
		supportedCountries: m.supportedCountries,
	})
	const endpoints = compact({ ...pay.endpoints, fallbackUrl: m.fallbackUrl ?? pay.endpoints.fallbackUrl })
	const payment = { paymentRequest, merchantSession: pay.merchantSession, endpoints }
	return interactive(ctx, table, { payment }, { receivedMessage })
}

/**
 * §5.6, shaped after Apple's 2025 sample A-PY/18 (including its empty `images`); sent to
 * `/v1/authenticate` (appleEndpointFor).
 */
function authenticate(m: AuthenticateMessage, ctx: RenderContext): AppleMessageBody {
	const auth = ctx.authenticate
	if (!auth) throw new RenderError('type', 'authentication is not configured for this business')
	const table = imageTable(ctx.images)
	const receivedMessage = bubble({ title: m.title ?? 'Sign In', subtitle: m.subtitle }, m.receivedMessage, table, 'receivedMessage')
	const replyMessage = bubble({ title: 'You Signed In' }, m.replyMessage, table, 'replyMessage')
	const scope = m.scope ?? auth.scope
	const oauth2 =
		auth.flow === 'auth2'
			? { responseType: 'code', scope, state: auth.state, redirectURI: auth.redirectURI }
			: {
					responseType: 'code',
					scope,
					state: auth.state,
					responseEncryptionKey: auth.responseEncryptionKey,
					clientSecret: auth.clientSecret,
				}
	return interactive(ctx, null, { images: table.entries, authenticate: { oauth2 } }, { receivedMessage, replyMessage })
}

/**
 * A raw payload with the platform's envelope. The only other change: an Apple-provided
 * interactive message without a `requestIdentifier` gets the context's, because replies are
 * matched on it.
 */
function raw(m: AppleMessage, ctx: RenderContext): AppleMessageBody {
	const payload = structuredClone(m.payload)
	const out = { ...payload, ...envelope(ctx), locale: payload.locale ?? ctx.locale }
	if (out.locale === undefined) delete out.locale
	if (out.type === 'interactive') {
		const data = out.interactiveData?.data
		if (out.interactiveData?.bid === APPLE_BUSINESS_EXTENSION_BID && data && data.requestIdentifier === undefined) {
			data.requestIdentifier = ctx.requestIdentifier
		}
	}
	const checked = AppleMessageBodySchema.safeParse(out)
	if (!checked.success) {
		const issue = checked.error.issues[0]
		throw new RenderError(['payload', ...(issue?.path ?? [])].join('.'), issue?.message ?? 'invalid Apple body')
	}
	return checked.data
}

/** The Apple body for one message (not its fallback: pick with fitToDevice first). */
export function renderAppleBody(message: RenderableMessage, ctx: RenderContext): AppleMessageBody {
	switch (message.type) {
		case 'text':
			return { ...envelope(ctx), type: 'text', body: message.text }
		case 'typing':
			// docs/apple-protocol.md §4.5: no body at all.
			return { ...envelope(ctx), type: message.active ? 'typing_start' : 'typing_end' }
		case 'richLink':
			return richLink(message, ctx)
		case 'quickReply':
			return quickReply(message, ctx)
		case 'listPicker':
			return listPicker(message, ctx)
		case 'timePicker':
			return timePicker(message, ctx)
		case 'form':
			return renderForm(message, ctx)
		case 'iMessageApp':
			return iMessageApp(message, ctx)
		case 'applePay':
			return applePay(message, ctx)
		case 'authenticate':
			return authenticate(message, ctx)
		case 'apple':
			return raw(message, ctx)
	}
}

/** Authentication requests go to `/v1/authenticate`, everything else to `/v1/message` (§5.6, [C2]). */
export function appleEndpointFor(message: RenderableMessage): '/v1/message' | '/v1/authenticate' {
	if (message.type === 'authenticate') return '/v1/authenticate'
	if (message.type === 'apple' && message.payload.type === 'interactive') {
		if (message.payload.interactiveData?.data?.authenticate !== undefined) return '/v1/authenticate'
	}
	return '/v1/message'
}

/** The request identifier a rendered body carries, for matching the reply; undefined when none. */
export function requestIdentifierOf(body: AppleMessageBody): string | undefined {
	if (body.type !== 'interactive') return undefined
	const data = body.interactiveData
	return data?.data?.requestIdentifier ?? data?.sessionIdentifier
}

/**
 * Body of a text message with attachments: one U+FFFC per attachment, appended, so that the
 * n-th placeholder maps to the n-th attachment (docs/apple-protocol.md §4.4). Placeholders already in the text
 * are removed first, since they would shift that mapping.
 */
export function textBodyWithAttachments(text: string, count: number): string {
	return text.replaceAll(OBJECT_REPLACEMENT, '') + OBJECT_REPLACEMENT.repeat(count)
}
