/**
 * What Apple accepts on `POST /v1/message` (and `/v1/authenticate`), as zod schemas: text,
 * typing_start/typing_end (no body), richLink, interactive with `interactiveData` or
 * `interactiveDataRef` (docs/apple-protocol.md §4, docs/apple-interactive.md §2, §4, §5).
 *
 * Two uses: validating a business's raw `apple` payload, and checking the renderer's own
 * output in tests. Objects are loose — keys Apple may add later pass through — because raw
 * payloads are meant for what the typed API does not cover; near-miss spellings of known keys
 * are caught by preflight (raw-payload-keys.ts), not here. `close` is receive-only (docs/apple-protocol.md §4.2)
 * and is not accepted.
 */
import { z } from 'zod'

/** Apple's own extension, used by every Apple-provided interactive type (docs/apple-interactive.md §2.2, [C2]). */
export const APPLE_BUSINESS_EXTENSION_BID = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'

/** `com.apple.messages.MSMessageExtensionBalloonPlugin:<team id>:<extension bundle id>` (§2.2). */
export const BID_PATTERN = /^com\.apple\.messages\.MSMessageExtensionBalloonPlugin:[A-Za-z0-9]+:[A-Za-z0-9.-]+$/

/** The keys inside `interactiveData.data` that select the experience (docs/apple-interactive.md §2.1). */
export const INTERACTIVE_DATA_KEYS = ['listPicker', 'event', 'quick-reply', 'payment', 'authenticate', 'dynamic'] as const
export type InteractiveDataKey = (typeof INTERACTIVE_DATA_KEYS)[number]

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64')

/** Bubble shown on arrival / after the reply (docs/apple-interactive.md §2.4). */
export const AppleBubbleSchema = z.looseObject({
	title: z.string().optional(),
	subtitle: z.string().optional(),
	style: z.enum(['icon', 'small', 'large']).optional(),
	imageIdentifier: z.string().optional(),
	secondarySubtitle: z.string().optional(),
	tertiarySubtitle: z.string().optional(),
	imageTitle: z.string().optional(),
	imageSubtitle: z.string().optional(),
})

const AppleImageSchema = z.looseObject({ identifier: z.string().min(1), data: base64 })

/** §5.2 */
export const AppleListPickerSchema = z.looseObject({
	sections: z
		.array(
			z.looseObject({
				title: z.string().optional(),
				order: z.number().int().nonnegative().optional(),
				multipleSelection: z.boolean().optional(),
				items: z.array(
					z.looseObject({
						identifier: z.string().min(1),
						order: z.number().int().nonnegative().optional(),
						style: z.string().optional(),
						title: z.string(),
						subtitle: z.string().optional(),
						imageIdentifier: z.string().optional(),
					}),
				),
			}),
		)
		.min(1),
})

/** §5.1 */
export const AppleQuickReplySchema = z.looseObject({
	summaryText: z.string().optional(),
	items: z.array(z.looseObject({ identifier: z.string().min(1), title: z.string() })),
})

/**
 * §5.3. `startTime` as Apple's sample sends it (`yyyy-MM-dd'T'HH:mm+0000`) or one of the
 * variants seen in vendor payloads (`Z`, other offsets, seconds) — see apple-time.ts.
 */
export const AppleEventSchema = z.looseObject({
	identifier: z.string().optional(),
	title: z.string().optional(),
	timezoneOffset: z.number().int().optional(),
	location: z
		.looseObject({
			latitude: z.number().optional(),
			longitude: z.number().optional(),
			radius: z.number().optional(),
			title: z.string().optional(),
		})
		.optional(),
	timeslots: z
		.array(
			z.looseObject({
				identifier: z.string().min(1),
				startTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})$/, 'must be yyyy-MM-ddTHH:mm+0000'),
				duration: z.number().int().positive(),
			}),
		)
		.min(1),
})

const amount = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "3.50"')
const paymentItem = z.looseObject({
	label: z.string(),
	amount,
	type: z.enum(['final', 'pending']).optional(),
})

/** §5.5 */
export const ApplePaymentSchema = z.looseObject({
	paymentRequest: z.looseObject({
		applePay: z.looseObject({
			merchantIdentifier: z.string().min(1),
			supportedNetworks: z.array(z.string()).min(1),
			merchantCapabilities: z.array(z.string()).min(1),
		}),
		countryCode: z.string().length(2),
		currencyCode: z.string().length(3),
		total: paymentItem,
		lineItems: z.array(paymentItem).optional(),
		shippingMethods: z.array(paymentItem.extend({ identifier: z.string(), detail: z.string().optional() })).optional(),
		requiredBillingContactFields: z.array(z.string()).optional(),
		requiredShippingContactFields: z.array(z.string()).optional(),
	}),
	merchantSession: z.record(z.string(), z.unknown()),
	endpoints: z.looseObject({
		paymentGatewayUrl: z.string().min(1),
		fallbackUrl: z.string().optional(),
		orderTrackingUrl: z.string().optional(),
		paymentMethodUpdateUrl: z.string().optional(),
		shippingContactUpdateUrl: z.string().optional(),
		shippingMethodUpdateUrl: z.string().optional(),
	}),
})

/** §5.6: the legacy flow adds `responseEncryptionKey` + `clientSecret`, AUTH2 a `redirectURI`. */
export const AppleAuthenticateSchema = z.looseObject({
	oauth2: z.looseObject({
		responseType: z.string().min(1),
		scope: z.array(z.string()).optional(),
		state: z.string().min(1),
		responseEncryptionKey: z.string().optional(),
		clientSecret: z.string().optional(),
		redirectURI: z.string().optional(),
	}),
})

const formItem = z.looseObject({
	identifier: z.string().min(1),
	title: z.string(),
	value: z.string().optional(),
	imageIdentifier: z.string().optional(),
	nextPageIdentifier: z.string().optional(),
})

/** §5.8: `data.dynamic` with the `messageForms` template. */
export const AppleDynamicSchema = z.looseObject({
	version: z.string(),
	template: z.string(),
	private: z.boolean().optional(),
	data: z.looseObject({
		title: z.string().optional(),
		startPageIdentifier: z.string().optional(),
		showSummary: z.boolean().optional(),
		splash: z
			.looseObject({
				header: z.string().optional(),
				splashtext: z.string().optional(),
				buttonTitle: z.string().optional(),
				imageIdentifier: z.string().optional(),
			})
			.optional(),
		pages: z
			.array(
				z.looseObject({
					pageIdentifier: z.string().min(1),
					type: z.enum(['select', 'picker', 'datePicker', 'input']),
					title: z.string().optional(),
					subtitle: z.string().optional(),
					nextPageIdentifier: z.string().optional(),
					submitForm: z.boolean().optional(),
					multipleSelection: z.boolean().optional(),
					items: z.array(formItem).optional(),
					pickerTitle: z.string().optional(),
					selectedItemIndex: z.number().int().nonnegative().optional(),
					hintText: z.string().optional(),
					options: z.record(z.string(), z.unknown()).optional(),
				}),
			)
			.min(1),
	}),
})

/** `requestIdentifier` is required in what we send and optional in a raw payload (the platform fills it). */
function interactiveDataSchema<R extends z.ZodType<string | undefined>>(requestIdentifier: R) {
	return z
		.looseObject({
			bid: z.string().regex(BID_PATTERN, 'must be com.apple.messages.MSMessageExtensionBalloonPlugin:<team>:<bundle>'),
			data: z
				.looseObject({
					// Apple's list/time-picker samples send `mspVersion` instead ([U], docs/apple-interactive.md §2.3).
					version: z.string().optional(),
					mspVersion: z.string().optional(),
					requestIdentifier,
					images: z.array(AppleImageSchema).optional(),
					listPicker: AppleListPickerSchema.optional(),
					event: AppleEventSchema.optional(),
					'quick-reply': AppleQuickReplySchema.optional(),
					payment: ApplePaymentSchema.optional(),
					authenticate: AppleAuthenticateSchema.optional(),
					dynamic: AppleDynamicSchema.optional(),
				})
				.optional(),
			receivedMessage: AppleBubbleSchema.optional(),
			replyMessage: AppleBubbleSchema.optional(),
			useLiveLayout: z.boolean().optional(),
			sessionIdentifier: z.string().optional(),
			appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
			appName: z.string().optional(),
			appIcon: base64.optional(),
			URL: z.string().optional(),
		})
		.superRefine((d, ctx) => {
			const custom = ['appId', 'appName', 'appIcon', 'URL'] as const
			if (d.bid === APPLE_BUSINESS_EXTENSION_BID) {
				if (!d.data) {
					ctx.addIssue({ code: 'custom', path: ['data'], message: 'Apple-provided types need data' })
					return
				}
				if (d.data.version === undefined && d.data.mspVersion === undefined) {
					ctx.addIssue({ code: 'custom', path: ['data', 'version'], message: 'data needs version "1.0"' })
				}
				const kinds = INTERACTIVE_DATA_KEYS.filter((k) => d.data?.[k] !== undefined)
				if (kinds.length !== 1) {
					ctx.addIssue({
						code: 'custom',
						path: ['data'],
						message: `data needs exactly one of ${INTERACTIVE_DATA_KEYS.join(', ')} (found ${kinds.length})`,
					})
				}
				for (const k of custom) {
					if (d[k] !== undefined) {
						ctx.addIssue({ code: 'custom', path: [k], message: `${k} is only for custom iMessage extensions` })
					}
				}
			} else {
				// Apple answers 400 "Third party interactive data disallows use of 'data'" (docs/apple-protocol.md §1.6).
				if (d.data !== undefined) {
					ctx.addIssue({ code: 'custom', path: ['data'], message: 'custom iMessage extensions must not send data' })
				}
				for (const k of ['appId', 'appName', 'URL'] as const) {
					if (d[k] === undefined) {
						ctx.addIssue({ code: 'custom', path: [k], message: `custom iMessage extensions need ${k}` })
					}
				}
			}
		})
}

/** A reusable reference returned for a large interactive message (docs/apple-interactive.md §4, docs/apple-protocol.md §4.8). */
export const AppleInteractiveDataRefSchema = z.looseObject({
	bid: z.string().min(1),
	url: z.string().min(1),
	owner: z.string().min(1),
	size: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
	key: z.string().optional(),
	signature: z.string().optional(),
	'signature-base64': z.string().optional(),
	title: z.string().optional(),
	dataRefSig: z.string().optional(),
})

/** Outbound attachment dictionary, short key names, `size` a string (docs/apple-protocol.md §4.4, §5.2). */
export const AppleOutboundAttachmentSchema = z.looseObject({
	name: z.string().min(1),
	mimeType: z.string().min(1),
	size: z.string().regex(/^\d+$/, 'size is a string of digits outbound'),
	'signature-base64': z.string().min(1),
	url: z.string().min(1),
	owner: z.string().min(1),
	key: z.string().regex(/^00[0-9a-fA-F]{64}$/, 'key is "00" + 64 hex digits'),
})

/** §5.4 */
export const AppleRichLinkDataSchema = z.looseObject({
	url: z.string().regex(/^https?:\/\//i, 'must be an http(s) URL'),
	title: z.string().min(1),
	assets: z.looseObject({
		image: z.looseObject({ data: base64, mimeType: z.string().min(1) }).optional(),
		video: z.looseObject({ url: z.string().min(1), mimeType: z.string().min(1) }).optional(),
	}),
})

const exactlyOne =
	<K extends string>(a: K, b: K) =>
	(o: Partial<Record<K, unknown>>, ctx: z.RefinementCtx) => {
		if ((o[a] === undefined) === (o[b] === undefined)) {
			ctx.addIssue({ code: 'custom', path: [a], message: `give exactly one of ${a} and ${b}` })
		}
	}

const envelope = {
	v: z.literal(1),
	id: z.string().min(1),
	sourceId: z.string().min(1),
	destinationId: z.string().min(1),
	locale: z.string().optional(),
}
const rawEnvelope = {
	v: envelope.v.optional(),
	id: envelope.id.optional(),
	sourceId: envelope.sourceId.optional(),
	destinationId: envelope.destinationId.optional(),
	locale: envelope.locale,
}

/**
 * Builds the union twice: with the envelope required (what we send) and optional (a raw
 * payload, whose envelope the platform fills in).
 */
function appleBodySchema<E extends typeof envelope | typeof rawEnvelope, R extends z.ZodType<string | undefined>>(envelope: E, requestIdentifier: R) {
	return z.discriminatedUnion('type', [
		z.looseObject({
			...envelope,
			type: z.literal('text'),
			body: z.string(),
			attachments: z.array(AppleOutboundAttachmentSchema).optional(),
		}),
		// Typing indicators carry no body (docs/apple-protocol.md §4.5), so nothing else is allowed.
		z.strictObject({ ...envelope, type: z.enum(['typing_start', 'typing_end']) }),
		z
			.looseObject({
				...envelope,
				type: z.literal('richLink'),
				body: z.string().optional(),
				richLinkData: AppleRichLinkDataSchema.optional(),
				richLinkDataRef: z.record(z.string(), z.unknown()).optional(),
			})
			.superRefine(exactlyOne('richLinkData', 'richLinkDataRef')),
		z
			.looseObject({
				...envelope,
				type: z.literal('interactive'),
				interactiveData: interactiveDataSchema(requestIdentifier).optional(),
				interactiveDataRef: AppleInteractiveDataRefSchema.optional(),
				attachments: z.array(AppleOutboundAttachmentSchema).optional(),
			})
			.superRefine(exactlyOne('interactiveData', 'interactiveDataRef')),
	])
}

/** A complete body as sent to Apple. */
export const AppleMessageBodySchema = appleBodySchema(envelope, z.string().min(1))
export type AppleMessageBody = z.infer<typeof AppleMessageBodySchema>

/** A business's raw `apple` payload: the same without the envelope (the platform sets it). */
export const AppleRawPayloadSchema = appleBodySchema(rawEnvelope, z.string().min(1).optional()).meta({
	id: 'AppleRawPayload',
	description:
		"An Apple Messages for Business body in Apple's own field names (`text`, `richLink` or `interactive`); `v`, `id`, `sourceId` and `destinationId` are set by the platform.",
})
export type AppleRawPayload = z.infer<typeof AppleRawPayloadSchema>
