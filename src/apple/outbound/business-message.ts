/**
 * The business API's `message` object (docs/product.md "Business API": these shapes are the
 * contract), as zod schemas discriminated on `type`. Names mirror Apple's in camelCase
 * (docs/apple-interactive.md §5); `id` stands for Apple's `identifier`.
 *
 * Schemas check shape only. Rules about content and Apple's known rejections (titles, counts,
 * past time slots, image sizes, duplicate ids…) live in preflight.ts so that each one can be
 * reported with a readable reason. Objects are strict: a misspelt field is an error, not
 * silently dropped. Nothing has a zod default, so the input and output types are the same;
 * documented defaults are applied by the renderer. `.meta({ id })` names each shape as an
 * OpenAPI component, so the document references them instead of inlining (docs/api.md).
 */
import { z } from 'zod'
import { AppleRawPayloadSchema } from './apple-body'
import { parseRfc3339 } from './apple-time'
import { FormPageSchema, FormSplashSchema, Id } from './business-form'
import { ImageRefSchema } from './image-ref'

export { FormPageSchema, type FormPage } from './business-form'
const HttpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })

/** Override of the bubble shown on arrival (`receivedMessage`) or after the reply (`replyMessage`), §2.4. */
export const BubbleSchema = z
	.strictObject({
		title: z.string().optional(),
		subtitle: z.string().optional(),
		style: z.enum(['icon', 'small', 'large']).optional().meta({ description: '`icon` 280×65 pt (default), `small` 280×85 pt, `large` 280×210 pt.' }),
		image: ImageRefSchema.optional(),
		secondarySubtitle: z.string().optional().meta({ description: 'Custom iMessage extensions only.' }),
		tertiarySubtitle: z.string().optional().meta({ description: 'Custom iMessage extensions only.' }),
		imageTitle: z.string().optional().meta({ description: 'Custom iMessage extensions only.' }),
		imageSubtitle: z.string().optional().meta({ description: 'Custom iMessage extensions only.' }),
	})
	.meta({
		id: 'Bubble',
		description:
			'The bubble shown in the transcript when the message arrives (`receivedMessage`) or once the customer replied (`replyMessage`). Defaults are derived from the message.',
	})
export type Bubble = z.infer<typeof BubbleSchema>

const bubbles = { receivedMessage: BubbleSchema.optional(), replyMessage: BubbleSchema.optional() }

const TextShape = {
	type: z.literal('text'),
	text: z.string(),
	attachments: z
		.array(Id)
		.max(100)
		.optional()
		.meta({ description: 'Attachment ids from `POST /v1/attachments`; the platform encrypts and uploads them for Apple at send time.' }),
	richLinks: z.boolean().optional().meta({ description: 'Default true: each URL in `text` is also sent as a rich link right after the text.' }),
}

const TypingShape = { type: z.literal('typing'), active: z.boolean().meta({ description: 'true shows the typing indicator, false hides it.' }) }

/** §5.4. `image` and `imageUrl` are the same thing under two names; give one. */
const RichLinkShape = {
	type: z.literal('richLink'),
	url: HttpUrl,
	title: z.string().optional().meta({ description: "Apple requires a title; without one the page's title is used, or the URL's host name." }),
	imageUrl: ImageRefSchema.optional().meta({
		description: "The preview image; without one the page's own image is used. `image` is an alias: give one of them.",
	}),
	image: ImageRefSchema.optional(),
	mimeType: z.string().optional().meta({ description: "Overrides the image's type (otherwise from the data URI, the fetch, or its magic bytes)." }),
	video: z.strictObject({ url: HttpUrl, mimeType: z.string().min(1) }).optional(),
}

const ChoiceSchema = z.strictObject({ id: Id, title: z.string() }).meta({ id: 'QuickReplyItem' })

/** §5.1. Apple shows up to 5 buttons; preflight rejects fewer than 2 or more than 5. */
const QuickReplyShape = {
	type: z.literal('quickReply'),
	prompt: z.string().meta({ description: 'The question shown above the buttons.' }),
	items: z.array(ChoiceSchema).meta({ description: '2 to 5 buttons; the reply carries the chosen `id`.' }),
}

const ListPickerSectionSchema = z
	.strictObject({
		title: z.string(),
		multipleSelection: z.boolean().optional().meta({ description: 'The customer may pick several items of this section.' }),
		items: z.array(
			z
				.strictObject({ id: Id, title: z.string(), subtitle: z.string().optional(), image: ImageRefSchema.optional() })
				.meta({ id: 'ListPickerItem', description: 'One choice; the reply carries its `id`.' }),
		),
	})
	.meta({ id: 'ListPickerSection' })

/** §5.2. `multipleSelection` is per section, as in Apple's samples. */
const ListPickerShape = {
	type: z.literal('listPicker'),
	title: z.string(),
	subtitle: z.string().optional(),
	sections: z.array(ListPickerSectionSchema),
	...bubbles,
}

const Rfc3339 = z.string().refine((s) => parseRfc3339(s) !== null, {
	message: 'must be an RFC 3339 date-time such as 2025-07-10T10:00:00-07:00',
})

const TimeSlotSchema = z
	.strictObject({
		id: Id.optional().meta({ description: "Defaults to the slot's index." }),
		start: Rfc3339.meta({ description: 'RFC 3339 date-time, e.g. `2025-07-10T10:00:00-07:00`.', format: 'date-time' }),
		durationSeconds: z.number().int().positive(),
	})
	.meta({ id: 'TimeSlot' })

/** §5.3 */
const TimePickerShape = {
	type: z.literal('timePicker'),
	title: z.string(),
	subtitle: z.string().optional(),
	timezoneOffset: z
		.number()
		.int()
		.min(-720)
		.max(840)
		.optional()
		.meta({ description: "Minutes from UTC of the event's place; when set, slots show in that zone on every device." }),
	location: z
		.strictObject({
			title: z.string(),
			latitude: z.number().min(-90).max(90),
			longitude: z.number().min(-180).max(180),
			radius: z.number().positive().optional().meta({ description: 'Metres.' }),
		})
		.optional()
		.meta({ description: 'Where the event takes place; shown as a map.' }),
	slots: z.array(TimeSlotSchema),
	...bubbles,
}

const FormShape = {
	type: z.literal('form'),
	title: z.string(),
	subtitle: z.string().optional(),
	startPageId: Id.optional().meta({ description: 'Defaults to the first page.' }),
	showSummary: z.boolean().optional().meta({ description: 'Show all answers for review before sending (default false).' }),
	private: z.boolean().optional().meta({ description: "Answers are hidden in the customer's transcript." }),
	splash: FormSplashSchema.optional(),
	pages: z.array(FormPageSchema),
	...bubbles,
}

/** §5.7: a custom (the business's own) iMessage extension. */
const IMessageAppShape = {
	type: z.literal('iMessageApp'),
	bid: z
		.string()
		.min(1)
		.meta({ description: "The extension's bundle id, e.g. `com.apple.messages.MSMessageExtensionBalloonPlugin:TEAMID:com.example.app.ext`." }),
	appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).meta({ description: 'App Store id.' }),
	appName: z.string().min(1),
	appIcon: ImageRefSchema.optional().meta({ description: 'Shown when the extension is not installed; custom extensions need it.' }),
	url: z.string().min(1).meta({ description: "Query-string data handed to the extension (Apple's `URL`, ≤ 64 KB)." }),
	useLiveLayout: z.boolean().optional(),
	receivedMessage: BubbleSchema,
	replyMessage: BubbleSchema.optional(),
}

const Amount = z
	.string()
	.regex(/^-?\d+(\.\d{1,})?$/, 'must be a decimal string such as "3.50"')
	.meta({ description: 'A decimal string such as `"3.50"`.' })
const PaymentItemSchema = z
	.strictObject({
		label: z.string().min(1),
		amount: Amount,
		type: z.enum(['final', 'pending']).optional(),
	})
	.meta({ id: 'PaymentItem' })

/**
 * §5.5: the business's half of a payment request. The platform adds the merchant half
 * (merchant identifier, networks, capabilities, country, currency, merchant session,
 * gateway endpoints) from the business's Apple Pay settings.
 */
const ApplePayShape = {
	type: z.literal('applePay'),
	total: PaymentItemSchema,
	lineItems: z.array(PaymentItemSchema).optional(),
	shippingMethods: z
		.array(
			z
				.strictObject({
					identifier: Id,
					label: z.string().min(1),
					amount: Amount,
					detail: z.string().optional(),
				})
				.meta({ id: 'ShippingMethod' }),
		)
		.optional(),
	requiredBillingContactFields: z.array(z.string().min(1)).optional().meta({ description: 'Apple Pay contact field names, e.g. `postalAddress`.' }),
	requiredShippingContactFields: z.array(z.string().min(1)).optional().meta({ description: 'Apple Pay contact field names, e.g. `email`, `phone`.' }),
	shippingType: z.enum(['shipping', 'delivery', 'storePickup', 'servicePickup']).optional(),
	supportedCountries: z.array(z.string().length(2)).optional().meta({ description: 'ISO 3166 country codes the card may be from.' }),
	fallbackUrl: HttpUrl.optional().meta({ description: 'Opened in a browser when the device cannot pay with Apple Pay.' }),
	receivedMessage: BubbleSchema.optional().meta({ description: "Apple Pay's reply bubble is not configurable on every version, so only the received one is." }),
}

/** §5.6. The platform chooses the flow (AUTH2 preferred, AUTH legacy) and fills the OAuth data. */
const AuthenticateShape = {
	type: z.literal('authenticate'),
	scope: z.array(z.string().min(1)).optional().meta({ description: "OAuth scopes; default the business's configured scopes." }),
	title: z.string().optional(),
	subtitle: z.string().optional(),
	returnToken: z.boolean().optional().meta({ description: 'The business also wants the access token in the `interactive.received` event.' }),
	...bubbles,
}

/** A stored rich object; the platform resolves it into one of the other types before sending. */
const TemplateShape = {
	type: z.literal('template'),
	templateId: Id.meta({ description: 'A template id from `POST /v1/templates`.' }),
	variables: z.record(z.string(), z.string()).optional().meta({ description: 'Values of its `{{variables}}`; every variable the template uses is required.' }),
}

/** A raw Apple body for what the typed API does not cover; the platform sets the envelope. */
const AppleShape = { type: z.literal('apple'), payload: AppleRawPayloadSchema }

/** Sets Apple's `auto-reply` header (docs/apple-protocol.md §3). */
const common = { bot: z.boolean().optional().meta({ description: "Sent by a bot: sets Apple's `auto-reply` header." }) }

const TYPES = {
	text: ['Text', TextShape, 'Plain text, with optional attachments; URLs in it are also sent as rich links.'],
	typing: ['Typing', TypingShape, 'Shows or hides the typing indicator.'],
	richLink: ['RichLink', RichLinkShape, 'A link preview with title and image (the page is fetched when they are not given).'],
	quickReply: ['QuickReply', QuickReplyShape, 'A prompt with 2 to 5 buttons.'],
	listPicker: ['ListPicker', ListPickerShape, 'A list of choices in sections.'],
	timePicker: ['TimePicker', TimePickerShape, 'Time slots to choose from, optionally at a place.'],
	form: ['Form', FormShape, 'A multi-page form.'],
	iMessageApp: ['IMessageApp', IMessageAppShape, "The business's own iMessage extension."],
	applePay: ['ApplePay', ApplePayShape, "An Apple Pay request; the merchant half comes from the business's settings."],
	authenticate: ['Authenticate', AuthenticateShape, "Sign-in with the business's identity provider (OAuth)."],
	template: ['Template', TemplateShape, 'A stored template with its variables filled.'],
	apple: ['Apple', AppleShape, 'A raw Apple message body, validated, for what the typed API does not cover; the platform sets the envelope.'],
} as const

const content = <S extends z.ZodRawShape>(name: string, shape: S, description: string) =>
	z.strictObject({ ...shape, ...common }).meta({ id: `${name}Fallback`, description: `${description} As a \`fallback\`: no fallback of its own.` })

export const TextMessageSchema = content(...TYPES.text)
export const TypingMessageSchema = content(...TYPES.typing)
export const RichLinkMessageSchema = content(...TYPES.richLink)
export const QuickReplyMessageSchema = content(...TYPES.quickReply)
export const ListPickerMessageSchema = content(...TYPES.listPicker)
export const TimePickerMessageSchema = content(...TYPES.timePicker)
export const FormMessageSchema = content(...TYPES.form)
export const IMessageAppMessageSchema = content(...TYPES.iMessageApp)
export const ApplePayMessageSchema = content(...TYPES.applePay)
export const AuthenticateMessageSchema = content(...TYPES.authenticate)
export const TemplateMessageSchema = content(...TYPES.template)
export const AppleMessageSchema = content(...TYPES.apple)

/**
 * What a `fallback` may be: any message but a typing indicator, and without a fallback of
 * its own (the schema is strict, so a nested `fallback` is an unknown key).
 */
export const FallbackMessageSchema = z
	.discriminatedUnion('type', [
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
	.meta({ id: 'FallbackMessage', description: 'Sent instead when the device cannot show the message; without one the platform derives a readable text.' })

/** Every type, each of which may carry a `fallback` used when the device cannot show it. */
const withFallback = <S extends z.ZodRawShape>(name: string, shape: S, description: string) =>
	z.strictObject({ ...shape, ...common, fallback: FallbackMessageSchema.optional() }).meta({ id: `${name}Message`, description })

export const BusinessMessageSchema = z
	.discriminatedUnion('type', [
		withFallback(...TYPES.text),
		withFallback(...TYPES.typing),
		withFallback(...TYPES.richLink),
		withFallback(...TYPES.quickReply),
		withFallback(...TYPES.listPicker),
		withFallback(...TYPES.timePicker),
		withFallback(...TYPES.form),
		withFallback(...TYPES.iMessageApp),
		withFallback(...TYPES.applePay),
		withFallback(...TYPES.authenticate),
		withFallback(...TYPES.template),
		withFallback(...TYPES.apple),
	])
	.meta({ id: 'BusinessMessage', description: 'A message of any type, chosen by `type`. Any message may carry a `fallback` and `bot`.' })

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
