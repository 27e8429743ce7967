/**
 * The Worker as the browser tests serve it: the real entry (src/index.ts), plus
 * two test-only routes under /__test/ that stand in for what has no HTTP surface yet: start
 * an authentication request as the send path will (prepareHosted), and read its outcome.
 * This file is bundled only for test/browser; it is not part of the product.
 */
import { z } from 'zod'
import type { RenderableMessage } from '../../src/apple/outbound'
import { businessStub } from '../../src/business/directory'
import { getConfig, type Env } from '../../src/context'
import { prepareHosted } from '../../src/hosted'
import { openOutcome } from '../../src/hosted/outcome'
import worker from '../../src/index'

export { Business, ConsoleHub, Conversation, Invitations, Watchlist } from '../../src/index'

const BeginAuth = z.object({ businessId: z.string(), returnToken: z.boolean() })

async function testRoute(req: Request, env: Env): Promise<Response> {
	const url = new URL(req.url)
	if (url.pathname === '/__test/authenticate' && req.method === 'POST') {
		const input = BeginAuth.parse(await req.json())
		const business = await businessStub(env, input.businessId).get()
		if (!business) return new Response('no business', { status: 404 })
		const requestIdentifier = crypto.randomUUID()
		const now = new Date().toISOString()
		const message: RenderableMessage = { type: 'authenticate', returnToken: input.returnToken }
		const context = await prepareHosted(env, getConfig(env), {
			business,
			state: {
				conversationId: env.CONVERSATION.newUniqueId().toString(),
				businessId: input.businessId,
				appleBusinessId: input.businessId,
				customerId: 'urn:mbid:browser-customer',
				status: 'open',
				capabilities: ['AUTH2'],
				deviceAgent: 'iPhone OS',
				locale: 'en_US',
				intent: null,
				group: null,
				lastSequence: 1,
				startedAt: now,
				updatedAt: now,
				closedAt: null,
			},
			message,
			requestIdentifier,
			origin: url.origin,
		})
		return Response.json({ requestIdentifier, context: context.authenticate })
	}
	if (url.pathname === '/__test/outcome') {
		const row = await businessStub(env, url.searchParams.get('businessId') ?? '').hostedRequest(url.searchParams.get('requestId') ?? '')
		const outcome = row ? await openOutcome(getConfig(env).DATA_ENCRYPTION_KEY, row) : null
		return Response.json({ status: row?.status ?? null, outcome })
	}
	return new Response('not found', { status: 404 })
}

export default {
	...worker,
	fetch(req, env, ctx) {
		if (new URL(req.url).pathname.startsWith('/__test/')) return testRoute(req, env)
		return worker.fetch(req, env, ctx)
	},
} satisfies ExportedHandler<Env, unknown>
