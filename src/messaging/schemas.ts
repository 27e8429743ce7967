/**
 * The send's request and answer (docs/product.md "Business API", `POST /v1/messages`), and how a
 * malformed message is refused. Shared by the send route and the template preview, so both
 * answer a bad message the same way (docs/api.md "Preview answers like a send").
 */
import { z } from 'zod'
import { BusinessMessageSchema } from '../apple/outbound'
import { type AppError, FieldProblemSchema, unprocessable } from '../lib/errors'
import { bodyValidationError } from '../lib/json-body'

export const SendMessageSchema = z
	.strictObject({
		customerId: z.string().min(1).max(512).meta({ description: "The customer's opaque Apple id (`urn:mbid:…`), as given in `conversation.started`." }),
		message: BusinessMessageSchema,
	})
	.meta({ id: 'SendMessageRequest' })

export const RenderReasonSchema = z
	.object({
		code: z.string().meta({ description: '`device_lacks_capability`, `rich_link_unreachable`, …' }),
		detail: z.string().optional().meta({ description: 'E.g. the capability the device lacks (`LIST`).' }),
	})
	.meta({ id: 'RenderReason', description: 'Why the message was not sent as written (`rendered` is not `original`).' })

export const SendWarningSchema = z
	.object({
		path: z.string().meta({ description: 'Dotted path into the request, e.g. `message.slots.0.start`.' }),
		code: z.string().meta({ description: '`time_slot_past`, `app_icon_missing`, …' }),
		message: z.string(),
	})
	.meta({ id: 'SendWarning', description: 'Something Apple accepts but that hurts the customer; the message is sent anyway.' })

export const SendResponseSchema = z
	.object({
		id: z.string().meta({ description: 'The message id; `message.sent` and `message.failed` carry it as `messageId`.' }),
		conversationId: z.string(),
		sequence: z.number().int().meta({ description: "The message's place in its conversation (gapless, shared with inbound messages and events)." }),
		status: z.literal('queued'),
		rendered: z
			.enum(['original', 'fallback', 'text'])
			.meta({ description: '`original` as written; `fallback` your fallback; `text` a text the platform derived, for a device that cannot show the type.' }),
		richLinks: z
			.array(z.object({ id: z.string(), sequence: z.number().int(), url: z.string() }))
			.meta({ description: 'Rich links sent after the text, one per URL found in it.' }),
		renderReason: RenderReasonSchema.optional(),
		warnings: z.array(SendWarningSchema).optional(),
	})
	.meta({ id: 'SendResponse', description: 'Accepted and queued; the outcome arrives as `message.sent` or `message.failed`.' })

export type SendMessageRequest = z.input<typeof SendMessageSchema>
export type SendResponseBody = z.output<typeof SendResponseSchema>

/**
 * A well-formed message with a key Apple does not know (e.g. `listPickerItem` for `items`)
 * is one of Apple's known rejections: 422 naming the key, like the rest of preflight.
 */
export function wrongKeysAre422(issues: z.core.$ZodIssue[]): AppError | null {
	if (
		issues.length === 0 ||
		!issues.every(
			(i) =>
				i.code === 'unrecognized_keys' ||
				(i.code === 'invalid_union' &&
					i.errors.length > 0 &&
					i.errors.some((branch) => branch.length > 0 && branch.every((b) => b.code === 'unrecognized_keys'))),
		)
	)
		return null
	const keys = issues.flatMap((i) =>
		i.code === 'unrecognized_keys'
			? i.keys.map((k) => `${[...i.path, k].join('.')}`)
			: i.code === 'invalid_union'
				? i.errors.flat().flatMap((b) => (b.code === 'unrecognized_keys' ? b.keys.map((k) => [...i.path, ...b.path, k].join('.')) : []))
				: [],
	)
	return unprocessable(
		'Apple would reject this message',
		[...new Set(keys)].map((path) => ({ path, message: 'unknown key; check the spelling against the API' })),
	)
}

const MessageOnly = z.object({ message: BusinessMessageSchema })

/**
 * Parse a message as the send's body would: the same 400 (or 422 for unknown keys) with the
 * same `message.…` paths as `POST /v1/messages`.
 */
export function parseMessageLikeSend(message: unknown): z.output<typeof BusinessMessageSchema> {
	const parsed = MessageOnly.safeParse({ message })
	if (!parsed.success) throw bodyValidationError(parsed.error.issues, wrongKeysAre422)
	return parsed.data.message
}

/** A template preview's answer (preview.ts): what a send of the filled message would carry. */
export const PreviewSchema = z
	.object({
		valid: z
			.literal(true)
			.meta({ description: 'Always true: a message that a send would refuse is refused here the same way (400 or 422).', deprecated: true }),
		problems: z.array(FieldProblemSchema).max(0).meta({ description: 'Always empty, for the same reason.', deprecated: true }),
		warnings: z.array(SendWarningSchema).meta({ description: 'What a send of this message would carry in `warnings`.' }),
		message: BusinessMessageSchema,
		apple: z.record(z.string(), z.unknown()).meta({ description: 'The body that would go to Apple (placeholder ids for message, business and customer).' }),
	})
	.meta({ id: 'TemplatePreview', description: 'The filled message as a send would see it, and what would go to Apple.' })
