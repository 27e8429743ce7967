/**
 * What the rest of the platform uses from the hosted flows (the routes live in
 * routes/hosted.tsx):
 *
 * - prepareHosted(): before rendering an `authenticate` or `applePay` message, the OAuth or
 *   merchant half of its render context (render-parts.ts), with the request remembered.
 * - abandonHosted(): the message did not go out after all (idempotent replay, conversation
 *   closed, Apple refused it for good): forget the request so no `expired` outcome follows.
 * - settleAppleReply(): the inbound path's hook for the device's reply to such a request.
 */
import type { RenderableMessage, RenderContext } from '../apple/outbound'
import { businessStub } from '../business/directory'
import type { BusinessRecord } from '../business/schema'
import type { ConversationState } from '../conversation/conversation-do'
import type { Config, Env } from '../context'
import { beginApplePay } from './apple-pay'
import { beginAuthentication } from './oauth'

export { findHostedRequest, isHostedReply, settleAppleReply, type AppleReplyInput } from './replies'

export interface PrepareHostedInput {
	business: BusinessRecord
	state: ConversationState
	/** The message as it will be rendered (after device fitting: a fallback needs nothing). */
	message: RenderableMessage
	/** The `requestIdentifier` the same render will use. */
	requestIdentifier: string
	/** This deployment's public origin, e.g. `new URL(c.req.url).origin`. */
	origin: string
}

export async function prepareHosted(env: Env, config: Config, input: PrepareHostedInput): Promise<Pick<RenderContext, 'authenticate' | 'applePay'>> {
	const common = {
		business: input.business,
		conversationId: input.state.conversationId,
		customerId: input.state.customerId,
		requestIdentifier: input.requestIdentifier,
		origin: input.origin,
	}
	if (input.message.type === 'authenticate') {
		const m = input.message
		return {
			authenticate: await beginAuthentication(env, config, {
				...common,
				capabilities: input.state.capabilities,
				deviceAgent: input.state.deviceAgent,
				...(m.scope ? { scope: m.scope } : {}),
				returnToken: m.returnToken === true,
			}),
		}
	}
	if (input.message.type === 'applePay') return { applePay: await beginApplePay(env, config, common) }
	return {}
}

/** Forget a request whose message never reached Apple (no-op once the request is settled). */
export async function abandonHosted(env: Env, businessId: string, requestIdentifier: string): Promise<void> {
	await businessStub(env, businessId).dropHostedRequest(requestIdentifier)
}
