/**
 * The `message` of `POST /v1/messages`, by hand from the platform's schema (one shape per
 * `type`, names mirroring Apple's in camelCase; `id` stands for Apple's `identifier`). The
 * server checks every field; these types catch misspellings before a request is made.
 */

/** An http(s) URL the platform fetches, a `data:` URI, or raw base64. */
export type ImageRef = string

/** Override of the bubble shown on arrival (`receivedMessage`) or after the reply (`replyMessage`). */
export interface Bubble {
	title?: string
	subtitle?: string
	style?: 'icon' | 'small' | 'large'
	image?: ImageRef
	secondarySubtitle?: string
	tertiarySubtitle?: string
	imageTitle?: string
	imageSubtitle?: string
}

interface Bubbles {
	receivedMessage?: Bubble
	replyMessage?: Bubble
}

interface Common {
	/** Sets Apple's `auto-reply` header. */
	bot?: boolean
}

export interface TextMessage extends Common {
	type: 'text'
	text: string
	/** Ids from `uploadAttachment`. */
	attachments?: string[]
	/** Default true: URLs in `text` are also sent as rich links. */
	richLinks?: boolean
}

export interface TypingMessage extends Common {
	type: 'typing'
	active: boolean
}

export interface RichLinkMessage extends Common {
	type: 'richLink'
	url: string
	title?: string
	imageUrl?: ImageRef
	image?: ImageRef
	mimeType?: string
	video?: { url: string; mimeType: string }
}

export interface QuickReplyMessage extends Common {
	type: 'quickReply'
	prompt: string
	items: { id: string; title: string }[]
}

export interface ListPickerMessage extends Common, Bubbles {
	type: 'listPicker'
	title: string
	subtitle?: string
	sections: {
		title: string
		multipleSelection?: boolean
		items: { id: string; title: string; subtitle?: string; image?: ImageRef }[]
	}[]
}

export interface TimePickerMessage extends Common, Bubbles {
	type: 'timePicker'
	title: string
	subtitle?: string
	/** Minutes from UTC of the event's place. */
	timezoneOffset?: number
	location?: { title: string; latitude: number; longitude: number; radius?: number }
	/** `start` is RFC 3339. */
	slots: { id?: string; start: string; durationSeconds: number }[]
}

interface FormPageCommon {
	id?: string
	title?: string
	subtitle?: string
	nextPageId?: string
	submitForm?: boolean
}

export type FormPage =
	| (FormPageCommon & {
			type: 'select'
			multipleSelection?: boolean
			items: { id: string; title: string; value?: string; image?: ImageRef; nextPageId?: string }[]
	  })
	| (FormPageCommon & { type: 'picker'; pickerTitle?: string; selectedItemIndex?: number; items: { id: string; title: string; value?: string }[] })
	| (FormPageCommon & {
			type: 'datePicker'
			hintText?: string
			options?: { dateFormat?: string; startDate?: string; minimumDate?: string; maximumDate?: string; labelText?: string }
	  })
	| (FormPageCommon & {
			type: 'input'
			hintText?: string
			options?: {
				required?: boolean
				inputType?: 'singleline' | 'multiline'
				maximumCharacterCount?: number
				regex?: string
				placeholder?: string
				labelText?: string
				prefixText?: string
				keyboardType?: string
				textContentType?: string
			}
	  })

export interface FormMessage extends Common, Bubbles {
	type: 'form'
	title: string
	subtitle?: string
	startPageId?: string
	showSummary?: boolean
	private?: boolean
	splash?: { header?: string; text?: string; buttonTitle?: string; image?: ImageRef }
	pages: FormPage[]
}

export interface IMessageAppMessage extends Common {
	type: 'iMessageApp'
	bid: string
	appId: number | string
	appName: string
	appIcon?: ImageRef
	url: string
	useLiveLayout?: boolean
	receivedMessage: Bubble
	replyMessage?: Bubble
}

export interface PaymentItem {
	label: string
	/** A decimal string such as "3.50". */
	amount: string
	type?: 'final' | 'pending'
}

export interface ApplePayMessage extends Common {
	type: 'applePay'
	total: PaymentItem
	lineItems?: PaymentItem[]
	shippingMethods?: { identifier: string; label: string; amount: string; detail?: string }[]
	requiredBillingContactFields?: string[]
	requiredShippingContactFields?: string[]
	shippingType?: 'shipping' | 'delivery' | 'storePickup' | 'servicePickup'
	supportedCountries?: string[]
	fallbackUrl?: string
	receivedMessage?: Bubble
}

export interface AuthenticateMessage extends Common, Bubbles {
	type: 'authenticate'
	scope?: string[]
	title?: string
	subtitle?: string
	/** Also deliver the access token in `interactive.received`. */
	returnToken?: boolean
}

export interface TemplateMessage extends Common {
	type: 'template'
	templateId: string
	variables?: Record<string, string>
}

/** A raw Apple body for what the typed API does not cover. */
export interface AppleMessage extends Common {
	type: 'apple'
	payload: { type: string } & Record<string, unknown>
}

/** What a `fallback` may be: any message but a typing indicator, without a fallback of its own. */
export type FallbackMessage =
	| TextMessage
	| RichLinkMessage
	| QuickReplyMessage
	| ListPickerMessage
	| TimePickerMessage
	| FormMessage
	| IMessageAppMessage
	| ApplePayMessage
	| AuthenticateMessage
	| TemplateMessage
	| AppleMessage

/** One business message; any type may carry a `fallback` for devices that cannot show it. */
export type BusinessMessage = (FallbackMessage | TypingMessage) & { fallback?: FallbackMessage }

export type MessageType = BusinessMessage['type']

/** The types a template may hold. */
export type TemplateMessageType = 'listPicker' | 'timePicker' | 'quickReply' | 'form' | 'richLink'
