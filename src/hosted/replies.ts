/**
 * The hook the inbound path calls for a device reply to an authentication or Apple Pay
 * request (docs/apple-interactive.md §5.5, §5.6): it completes or fails the hosted
 * request, whose outcome then reaches the business as its one `interactive.received`
 * (outcome.ts). Replies to requests we did not make (raw `apple` payloads) are left alone.
 */
import { businessStub } from '../business/directory'
import type { Config, Env } from '../context'
import { settleApplePayReply } from './apple-pay'
import { settleAuthenticateReply } from './oauth'
import type { HostedRequest } from './store'

export interface AppleReplyInput {
	businessId: string
	conversationId: string
	/** `interactiveData.data` of the reply. */
	data: Record<string, unknown> | undefined
	/** The request as the inbound path already read it (findHostedRequest): not read again. */
	pending?: HostedRequest | null
}

/** True when the reply belonged to a hosted request (its outcome is then the business's event). */
export async function settleAppleReply(env: Env, config: Config, input: AppleReplyInput): Promise<boolean> {
	const data = input.data
	const requestIdentifier = typeof data?.requestIdentifier === 'string' ? data.requestIdentifier : null
	if (!data || !requestIdentifier) return false
	const ref = { businessId: input.businessId, conversationId: input.conversationId, requestIdentifier }
	if ('authenticate' in data) return settleAuthenticateReply(env, config, { ...ref, authenticate: data.authenticate, pending: input.pending })
	if ('payment' in data) return settleApplePayReply(env, config, { ...ref, payment: data.payment })
	return false
}

/**
 * The hosted request an inbound interactive reply answers, if any: then its outcome event
 * replaces the raw `interactive.received` (one event per request). One Business-object read.
 */
export async function findHostedRequest(env: Env, businessId: string, data: Record<string, unknown> | undefined): Promise<HostedRequest | null> {
	const requestIdentifier = typeof data?.requestIdentifier === 'string' ? data.requestIdentifier : null
	if (!data || !requestIdentifier) return null
	const kind = 'authenticate' in data ? 'authenticate' : 'payment' in data ? 'applePay' : null
	if (!kind) return null
	const row = await businessStub(env, businessId).hostedRequest(requestIdentifier)
	return row !== null && row.kind === kind ? row : null
}

export async function isHostedReply(env: Env, businessId: string, data: Record<string, unknown> | undefined): Promise<boolean> {
	return (await findHostedRequest(env, businessId, data)) !== null
}
