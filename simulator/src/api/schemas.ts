/** zod schemas of the /sim/api request bodies (the contract tests and the device page use). */
import { z } from 'zod'
import { ReplySelection } from '../device/replies'
import { TAPBACKS } from '../device/tapback'
import { DEVICE_KINDS } from '../state/types'

export const CreateCustomer = z.object({
	id: z
		.string()
		.regex(/^urn:mbid:[A-Za-z0-9+/=_-]+$/, 'id must look like urn:mbid:<opaque>')
		.optional(),
	name: z.string().min(1).max(60).optional(),
	device: z.enum(DEVICE_KINDS).default('iphone'),
	locale: z
		.string()
		.regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'locale like en_US')
		.default('en_US'),
	/** The customer's number in the phone directory (invitations); one is assigned when left out. */
	phoneNumber: z
		.string()
		.regex(/^\+[1-9]\d{6,14}$/, 'phoneNumber must be E.164, e.g. +15551234567')
		.optional(),
})

export const UpdateCustomer = z.object({
	name: z.string().min(1).max(60).optional(),
	device: z.enum(DEVICE_KINDS).optional(),
	locale: z
		.string()
		.regex(/^[a-z]{2,3}(_[A-Z]{2})?$/)
		.optional(),
})

const businessId = z.string().min(1, 'businessId is required')

export const StartConversation = z.object({
	businessId,
	intent: z.string().min(1).optional(),
	group: z.string().min(1).optional(),
	/** Optional first message (a start link's `body` prefill), sent right away. */
	text: z.string().min(1).optional(),
})

export const SendText = z.object({
	businessId,
	text: z.string().min(1),
	/** Send the `typing_start` Apple sends before a text (default true). */
	typing: z.boolean().default(true),
})

export const SendTyping = z.object({ businessId, active: z.boolean() })

export const SendTapback = z.object({
	businessId,
	reaction: z.enum(TAPBACKS),
	emoji: z.string().min(1).max(16).optional(),
	targetMessageId: z.string().optional(),
	targetText: z.string().optional(),
})

export const SendAttachmentJson = z.object({
	businessId,
	name: z.string().min(1).max(255),
	mimeType: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
	dataBase64: z.string().min(1),
	text: z.string().optional(),
})

export const SendAttachmentQuery = z.object({
	businessId,
	name: z.string().min(1).max(255),
	mimeType: z
		.string()
		.regex(/^[^/\s]+\/[^/\s]+$/)
		.default('application/octet-stream'),
	text: z.string().optional(),
})

export const SendReply = z.object({
	toMessageId: z.string().min(1),
	selection: ReplySelection.default({}),
})

export const SendClose = z.object({ businessId, block: z.boolean().default(false) })

/** `PUT /sim/api/businesses/:id`: the name customers see, and where its webhooks go. */
export const PutBusiness = z.object({
	name: z.string().trim().min(1, 'name is required').max(100),
	webhookUrl: z
		.url({ protocol: /^https?$/ })
		.nullable()
		.default(null),
})

export const SwitchesPatch = z
	.object({
		duplicateInteractiveReplies: z.boolean(),
		idrThresholdBytes: z.number().int().nonnegative(),
		decodePayloadWrapped: z.boolean(),
		acceptUnknownDestinations: z.boolean(),
		inboxRespondStatus: z.number().int().min(200).max(599),
		inboxWebhookSecret: z.string().startsWith('whsec_').nullable(),
		failNextMessages: z.number().int().nonnegative(),
		failureStatus: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
	})
	.partial()

export const SinceQuery = z.object({
	since: z.coerce.number().int().nonnegative().optional(),
	businessId: z.string().optional(),
	customerId: z.string().optional(),
})

/** Accepting an invitation: the option title the customer chose (the simulated template's "Accept"). */
export const AnswerInvitation = z.object({ title: z.string().min(1).max(100).optional() })
