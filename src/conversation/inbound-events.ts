/**
 * What an inbound Apple message means for the business: which events it emits and how it
 * changes the conversation (spec apple-msp-core.md §4). Pure, so it is tested without a
 * Durable Object.
 */
import type { InboundInteractive, InboundMessage, InboundText } from '../apple/inbound'
import { parseTapback } from '../apple/tapback'
import type { EventType } from './events'

export interface PlannedEvent {
	type: EventType
	data: Record<string, unknown>
}

/** Kind of an interactive reply, from the type key inside `data` (interactive §2.1). */
export function interactiveKind(data: Record<string, unknown> | undefined): string {
	if (!data) return 'unknown'
	const keys: [string, string][] = [
		['listPicker', 'listPicker'],
		['event', 'timePicker'],
		['quick-reply', 'quickReply'],
		['payment', 'applePay'],
		['authenticate', 'authenticate'],
		['dynamic', 'form'],
	]
	for (const [key, kind] of keys) if (key in data) return kind
	return 'unknown'
}

/** Duplicate interactive replies share sessionIdentifier + requestIdentifier (core §1.6). */
export function interactiveDedupeKey(m: InboundMessage): string | null {
	// The unknown-type schema excludes known type names, so `type` narrows soundly.
	if (m.type !== 'interactive') return null
	const data = (m as InboundInteractive).interactiveData
	const session = data?.sessionIdentifier
	const request = data?.data?.requestIdentifier
	return session && request ? `${session}\u0000${request}` : null
}

export function eventsFor(m: InboundMessage, messageId: string): PlannedEvent[] {
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
			const data = inline?.data as Record<string, unknown> | undefined
			return [
				{
					type: 'interactive.received',
					data: {
						messageId,
						kind: inline ? interactiveKind(data) : 'unknown',
						requestId: inline?.data?.requestIdentifier ?? null,
						byReference: ref !== undefined,
						raw: inline ?? ref ?? null,
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
