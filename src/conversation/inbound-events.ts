/**
 * What an inbound Apple message means for the business: which events it emits and how it
 * changes the conversation (docs/apple-protocol.md §4). Pure, so it is tested without a
 * Durable Object.
 */
import type { InboundInteractive, InboundMessage, InboundText } from '../apple/inbound'
import { normaliseReply } from '../apple/replies'
import { parseTapback } from '../apple/tapback'
import type { EventType } from './events'

export interface PlannedEvent {
	type: EventType
	data: Record<string, unknown>
}

/** The interactive message a reply answers, as stored when we sent it. */
export interface StoredRequest {
	messageId: string
	templateId: string | null
	request: unknown
}

/** `requestIdentifier` of a reply (or `sessionIdentifier` for iMessage apps, replies.ts). */
function replyRequestId(data: InboundInteractive['interactiveData']): string | null {
	return data?.data?.requestIdentifier ?? data?.sessionIdentifier ?? null
}

/** Duplicate interactive replies share sessionIdentifier + requestIdentifier (docs/apple-protocol.md §1.6). */
export function interactiveDedupeKey(m: InboundMessage): string | null {
	// The unknown-type schema excludes known type names, so `type` narrows soundly.
	if (m.type !== 'interactive') return null
	const data = (m as InboundInteractive).interactiveData
	const session = data?.sessionIdentifier
	const request = data?.data?.requestIdentifier
	return session && request ? `${session}\u0000${request}` : null
}

export function eventsFor(m: InboundMessage, messageId: string, lookup: (requestId: string) => StoredRequest | null = () => null): PlannedEvent[] {
	switch (m.type) {
		case 'text': {
			const text = m as InboundText
			const body = text.body
			const attachments = text.attachments ?? []
			const tapback = attachments.length === 0 ? parseTapback(body) : null
			if (tapback) {
				return [{ type: 'reaction.received', data: { messageId, ...tapback, rawText: body } }]
			}
			return [
				{
					type: 'message.received',
					data: {
						messageId,
						text: body,
						attachments: attachments.map((a, index) => ({
							index,
							name: a.name,
							mimeType: a.mimeType,
							size: a.size,
						})),
					},
				},
			]
		}
		case 'interactive': {
			const { interactiveDataRef: ref, interactiveData: inline } = m as InboundInteractive
			if (!inline) {
				// Over 10 KB: the reply is fetched by reference before it can be normalised (docs/apple-protocol.md §4.8).
				return [{ type: 'interactive.received', data: { messageId, kind: 'unknown', requestId: null, byReference: true, raw: ref ?? null } }]
			}
			const requestId = replyRequestId(inline)
			const stored = requestId ? lookup(requestId) : null
			const reply = normaliseReply(inline, stored?.request)
			return [
				{
					type: 'interactive.received',
					data: {
						messageId,
						...reply,
						requestMessageId: stored?.messageId ?? null,
						templateId: stored?.templateId ?? null,
						byReference: false,
						raw: inline,
					},
				},
			]
		}
		case 'typing_start':
			return [{ type: 'typing.started', data: { messageId } }]
		case 'typing_end':
			return [{ type: 'typing.stopped', data: { messageId } }]
		case 'close':
			return [{ type: 'conversation.closed', data: { messageId, reason: 'customer_closed' } }]
		default:
			return []
	}
}
