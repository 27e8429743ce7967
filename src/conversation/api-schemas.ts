/**
 * Conversations and their history as `GET /v1/conversations…` answers them (schema.ts
 * `ConversationState`, outbound.ts `MessageRecord`). Named OpenAPI components (docs/api.md).
 */
import { z } from 'zod'

export const ConversationSummarySchema = z
	.object({ conversationId: z.string(), customerId: z.string(), startedAt: z.string().meta({ format: 'date-time' }) })
	.meta({ id: 'ConversationSummary' })

export const ConversationPageSchema = z
	.object({
		data: z.array(ConversationSummarySchema),
		nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
	})
	.meta({ id: 'ConversationPage' })

export const ConversationSchema = z
	.object({
		conversationId: z.string(),
		businessId: z.string(),
		customerId: z.string(),
		status: z.enum(['open', 'closed']).meta({ description: '`closed` once the customer deleted it; sends answer 409 until they write again.' }),
		capabilities: z.array(z.string()).nullable().meta({ description: 'What the device can show (`LIST`, `TIME`, `QUICK`…), from its latest message.' }),
		deviceAgent: z.string().nullable(),
		locale: z.string().nullable(),
		intent: z.string().nullable(),
		group: z.string().nullable(),
		lastSequence: z.number().int(),
		startedAt: z.string(),
		updatedAt: z.string(),
		closedAt: z.string().nullable(),
		appleBusinessId: z.string().meta({ description: 'The id Apple knows the business by in this conversation (`sourceId` of the sends).' }),
	})
	.meta({ id: 'Conversation' })

const EventDeliverySchema = z
	.object({
		id: z.string().meta({ description: 'The `webhook-id` of its deliveries.' }),
		type: z.string(),
		state: z.enum(['pending', 'delivered', 'dead', 'dropped']),
		attempts: z.number().int(),
		lastStatus: z.number().int().nullable(),
		lastError: z.string().nullable(),
		nextAttemptAt: z.string().nullable(),
		settledAt: z.string().nullable(),
	})
	.meta({ id: 'EventDelivery', description: 'A webhook event this message caused and where its delivery stands.' })

export const MessageRecordSchema = z
	.object({
		id: z.string(),
		sequence: z.number().int(),
		direction: z.enum(['inbound', 'outbound']),
		type: z.string(),
		status: z.string().meta({ description: 'Outbound: `queued`, `sent`, `failed`; inbound: `received`.' }),
		content: z.unknown().meta({ description: 'Outbound: the message as you sent it; inbound: what Apple delivered.' }),
		createdAt: z.string(),
		updatedAt: z.string(),
		send: z
			.object({ attempts: z.number().int(), nextAttemptAt: z.string(), lastError: z.string().nullable() })
			.optional()
			.meta({ description: 'An outbound message waiting on a retry to Apple.' }),
		events: z.array(EventDeliverySchema),
	})
	.meta({ id: 'MessageRecord' })

export const MessagePageSchema = z
	.object({
		data: z.array(MessageRecordSchema),
		nextCursor: z.string().nullable().meta({ description: 'A sequence: pass as `cursor` for the next page (same `order`); null on the last.' }),
	})
	.meta({ id: 'MessagePage' })
