/**
 * Bodies of the webhook queue (and its dead-letter queue). Queue bodies are an edge like
 * any other: parsed with zod on the way out of the queue. A body is a doorbell: only
 * `conversation.started` carries its event (the consumer feeds the conversation index from
 * it), and only under INLINE_EVENT_LIMIT, so a body stays under the 128 KB queue limit
 * (docs/platform-limits.md). The same shape is kept with a dead letter, so a replay knows its conversation.
 */
import { z } from 'zod'

export const INLINE_EVENT_LIMIT = 96_000

export const WebhookEventSchema = z
	.object({
		type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/),
		timestamp: z.string(),
		data: z.record(z.string(), z.unknown()),
	})
	.strict()
export type WebhookEvent = z.infer<typeof WebhookEventSchema>

export const DeliverWebhookSchema = z
	.object({
		kind: z.literal('webhook.deliver'),
		/** Stable across retries and replays: the Standard Webhooks `webhook-id`. */
		eventId: z
			.string()
			.min(1)
			.max(128)
			.regex(/^[A-Za-z0-9_-]+$/),
		eventType: z.string().min(1).max(64),
		businessId: z.string().min(1).max(128),
		/** null for business-level events that belong to no conversation. */
		conversationId: z.string().max(128).nullable(),
		route: z.object({ intent: z.string().nullable(), group: z.string().nullable() }),
		/** The event's place in its conversation, so a batch is delivered in order. */
		sequence: z.number().int().min(0).optional(),
		/** `conversation.started` inline (it feeds the business's conversation index); null for every other event, which its conversation reads from storage. */
		event: WebhookEventSchema.nullable(),
		/** Set when a business replays a dead letter; the attempt count starts over. */
		replay: z.boolean().optional(),
	})
	.strict()
export type DeliverWebhook = z.infer<typeof DeliverWebhookSchema>

export type QueueBody = DeliverWebhook
export const QueueBodySchema = DeliverWebhookSchema
