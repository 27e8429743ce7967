/**
 * Everything Apple checks on a `POST /v1/message` or `/v1/authenticate` body once the token
 * passed: envelope, then the rules of its type. Throws RejectionError with the first problem.
 */
import { fail } from '../lib/rejection'
import { checkText } from './attachment-rules'
import { checkEnvelope, type Envelope } from './envelope'
import { checkInteractive, type InteractiveResult } from './interactive/check-interactive'
import type { GatewayLookups } from './lookups'
import { checkRichLink } from './rich-link-rules'

export interface CheckedMessage extends Envelope {
	interactive: InteractiveResult | null
}

export async function checkMessage(
	headers: { id?: string; sourceId?: string; destinationId?: string },
	body: Record<string, unknown>,
	opts: { mspId: string; lookups: GatewayLookups; endpoint: 'message' | 'authenticate' },
): Promise<CheckedMessage> {
	const env = checkEnvelope(headers, body, opts)
	if (opts.endpoint === 'authenticate' && env.type !== 'interactive') {
		fail(400, 'type_unknown', '/v1/authenticate takes type "interactive" with data.authenticate')
	}
	switch (env.type) {
		case 'text':
			await checkText(body, env.sourceId, opts.lookups)
			return { ...env, interactive: null }
		case 'typing_start':
		case 'typing_end':
			// Typing indicators carry only the envelope (docs/apple-protocol.md §4.5).
			return { ...env, interactive: null }
		case 'richLink':
			checkRichLink(body)
			return { ...env, interactive: null }
		case 'interactive':
			return { ...env, interactive: await checkInteractive(body, env.sourceId, opts.lookups, opts.endpoint) }
	}
}
