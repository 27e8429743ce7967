/**
 * The events a conversation emits to its business (docs/product.md "Webhooks"). `data` always
 * carries businessId, conversationId, customerId and the conversation's gapless
 * `sequence`, so a consumer can restore order and spot gaps.
 */
import type { WebhookEvent } from '../delivery/queue-messages'

export type EventType =
	| 'conversation.started'
	| 'conversation.closed'
	| 'message.received'
	| 'reaction.received'
	| 'interactive.received'
	| 'typing.started'
	| 'typing.stopped'
	| 'message.sent'
	| 'message.failed'

export interface EventBase {
	businessId: string
	conversationId: string
	customerId: string
	sequence: number
}

export function makeEvent(type: EventType, base: EventBase, data: Record<string, unknown>, at: Date): WebhookEvent {
	return { type, timestamp: at.toISOString(), data: { ...base, ...data } }
}
