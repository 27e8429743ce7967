/**
 * The webhook events the platform sends to a business (Standard Webhooks), by hand from the
 * platform's event payloads. Every conversation event's `data` carries `businessId`,
 * `conversationId`, `customerId` and the conversation's gapless `sequence`, so a receiver can
 * restore order and spot gaps. Narrow on `type`:
 *
 *   if (event.type === 'message.received') event.data.text
 */
import type { Rendered, RenderReason, SendWarning } from './api.ts'

export interface EventBase {
	businessId: string
	conversationId: string
	customerId: string
	sequence: number
}

interface Envelope<T extends string, D> {
	type: T
	/** RFC 3339. */
	timestamp: string
	data: D
}

// --- conversation --------------------------------------------------------------------------

export type ConversationStartedEvent = Envelope<
	'conversation.started',
	EventBase & {
		intent: string | null
		group: string | null
		locale: string | null
		/** Upper-case names such as `LIST`, `TIME`, `QUICK`. */
		capabilities: string[]
		/** Apple's `device-agent`. */
		device: string | null
		/** True when a closed conversation started again. */
		reopened: boolean
	}
>

export type ConversationClosedEvent = Envelope<'conversation.closed', EventBase & { messageId: string; reason: 'customer_closed' }>

export type TypingStartedEvent = Envelope<'typing.started', EventBase & { messageId: string }>
export type TypingStoppedEvent = Envelope<'typing.stopped', EventBase & { messageId: string }>

// --- inbound messages ----------------------------------------------------------------------

/** A customer's attachment, stored by the platform, with a signed, expiring download link. */
export interface ReadyAttachment {
	index: number
	status: 'ready'
	id: string
	name: string
	mimeType: string
	size: number
	url: string
	urlExpiresAt: string
	expiresAt: string
}

export interface FailedAttachment {
	index: number
	status: 'failed'
	name: string
	mimeType: string
	size: number
	error: { code: string; message: string; retryable: boolean }
}

export type EventAttachment = ReadyAttachment | FailedAttachment

export type MessageReceivedEvent = Envelope<'message.received', EventBase & { messageId: string; text: string; attachments: EventAttachment[] }>

export type Reaction = 'liked' | 'loved' | 'disliked' | 'laughed' | 'emphasized' | 'questioned' | 'emoji' | 'sticker'

/** A tapback, parsed from Apple's text form (`Liked “…”`); the raw text stays in `rawText`. */
export type ReactionReceivedEvent = Envelope<
	'reaction.received',
	EventBase & { messageId: string; reaction: Reaction; targetText: string; emoji?: string; removed?: boolean; rawText: string }
>

// --- interactive replies -------------------------------------------------------------------

export type FormAnswer =
	| { type: 'select' | 'picker'; id: string | null; title: string | null; value: string | null }
	| { type: 'input'; id: string | null; value: string }
	| { type: 'datePicker'; id: string | null; value: string; date: string | null }
	| { type: 'unknown'; id: string | null; title: string | null; value: unknown }

export interface FormPageAnswers {
	pageId: string | null
	type: string | null
	title: string | null
	answers: FormAnswer[]
}

/** A reply matched (by `requestId`) to the interactive message it answers. */
interface ReplyBase {
	messageId: string
	requestId: string | null
	sessionId: string | null
	/** What the customer's bubble says. */
	displayText: string | null
	matchedRequest: boolean
	/** The id of our message this answers, and the template it came from. */
	requestMessageId: string | null
	templateId: string | null
	/** True when Apple sent the reply by reference and the platform fetched it. */
	byReference: boolean
	/** Apple's reply as received. */
	raw: unknown
}

export type InteractiveReply = ReplyBase &
	(
		| { kind: 'quickReply'; selected: { index: number; id: string | null; title: string | null } | null }
		| { kind: 'listPicker'; selected: { sectionIndex: number | null; sectionTitle: string | null; id: string | null; title: string | null }[] }
		| {
				kind: 'timePicker'
				eventId: string | null
				timezoneOffset: number | null
				slot: { id: string | null; start: string | null; durationSeconds: number | null; appleStartTime: string | null } | null
		  }
		| { kind: 'form'; pages: FormPageAnswers[] }
		| { kind: 'iMessageApp'; url: string | null; query: Record<string, string> }
		| { kind: 'authenticate' | 'applePay'; outcome: 'pending-hosted-flow'; status: string | null }
	)

/**
 * A reply that could not be read: an odd payload, or one sent by reference whose download
 * failed for good (`error`). The fields of a matched reply are there when they were known.
 */
export type UnknownReply = Partial<Omit<ReplyBase, 'messageId' | 'requestId' | 'byReference' | 'raw'>> &
	Pick<ReplyBase, 'messageId' | 'byReference' | 'raw'> & {
		kind: 'unknown'
		requestId: string | null
		error?: { code: string; message: string }
	}

/** Why a hosted flow (authentication, Apple Pay) failed. */
export type HostedFailureReason =
	| 'state_mismatch'
	| 'expired'
	| 'idp_error'
	| 'token_exchange_failed'
	| 'user_id_lookup_failed'
	| 'decryption_failed'
	| 'device_reported_failure'
	| 'not_configured'
	| 'business_declined'
	| 'business_unreachable'

/** The settled outcome of an `authenticate` message. */
export interface AuthenticateOutcome {
	messageId: string
	kind: 'authenticate'
	requestId: string
	flow: 'auth2' | 'legacy'
	outcome: 'authenticated' | 'failed'
	reason: HostedFailureReason | null
	detail: string | null
	externalUserId: string | null
	/** Only when the message asked for it (`returnToken`). */
	accessToken?: string
	tokenType?: string
	expiresIn?: number
	scope?: string[]
}

/** The settled outcome of an `applePay` message. */
export interface ApplePayOutcome {
	messageId: string
	kind: 'applePay'
	requestId: string
	outcome: 'success' | 'failure'
	reason: HostedFailureReason | null
	detail: string | null
	paymentMethod: { displayName?: string; network?: string; type?: string } | null
	transactionIdentifier: string | null
	appleStatus: 'STATUS_SUCCESS' | 'STATUS_FAILURE' | null
}

export type InteractiveReceivedEvent = Envelope<'interactive.received', EventBase & (InteractiveReply | UnknownReply | AuthenticateOutcome | ApplePayOutcome)>

// --- outbound outcomes ---------------------------------------------------------------------

interface SendOutcomeBase {
	messageId: string
	/** The type the business sent. */
	type: string
	rendered: Rendered
	renderReason?: RenderReason
	warnings?: SendWarning[]
	attempts: number
}

export type MessageSentEvent = Envelope<'message.sent', EventBase & SendOutcomeBase & { dataRef: Record<string, unknown> | null }>

export type MessageFailedEvent = Envelope<
	'message.failed',
	EventBase &
		SendOutcomeBase & {
			/** Apple's last status, or null when it never answered. */
			appleStatus: number | null
			appleBody: string
			reason: 'apple_rejected' | 'retries_exhausted'
		}
>

// --- business-level ------------------------------------------------------------------------

export type InvitationStatus = 'submitting' | 'submitted' | 'accepted' | 'declined' | 'provider_rejected' | 'error'

/**
 * A business-initiated conversation's invitation changed status. A business-level event: its
 * `sequence` counts the business's invitation events, and `conversationId`/`customerId` are
 * set once the customer accepted.
 */
export type InvitationUpdatedEvent = Envelope<
	'invitation.updated',
	{
		businessId: string
		conversationId: string | null
		customerId: string | null
		sequence: number
		invitationId: string
		status: InvitationStatus
		previousStatus: InvitationStatus | null
		referenceId: string
		phoneNumber: string
		templateId: string
		/** Apple's status and body excerpt when it refused or failed last. */
		appleStatus?: number | null
		appleBody?: string | null
		/** What the customer picked, once they answered. */
		choice?: { title: string | null; subtitle: string | null; id: string | null }
		reason?: string
	}
>

export type WebhookEvent =
	| ConversationStartedEvent
	| ConversationClosedEvent
	| MessageReceivedEvent
	| ReactionReceivedEvent
	| InteractiveReceivedEvent
	| TypingStartedEvent
	| TypingStoppedEvent
	| MessageSentEvent
	| MessageFailedEvent
	| InvitationUpdatedEvent

export type WebhookEventType = WebhookEvent['type']
