/**
 * The webhook events a conversation emits (events.ts; docs/product.md "Webhooks"), as schemas for
 * the OpenAPI document's `webhooks`: one per event type. Every body is
 * `{ type, timestamp, data }`, and `data` always carries businessId, conversationId,
 * customerId and the conversation's gapless `sequence` (docs/api.md "Webhooks").
 * Receivers should ignore fields they do not know: events may gain fields.
 * Besides these, the business's invitations object emits `invitation.updated`
 * (docs/invitations.md "States and events"), in its own series and with no conversation
 * until the customer accepts.
 */
import { z } from 'zod'
import { InvitationChoiceSchema, InvitationStatusSchema } from '../invitations/schemas'
import { RenderReasonSchema, SendWarningSchema } from '../messaging/schemas'
import type { EventType } from './events'

const base = {
	businessId: z.string(),
	conversationId: z.string(),
	customerId: z.string().meta({ description: "The customer's opaque Apple id (`urn:mbid:…`); send to it with `POST /v1/messages`." }),
	sequence: z.number().int().meta({ description: "The event's place in its conversation: gapless, so a receiver can restore order and spot gaps." }),
}
const messageId = z.string().meta({ description: 'The message this event is about.' })

const InboundAttachmentSchema = z
	.object({
		index: z.number().int(),
		status: z.enum(['ready', 'failed']).optional().meta({ description: 'Absent while the platform is still fetching it from Apple (the event waits for it).' }),
		id: z.string().optional().meta({ description: 'For `GET /v1/attachments/{id}`.' }),
		name: z.string(),
		mimeType: z.string(),
		size: z.number().int(),
		url: z.string().optional().meta({ description: 'A signed download link, valid until `urlExpiresAt`; no API key needed.' }),
		urlExpiresAt: z.string().optional(),
		expiresAt: z.string().optional().meta({ description: "When the stored file is purged (the business's retention)." }),
		error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
	})
	.meta({ id: 'InboundAttachment' })

const DATA: Record<EventType, { description: string; data: z.ZodRawShape }> = {
	'conversation.started': {
		description: 'A customer opened a conversation (or wrote again after closing it).',
		data: {
			intent: z.string().nullable().meta({ description: 'From the Messages link the customer used (`biz-intent-id`).' }),
			group: z.string().nullable().meta({ description: 'From the Messages link (`biz-group-id`).' }),
			locale: z.string().nullable(),
			capabilities: z
				.array(z.string())
				.meta({ description: 'What the device can show, upper-case names such as `LIST`, `TIME`, `QUICK`, `FORMS`.', examples: [['LIST', 'TIME', 'QUICK']] }),
			device: z.string().nullable().meta({ description: "The device's agent string, when Apple gives it." }),
			reopened: z.boolean(),
		},
	},
	'conversation.closed': {
		description: 'The customer deleted the conversation; sends answer 409 until they write again.',
		data: { reason: z.literal('customer_closed') },
	},
	'message.received': {
		description: 'The customer wrote; attachments come with signed links.',
		data: { text: z.string(), attachments: z.array(InboundAttachmentSchema) },
	},
	'reaction.received': {
		description: "A tapback, parsed from Apple's text form.",
		data: { rawText: z.string().meta({ description: 'The text Apple sent, e.g. `Liked “See you at 10”`.' }) },
	},
	'interactive.received': {
		description:
			'A reply to a list picker, time picker, quick reply, form, authentication, Apple Pay or iMessage app, or the acceptance of an invitation, normalised and matched to the request it answers.',
		data: {
			kind: z.enum(['quickReply', 'listPicker', 'timePicker', 'form', 'iMessageApp', 'authenticate', 'applePay', 'invitation', 'unknown']),
			requestId: z.string().nullable().meta({ description: "Apple's `requestIdentifier` of the request answered." }),
			requestMessageId: z.string().nullable().optional().meta({ description: 'The `id` of the send this answers, when known.' }),
			templateId: z.string().nullable().optional().meta({ description: 'The template the request came from, if any.' }),
			displayText: z.string().nullable().optional().meta({ description: "What the customer's bubble says." }),
			selected: z.unknown().optional().meta({
				description: 'quickReply: `{ index, id, title }`; listPicker: `[{ sectionIndex, sectionTitle, id, title }]`; invitation: `{ title, subtitle, id }`.',
			}),
			referenceId: z.string().nullable().optional().meta({ description: 'invitation: the `referenceId` of the invitation accepted.' }),
			invitationId: z.string().optional().meta({ description: 'invitation: the invitation this answer accepted (join with its `invitation.updated`).' }),
			slot: z.unknown().optional().meta({ description: 'timePicker: `{ id, start, durationSeconds, appleStartTime }`.' }),
			pages: z.unknown().optional().meta({ description: 'form: the answers per page.' }),
			byReference: z.boolean().meta({ description: 'The reply was larger than Apple inlines and was fetched by reference.' }),
			raw: z.unknown().meta({ description: "Apple's interactive data as received." }),
		},
	},
	'typing.started': { description: 'The customer started typing.', data: {} },
	'typing.stopped': { description: 'The customer stopped typing.', data: {} },
	'message.sent': {
		description: 'Apple accepted a message you sent.',
		data: {
			type: z.string().meta({ description: 'The message type you sent.' }),
			rendered: z.enum(['original', 'fallback', 'text']),
			renderReason: RenderReasonSchema.optional(),
			warnings: z.array(SendWarningSchema).optional(),
			attempts: z.number().int(),
			dataRef: z.record(z.string(), z.unknown()).nullable().optional().meta({ description: "Apple's reference to an interactive payload it keeps." }),
		},
	},
	'message.failed': {
		description: 'Apple refused a message you sent, or it could not be delivered before retries ran out.',
		data: {
			type: z.string(),
			rendered: z.enum(['original', 'fallback', 'text']),
			attempts: z.number().int(),
			reason: z.enum(['apple_rejected', 'retries_exhausted']),
			appleStatus: z.number().int().nullable().optional().meta({ description: "Apple's HTTP status of the last attempt." }),
			appleBody: z.unknown().optional().meta({ description: "Apple's answer of the last attempt." }),
		},
	},
}

/** Business-level: the invitations object's series, not a conversation's (invitations/store.ts `emitUpdated`). */
const INVITATION_UPDATED = {
	type: 'invitation.updated',
	description:
		'An invitation changed state (each state, the first included, is one event): submitting → submitted → accepted | declined, or provider_rejected | error. `conversationId` and `customerId` are null until the customer accepts.',
	data: {
		businessId: z.string(),
		conversationId: z.string().nullable().meta({ description: 'Set once the customer accepted: the conversation their answer started.' }),
		customerId: z.string().nullable().meta({ description: "Set once the customer accepted: the customer's opaque Apple id (`urn:mbid:…`)." }),
		sequence: z
			.number()
			.int()
			.meta({ description: "The event's place in the business's invitation events: gapless, a series of its own (not a conversation's)." }),
		invitationId: z.string(),
		status: InvitationStatusSchema,
		previousStatus: InvitationStatusSchema.nullable().meta({ description: 'Null on the first event (`submitting`).' }),
		referenceId: z.string(),
		phoneNumber: z.string(),
		templateId: z.string().meta({ description: 'Apple’s notification template of the invitation.' }),
		appleStatus: z.number().int().optional().meta({ description: "Apple's HTTP status when it refused or failed." }),
		appleBody: z.string().nullable().optional().meta({ description: "An excerpt of Apple's answer." }),
		choice: InvitationChoiceSchema.optional(),
		reason: z.enum(['apple_rejected', 'retries_exhausted', 'customer_opted_out', 'opted_out_before_send']).optional().meta({
			description:
				'Why an invitation ended without an answer: `opted_out_before_send` when the number opted out while it waited on a retry (it is never sent).',
		}),
	},
} as const

const name = (type: string) =>
	type
		.split('.')
		.map((p) => p[0]!.toUpperCase() + p.slice(1))
		.join('') + 'Event'

const envelope = (type: string, description: string, data: z.ZodRawShape) =>
	z
		.object({
			type: z.literal(type),
			timestamp: z.string().meta({ description: 'When it happened, RFC 3339.', format: 'date-time' }),
			data: z.object(data),
		})
		.meta({ id: name(type), description })

/** One schema per event type (`message.received` → component `MessageReceivedEvent`), `invitation.updated` last. */
export const WEBHOOK_EVENTS: { type: EventType | typeof INVITATION_UPDATED.type; description: string; schema: z.ZodType }[] = [
	...(Object.keys(DATA) as EventType[]).map((type) => {
		const { description, data } = DATA[type]
		return { type, description, schema: envelope(type, description, { ...base, ...(type === 'conversation.started' ? {} : { messageId }), ...data }) }
	}),
	{
		type: INVITATION_UPDATED.type,
		description: INVITATION_UPDATED.description,
		schema: envelope(INVITATION_UPDATED.type, INVITATION_UPDATED.description, INVITATION_UPDATED.data),
	},
]
