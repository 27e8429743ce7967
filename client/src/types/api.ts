/**
 * Request and answer bodies of the business API (`/v1`), as the Worker sends them.
 */
import type { BusinessMessage, FallbackMessage, TemplateMessageType } from './messages.ts'

// --- messages ------------------------------------------------------------------------------

export interface SendMessageBody {
	/** The customer's opaque id (`urn:mbid:…`), from a `conversation.started` or `message.received` event. */
	customerId: string
	message: BusinessMessage
}

/** How the message was sent: as given, as its `fallback`, or as derived text. */
export type Rendered = 'original' | 'fallback' | 'text'

/** Why `rendered` is not `original` (e.g. `device_lacks_capability`). */
export interface RenderReason {
	code: string
	detail?: string
}

/** What Apple accepts but hurts the customer (a past time slot, no app icon): sent anyway. */
export interface SendWarning {
	path: string
	code: string
	message: string
}

/** `202` answer of `POST /v1/messages`. */
export interface SendResponse {
	id: string
	conversationId: string
	sequence: number
	status: 'queued'
	rendered: Rendered
	/** Rich links sent after the text, one per URL found in it. */
	richLinks: { id: string; sequence: number; url: string }[]
	renderReason?: RenderReason
	warnings?: SendWarning[]
}

/** What `sendMessage` resolves to: the server's answer plus the key it was sent with. */
export interface SendMessageResult extends SendResponse {
	/** The `Idempotency-Key` used (given or minted); send again with it to get this answer. */
	idempotencyKey: string
	/** True when the server answered from an earlier request with the same key. */
	replayed: boolean
}

// --- attachments ---------------------------------------------------------------------------

/** `201` answer of `POST /v1/attachments`. */
export interface Attachment {
	id: string
	name: string
	mimeType: string
	size: number
	/** RFC 3339: when the platform deletes the file. */
	expiresAt: string
}

// --- conversations -------------------------------------------------------------------------

/** One row of `GET /v1/conversations`. */
export interface ConversationSummary {
	conversationId: string
	customerId: string
	startedAt: string
}

/** `GET /v1/conversations/{id}`. */
export interface Conversation {
	conversationId: string
	businessId: string
	customerId: string
	status: 'open' | 'closed'
	/** Upper-case names such as `LIST`, `TIME`, `QUICK`; null before the device told us. */
	capabilities: string[] | null
	deviceAgent: string | null
	locale: string | null
	intent: string | null
	group: string | null
	lastSequence: number
	startedAt: string
	updatedAt: string
	closedAt: string | null
	/** The id Apple knows the business by in this conversation. */
	appleBusinessId: string
}

/** Where the delivery of one webhook event stands. */
export interface EventDelivery {
	id: string
	type: string
	state: 'pending' | 'delivered' | 'dead' | 'dropped'
	attempts: number
	lastStatus: number | null
	lastError: string | null
	nextAttemptAt: string | null
	settledAt: string | null
}

/** One message of `GET /v1/conversations/{id}/messages`, either direction. */
export interface MessageRecord {
	id: string
	sequence: number
	direction: 'inbound' | 'outbound'
	type: string
	/** e.g. `received`, `queued`, `retrying`, `sent`, `failed`. */
	status: string
	/** Apple's inbound body, or the business's message as accepted. */
	content: unknown
	createdAt: string
	updatedAt: string
	/** An outbound message waiting on a retry to Apple. */
	send?: { attempts: number; nextAttemptAt: string; lastError: string | null }
	events: EventDelivery[]
}

export interface HistoryOptions {
	/** Page size, 1–200 (default 50). */
	limit?: number
	/** `asc` (default): oldest first; `desc`: newest first. */
	order?: 'asc' | 'desc'
	/** Start after (asc) or before (desc) this sequence. */
	after?: number
}

// --- templates -----------------------------------------------------------------------------

/** A rich message whose strings may hold `{{variable}}` placeholders. */
export type TemplateMessageBody = Extract<FallbackMessage, { type: TemplateMessageType }>

export interface TemplateInput {
	name: string
	message: TemplateMessageBody
}

export interface Template {
	id: string
	name: string
	message: TemplateMessageBody
	/** The placeholders found in `message`. */
	variables: string[]
	/** Apple's reusable reference, once a send of this template returned one. */
	dataRef: Record<string, unknown> | null
	createdAt: string
	updatedAt: string
}

/** One problem preflight found, `{ path, message }` (also the shape of 400/422 `details`). */
export interface FieldProblem {
	path: string
	message: string
}

/** `POST /v1/templates/{id}/preview`: the filled message and what Apple would receive. */
export interface TemplatePreview {
	valid: boolean
	problems: FieldProblem[]
	warnings: SendWarning[]
	message: BusinessMessage
	/** Apple's body as it would be sent; null when `problems` is not empty. */
	apple: Record<string, unknown> | null
}

// --- deliveries ----------------------------------------------------------------------------

/** A webhook delivery that failed for good (`GET /v1/deliveries/failed`). */
export interface FailedDelivery {
	/** The event's `webhook-id`; a replay reuses it. */
	id: string
	eventType: string
	conversationId: string | null
	webhookUrl: string
	attempts: number
	lastStatus: number | null
	lastError: string | null
	failedAt: string
	replayedAt: string | null
}

export interface ReplayResult {
	id: string
	status: 'requeued'
}

// --- paging --------------------------------------------------------------------------------

/** One page of a list answer. */
export interface Page<T> {
	data: T[]
	nextCursor: string | null
}
