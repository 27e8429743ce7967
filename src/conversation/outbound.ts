/**
 * Types and timing of outbound sends held by the conversation object. A job is everything
 * needed to (re)send one message to Apple; Apple 429/5xx/timeouts are retried with backoff
 * while later messages wait behind it, so order holds (issue: "keeping order").
 */
import type { AppleAttachment } from '../attachments/outbound'
import type { BusinessRecord } from '../business/schema'
import type { EventDelivery } from './outbox'

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000

/** Retry delays for Apple: 2 s, 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h; then failed. */
export const SEND_RETRY_MS = [2_000, 10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000] as const

/** When to try again after `attempts` failures, or null when it is time to give up. */
export function nextSendAttemptAt(attempts: number, retryAfterSeconds: number | null, now: number, random = Math.random): number | null {
	const base = SEND_RETRY_MS[attempts - 1]
	if (base === undefined) return null
	const jittered = base * (0.8 + 0.4 * random())
	// Whole milliseconds: alarms fire at whole milliseconds, and a head due 0.7 ms after its
	// alarm must not look "not yet due" to it.
	return Math.ceil(now + Math.max(jittered, (retryAfterSeconds ?? 0) * 1000))
}

export type Rendered = 'original' | 'fallback' | 'text'

/** Why `rendered` is not `original`: a machine-readable code with its detail (docs/product.md). */
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

export interface OutboundJob {
	messageId: string
	messageType: string
	rendered: Rendered
	appleBody: { id: string; sourceId: string; destinationId: string; type: string } & Record<string, unknown>
	autoReply: boolean
	includeDataRef: boolean
	/** Apple's endpoint: authentication goes to /v1/authenticate (docs/apple-interactive.md §5.6). */
	endpoint?: '/v1/message' | '/v1/authenticate'
	/** The template this message came from; Apple's dataRef for it is stored back on it. */
	templateId?: string | null
	/** What a reply to this interactive message is matched against (apple/replies.ts), or null. */
	request: Record<string, unknown> | null
	/** Outbound attachment ids (POST /v1/attachments) to encrypt and upload at send time. */
	attachmentIds?: string[]
	/** Their Apple dictionaries once uploaded, so a retry does not upload again. */
	preparedAttachments?: AppleAttachment[]
	/** Why this job is not the original message; carried onto `message.sent`. */
	renderReason?: RenderReason
	/** Preflight warnings of the business's message; carried onto `message.sent`. */
	warnings?: SendWarning[]
}

export interface SendInput {
	businessId: string
	idempotencyKey: string | null
	requestHash: string
	messageType: string
	rendered: Rendered
	/** The business's message as accepted (JSON text), kept in history. */
	request: string
	/** The message, then any rich links for URLs in its text; consecutive sequences. */
	jobs: OutboundJob[]
}

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

export type SendOutcome =
	| { kind: 'accepted'; response: SendResponse }
	| { kind: 'replayed'; response: SendResponse }
	| { kind: 'idempotency_conflict' }
	| { kind: 'no_conversation' }
	| { kind: 'closed' }

/** One `POST /v1/messages`, handed whole to the conversation object (one call per send). */
export interface SendRequest {
	business: BusinessRecord
	customerId: string
	idempotencyKey: string | null
	requestHash: string
	/** The business's message, schema-checked by the route (a BusinessMessage). */
	message: unknown
	/** Public origin of the Worker, for hosted-flow URLs. */
	origin: string
}

/** A refusal found while preparing the message (422 preflight, unknown template, …). */
export interface SendRefusal {
	kind: 'refused'
	status: 400 | 404 | 409 | 413 | 422
	code: string
	message: string
	/** Per-field problems, `{ path, message }` (what the 4xx answer's `details` carries). */
	details?: { path: string; message: string }[]
}

export type SendResult = SendOutcome | SendRefusal

export interface MessageRecord {
	id: string
	sequence: number
	direction: 'inbound' | 'outbound'
	type: string
	status: string
	content: unknown
	createdAt: string
	updatedAt: string
	/** An outbound message waiting on a retry to Apple: how often it was tried and when next. */
	send?: { attempts: number; nextAttemptAt: string; lastError: string | null }
	/** The business events this message caused and where each delivery stands. */
	events: EventDelivery[]
}

export interface MessagePage {
	data: MessageRecord[]
	hasMore: boolean
}
