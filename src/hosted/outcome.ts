/**
 * The one event a hosted request produces for its business: `interactive.received` with
 * `kind` `authenticate` or `applePay` and an `outcome` (docs/product.md "Webhooks";
 * docs/apple-interactive.md §5.5, §5.6). The outcome is settled in the Business object
 * (sealed: it may carry an access token), then handed to the conversation, which gives it
 * its gapless `sequence` and delivers it like every other event. What could not be handed
 * over is retried by the Business object's alarm (store.ts outbox).
 */
import { z } from 'zod'
import { conversationById } from '../conversation/directory'
import type { Env } from '../context'
import { openSecret, sealSecret } from '../lib/crypto'
import type { HostedKind, HostedRequest } from './store'
import { errorText, log } from '../lib/log'

/** Why a hosted request failed; stable strings the business can switch on. */
export type FailureReason =
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

export interface AuthenticateOutcome {
	kind: 'authenticate'
	requestId: string
	flow: 'auth2' | 'legacy'
	outcome: 'authenticated' | 'failed'
	reason: FailureReason | null
	/** Short, sanitised detail (an OAuth error code, an HTTP status); never a response body. */
	detail: string | null
	externalUserId: string | null
	/** Only when the business asked for it (`returnToken`). */
	accessToken?: string
	tokenType?: string
	expiresIn?: number
	scope?: string[]
}

export interface ApplePayOutcome {
	kind: 'applePay'
	requestId: string
	outcome: 'success' | 'failure'
	reason: FailureReason | null
	detail: string | null
	paymentMethod: { displayName?: string; network?: string; type?: string } | null
	transactionIdentifier: string | null
	/** What the payment gateway answered Apple; a repeated gateway call gets the same answer. */
	appleStatus: 'STATUS_SUCCESS' | 'STATUS_FAILURE' | null
}

export type HostedOutcome = AuthenticateOutcome | ApplePayOutcome

/**
 * What the conversation object must offer (the lead adds it to conversation-do.ts): record
 * the outcome as `interactive.received` once per (kind, requestId) and deliver it.
 */
export interface HostedOutcomeInput {
	requestId: string
	kind: HostedKind
	/** Event `data` beyond businessId/conversationId/customerId/sequence. */
	data: Record<string, unknown>
	/** RFC 3339: when the outcome was settled. */
	at: string
}

export interface HostedOutcomeTarget {
	recordHostedOutcome(input: HostedOutcomeInput): Promise<{ status: 'recorded' | 'duplicate' | 'no_conversation' }>
}

const outcomeAad = (requestId: string) => `hosted-outcome:${requestId}`

export const sealOutcome = (kek: string, o: HostedOutcome) => sealSecret(kek, JSON.stringify(o), outcomeAad(o.requestId))

/** What stays stored after delivery: no token, so a dump of the object reveals nothing. */
export function outcomeSummary(o: HostedOutcome): string {
	if (o.kind === 'authenticate') {
		const { accessToken: _t, ...rest } = o
		return JSON.stringify(rest)
	}
	return JSON.stringify(o)
}

const StoredOutcome = z.looseObject({ kind: z.enum(['authenticate', 'applePay']), requestId: z.string() })

/** Open a settled row's outcome: sealed until delivered, the plain summary after. */
export async function openOutcome(kek: string, row: HostedRequest): Promise<HostedOutcome | null> {
	if (!row.outcomeJson) return null
	const text = row.outcomeJson.startsWith('v1.') ? await openSecret(kek, row.outcomeJson, outcomeAad(row.requestId)) : row.outcomeJson
	const parsed = StoredOutcome.safeParse(JSON.parse(text))
	return parsed.success ? (parsed.data as unknown as HostedOutcome) : null
}

const AuthDetailFlow = z.looseObject({ flow: z.enum(['auth2', 'legacy']) })

/** The outcome of a request nobody completed in time. */
export function expiredOutcome(row: HostedRequest): HostedOutcome {
	if (row.kind === 'applePay') {
		return {
			kind: 'applePay',
			requestId: row.requestId,
			outcome: 'failure',
			reason: 'expired',
			detail: null,
			paymentMethod: null,
			transactionIdentifier: null,
			appleStatus: null,
		}
	}
	const detail = AuthDetailFlow.safeParse(safeJson(row.detailJson))
	return {
		kind: 'authenticate',
		requestId: row.requestId,
		flow: detail.success ? detail.data.flow : 'auth2',
		outcome: 'failed',
		reason: 'expired',
		detail: null,
		externalUserId: null,
	}
}

/**
 * Hand the outcome to its conversation. False when that failed (the alarm retries); an
 * outcome for a conversation that no longer exists is dropped as delivered.
 */
export async function emitOutcome(env: Env, row: HostedRequest, outcome: HostedOutcome): Promise<boolean> {
	const stub = conversationById(env, row.conversationId)
	if (!stub) return true
	// Until conversation-do.ts declares recordHostedOutcome, its stub type does not show it.
	const target = stub as unknown as HostedOutcomeTarget
	try {
		const { kind: _k, ...data } = outcome
		await target.recordHostedOutcome({
			requestId: row.requestId,
			kind: row.kind,
			data: { kind: outcome.kind, ...data },
			at: new Date(row.settledAt ?? Date.now()).toISOString(),
		})
		return true
	} catch (err) {
		log.warn('hosted outcome not yet delivered to its conversation', { conversationId: row.conversationId, requestId: row.requestId, error: errorText(err) })
		return false
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text)
	} catch {
		return null
	}
}
