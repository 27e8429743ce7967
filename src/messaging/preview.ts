/**
 * A template preview answers like a send of the filled message (docs/api.md "Preview answers
 * like a send"): the send's schema check (400 or 422 with `message.…` paths), its image
 * fetches and preflight (422 per field) and its rendering, without a conversation — so the
 * Apple envelope carries placeholder ids and the device is not fitted.
 */
import { asResolved, collectImageRefs, renderAppleBody } from '../apple/outbound'
import type { Environment } from '../lib/safe-url'
import { unprocessable } from '../lib/errors'
import { checkRendered, preflightOrRefuse, renderRefusal } from './preflight-check'
import { parseMessageLikeSend } from './schemas'

export async function previewMessage(filled: unknown, ctx: { businessId: string; environment: Environment }) {
	const message = parseMessageLikeSend(filled)
	const resolved = asResolved(message)
	if (!resolved) throw unprocessable('a template cannot send another template', [{ path: 'message.fallback', message: 'give the fallback as a message' }])
	const refs = [...collectImageRefs(resolved), ...(resolved.fallback ? collectImageRefs(resolved.fallback) : [])]
	const { images, warnings } = await preflightOrRefuse(resolved, refs, ctx.environment)
	let apple: unknown
	try {
		apple = renderAppleBody(resolved, {
			messageId: '00000000-0000-4000-8000-000000000000',
			businessId: ctx.businessId,
			customerId: 'urn:mbid:preview',
			requestIdentifier: '00000000-0000-4000-8000-000000000001',
			images,
		})
	} catch (err) {
		throw renderRefusal(err)
	}
	return { valid: true as const, problems: [], warnings, message, apple: checkRendered(apple) as Record<string, unknown> }
}
