/**
 * The business API's `message` object (PRODUCT.md "Business API": these shapes are the
 * contract), as zod schemas discriminated on `type`. Names mirror Apple's in camelCase
 * (spec apple-msp-interactive.md §5); `id` stands for Apple's `identifier`.
 *
 * Schemas check shape only. Rules about content and Apple's known rejections (titles, counts,
 * past time slots, image sizes, duplicate ids…) live in preflight.ts so that each one can be
 * reported with a readable reason. Objects are strict: a misspelt field is an error, not
 * silently dropped. Nothing has a zod default, so the input and output types are the same;
 * documented defaults are applied by the renderer.
 */
import { z } from 'zod'
import { AppleRawPayloadSchema } from './apple-body'
import { parseRfc3339 } from './apple-time'
import { ImageRefSchema } from './image-ref'

const Id = z.string().min(1).max(256)
const HttpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })

/** Override of the bubble shown on arrival (`receivedMessage`) or after the reply (`replyMessage`), §2.4. */
export const BubbleSchema = z.strictObject({
	title: z.string().optional(),
	subtitle: z.string().optional(),
	/** icon 280×65 pt (default), small 280×85 pt, large 280×210 pt. */
	style: z.enum(['icon', 'small', 'large']).optional(),
	image: ImageRefSchema.optional(),
	/** Custom iMessage extensions only (§5.7). */
	secondarySubtitle: z.string().optional(),
	tertiarySubtitle: z.string().optional(),
	imageTitle: z.string().optional(),
	imageSubtitle: z.string().optional(),
})
export type Bubble = z.infer<typeof BubbleSchema>

const bubbles = { receivedMessage: BubbleSchema.optional(), replyMessage: BubbleSchema.optional() }

const TextShape = {
	type: z.literal('text'),
	text: z.string(),
	/** Ids from `POST /v1/attachments`; the platform uploads them and adds U+FFFC (core §4.4). */
	attachments: z.array(Id).max(100).optional(),
	/** Default true: URLs in `text` are also sent as rich links (core §4.7, Apple's required feature). */
	richLinks: z.boolean().optional(),
}

const TypingShape = { type: z.literal('typing'), active: z.boolean() }

/** §5.4. `image` and `imageUrl` are the same thing under two names; give one. */
const RichLinkShape = {
	type: z.literal('richLink'),
	url: HttpUrl,
	/** Apple requires a title; without one the renderer uses the URL's host name. */
	title: z.string().optional(),
	imageUrl: ImageRefSchema.optional(),
	image: ImageRefSchema.optional(),
	/** Overrides the image's type (from the data URI, the fetch, or its magic bytes). */
	mimeType: z.string().optional(),
	video: z.strictObject({ url: HttpUrl, mimeType: z.string().min(1) }).optional(),
}

const Choice = z.strictObject({ id: Id, title: z.string() })

/** §5.1. Apple shows up to 5 buttons; preflight rejects fewer than 2 or more than 5. */
const QuickReplyShape = {
	type: z.literal('quickReply'),
	prompt: z.string(),
	items: z.array(Choice),
}

/** §5.2. `multipleSelection` is per section, as in Apple's samples. */
const ListPickerShape = {
	type: z.literal('listPicker'),
	title: z.string(),
	subtitle: z.string().optional(),
	sections: z.array(
		z.strictObject({
			title: z.string(),
			multipleSelection: z.boolean().optional(),
			items: z.array(
				z.strictObject({
					id: Id,
					title: z.string(),
					subtitle: z.string().optional(),
					image: ImageRefSchema.optional(),
				}),
			),
		}),
	),
	...bubbles,
}

const Rfc3339 = z.string().refine((s) => parseRfc3339(s) !== null, {
	message: 'must be an RFC 3339 date-time such as 2025-07-10T10:00:00-07:00',
})

/** §5.3 */
const TimePickerShape = {
	type: z.literal('timePicker'),
	title: z.string(),
	subtitle: z.string().optional(),
	/** Minutes from UTC of the event's place; when set, slots show in that zone on every device. */
	timezoneOffset: z.number().int().min(-720).max(840).optional(),
	location: z
		.strictObject({
			title: z.string(),
			latitude: z.number().min(-90).max(90),
			longitude: z.number().min(-180).max(180),
			/** Metres. */
			radius: z.number().positive().optional(),
		})
		.optional(),
	slots: z.array(
		z.strictObject({
			/** Defaults to the slot's index. */
			id: Id.optional(),
			start: Rfc3339,
			durationSeconds: z.number().int().positive(),
		}),
	),
	...bubbles,
}

// Forms (§5.8): Apple's `dynamic` / `messageForms`. Page and item ids are Apple's
// `pageIdentifier` / `identifier`; a page without `id` gets its index.
const pageCommon = {
	id: Id.optional(),
	title: z.string().optional(),
	/** The question. */
	subtitle: z.string().optional(),
	/** Defaults to the next page in `pages` (linear form); a page with none left is the last. */
	nextPageId: Id.optional(),
	/** Defaults to true on the last page. */
	submitForm: z.boolean().optional(),
}

const FormSelectPage = z.strictObject({
	...pageCommon,
	type: z.literal('select'),
	multipleSelection: z.boolean().optional(),
	items: z.array(
		z.strictObject({
			id: Id,
			title: z.string(),
			/** Defaults to `title`. */
			value: z.string().optional(),
			image: ImageRefSchema.optional(),
			/** Branching, single-selection pages only. */
			nextPageId: Id.optional(),
		}),
	),
})

const FormPickerPage = z.strictObject({
	...pageCommon,
	type: z.literal('picker'),
	pickerTitle: z.string().optional(),
	selectedItemIndex: z.number().int().nonnegative().optional(),
	items: z.array(z.strictObject({ id: Id, title: z.string(), value: z.string().optional() })),
})

const FormDatePickerPage = z.strictObject({
	...pageCommon,
	type: z.literal('datePicker'),
	hintText: z.string().optional(),
	options: z
		.strictObject({
			/** Default MM/dd/yyyy; the dates below are written in this format. */
			dateFormat: z.string().optional(),
			startDate: z.string().optional(),
			minimumDate: z.string().optional(),
			maximumDate: z.string().optional(),
			labelText: z.string().optional(),
		})
		.optional(),
})

const FormInputPage = z.strictObject({
	...pageCommon,
	type: z.literal('input'),
	hintText: z.string().optional(),
	options: z
		.strictObject({
			required: z.boolean().optional(),
			inputType: z.enum(['singleline', 'multiline']).optional(),
			/** Defaults 30 (singleline) / 300 (multiline). */
			maximumCharacterCount: z.number().int().positive().optional(),
			regex: z.string().optional(),
			placeholder: z.string().optional(),
			labelText: z.string().optional(),
			prefixText: z.string().optional(),
			keyboardType: z.string().optional(),
			textContentType: z.string().optional(),
		})
		.optional(),
})

export const FormPageSchema = z.discriminatedUnion('type', [
	FormSelectPage,
	FormPickerPage,
	FormDatePickerPage,
	FormInputPage,
])
export type FormPage = z.infer<typeof FormPageSchema>

const FormShape = {
	type: z.literal('form'),
	title: z.string(),
	subtitle: z.string().optional(),
	/** Defaults to the first page. */
	startPageId: Id.optional(),
	/** Show all answers for review before sending (default false). */
	showSummary: z.boolean().optional(),
	private: z.boolean().optional(),
	splash: z
		.strictObject({
			header: z.string().optional(),
			text: z.string().optional(),
			buttonTitle: z.string().optional(),
			image: ImageRefSchema.optional(),
		})
		.optional(),
	pages: z.array(FormPageSchema),
	...bubbles,
}

/** §5.7: a custom (the business's own) iMessage extension. */
const IMessageAppShape = {
	type: z.literal('iMessageApp'),
	bid: z.string().min(1),
	/** App Store id. */
	appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
	appName: z.string().min(1),
	/** Shown when the extension is not installed; Apple's sources say custom extensions need it. */
	appIcon: ImageRefSchema.optional(),
	/** Query-string data handed to the extension (Apple's `URL`, ≤ 64 KB). */
	url: z.string().min(1),
	useLiveLayout: z.boolean().optional(),
	receivedMessage: BubbleSchema,
	replyMessage: BubbleSchema.optional(),
}

const Amount = z.string().regex(/^-?\d+(\.\d{1,})?$/, 'must be a decimal string such as "3.50"')
const PaymentItem = z.strictObject({
	label: z.string().min(1),
	amount: Amount,
	type: z.enum(['final', 'pending']).optional(),
})

/**
 * §5.5: the business's half of a payment request. The platform adds the merchant half
 * (merchant identifier, networks, capabilities, country, currency, merchant session,
 * gateway endpoints) from the business's Apple Pay settings.
 */
const ApplePayShape = {
	type: z.literal('applePay'),
	total: PaymentItem,
	lineItems: z.array(PaymentItem).optional(),
	shippingMethods: z
		.array(
			z.strictObject({
				identifier: Id,
				label: z.string().min(1),
				amount: Amount,
				detail: z.string().optional(),
			}),
		)
		.optional(),
	requiredBillingContactFields: z.array(z.string().min(1)).optional(),
	requiredShippingContactFields: z.array(z.string().min(1)).optional(),
	shippingType: z.enum(['shipping', 'delivery', 'storePickup', 'servicePickup']).optional(),
	supportedCountries: z.array(z.string().length(2)).optional(),
	/** Opened in a browser when the device cannot pay with Apple Pay. */
	fallbackUrl: HttpUrl.optional(),
	/** Apple Pay's reply bubble is not configurable on every version ([C1] LP), so only the received one is. */
	receivedMessage: BubbleSchema.optional(),
}

/** §5.6. The platform chooses the flow (AUTH2 preferred, AUTH legacy) and fills the OAuth data. */
const AuthenticateShape = {
	type: z.literal('authenticate'),
	/** Defaults to the business's configured scopes. */
	scope: z.array(z.string().min(1)).optional(),
	title: z.string().optional(),
	subtitle: z.string().optional(),
	/** The business also wants the access token in the `interactive.received` event. */
	returnToken: z.boolean().optional(),
	...bubbles,
}

/** A stored rich object; the platform resolves it into one of the other types before sending. */
const TemplateShape = {
	type: z.literal('template'),
	templateId: Id,
	variables: z.record(z.string(), z.string()).optional(),
}

/** A raw Apple body for what the typed API does not cover; the platform sets the envelope. */
const AppleShape = { type: z.literal('apple'), payload: AppleRawPayloadSchema }

/** Sets Apple's `auto-reply` header (core §3). */
const common = { bot: z.boolean().optional() }

const content = <S extends z.ZodRawShape>(shape: S) => z.strictObject({ ...shape, ...common })

export const TextMessageSchema = content(TextShape)
export const TypingMessageSchema = content(TypingShape)
export const RichLinkMessageSchema = content(RichLinkShape)
export const QuickReplyMessageSchema = content(QuickReplyShape)
export const ListPickerMessageSchema = content(ListPickerShape)
export const TimePickerMessageSchema = content(TimePickerShape)
export const FormMessageSchema = content(FormShape)
export const IMessageAppMessageSchema = content(IMessageAppShape)
export const ApplePayMessageSchema = content(ApplePayShape)
export const AuthenticateMessageSchema = content(AuthenticateShape)
export const TemplateMessageSchema = content(TemplateShape)
export const AppleMessageSchema = content(AppleShape)

/**
 * What a `fallback` may be: any message but a typing indicator, and without a fallback of
 * its own (the schema is strict, so a nested `fallback` is an unknown key).
 */
export const FallbackMessageSchema = z.discriminatedUnion('type', [
	TextMessageSchema,
	RichLinkMessageSchema,
	QuickReplyMessageSchema,
	ListPickerMessageSchema,
	TimePickerMessageSchema,
	FormMessageSchema,
	IMessageAppMessageSchema,
	ApplePayMessageSchema,
	AuthenticateMessageSchema,
	TemplateMessageSchema,
	AppleMessageSchema,
])

/** Every type, each of which may carry a `fallback` used when the device cannot show it. */
const withFallback = <S extends z.ZodRawShape>(shape: S) =>
	z.strictObject({ ...shape, ...common, fallback: FallbackMessageSchema.optional() })

export const BusinessMessageSchema = z.discriminatedUnion('type', [
	withFallback(TextShape),
	withFallback(TypingShape),
	withFallback(RichLinkShape),
	withFallback(QuickReplyShape),
	withFallback(ListPickerShape),
	withFallback(TimePickerShape),
	withFallback(FormShape),
	withFallback(IMessageAppShape),
	withFallback(ApplePayShape),
	withFallback(AuthenticateShape),
	withFallback(TemplateShape),
	withFallback(AppleShape),
])

export type TextMessage = z.infer<typeof TextMessageSchema>
export type TypingMessage = z.infer<typeof TypingMessageSchema>
export type RichLinkMessage = z.infer<typeof RichLinkMessageSchema>
export type QuickReplyMessage = z.infer<typeof QuickReplyMessageSchema>
export type ListPickerMessage = z.infer<typeof ListPickerMessageSchema>
export type TimePickerMessage = z.infer<typeof TimePickerMessageSchema>
export type FormMessage = z.infer<typeof FormMessageSchema>
export type IMessageAppMessage = z.infer<typeof IMessageAppMessageSchema>
export type ApplePayMessage = z.infer<typeof ApplePayMessageSchema>
export type AuthenticateMessage = z.infer<typeof AuthenticateMessageSchema>
export type TemplateMessage = z.infer<typeof TemplateMessageSchema>
export type AppleMessage = z.infer<typeof AppleMessageSchema>

/** One message of any type, without a fallback. */
export type ContentMessage = TypingMessage | z.infer<typeof FallbackMessageSchema>
/** The `message` of `POST /v1/messages`. */
export type BusinessMessage = z.infer<typeof BusinessMessageSchema>
export type MessageType = BusinessMessage['type']

/** A message that can be rendered as is: templates must be resolved first. */
export type RenderableMessage = Exclude<ContentMessage, TemplateMessage>
/** A message ready for device fitting: no template, neither at the top nor as fallback. */
export type ResolvedMessage = RenderableMessage & { fallback?: Exclude<RenderableMessage, TypingMessage> }

/** Form page ids default to the page's index (§5.8: strings, < 20 characters). */
export const formPageIds = (m: FormMessage): string[] => m.pages.map((page, i) => page.id ?? String(i))

/** The message as a ResolvedMessage, or null while it or its fallback is still a template. */
export function asResolved(message: BusinessMessage): ResolvedMessage | null {
	if (message.type === 'template') return null
	const fallback = message.fallback
	if (fallback?.type === 'template') return null
	return { ...message, fallback }
}
