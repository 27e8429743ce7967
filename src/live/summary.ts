/**
 * What the console's inbox shows of one conversation, as the conversation object reports it
 * to its business's hub (docs/console.md "Live updates"). This folder sits below
 * conversation/ and console/: both import it, it imports neither.
 */
import { z } from 'zod'
import type { Env } from '../context'

export const InboxSummarySchema = z.object({
	conversationId: z.string().regex(/^[0-9a-f]{64}$/),
	customerId: z.string().min(1).max(512),
	status: z.enum(['open', 'closed']),
	intent: z.string().nullable(),
	group: z.string().nullable(),
	deviceAgent: z.string().nullable(),
	capabilities: z.array(z.string()).nullable(),
	lastSequence: z.number().int().min(0),
	/** The latest message that is not a typing indicator. */
	last: z
		.object({
			direction: z.enum(['inbound', 'outbound']),
			type: z.string(),
			/** A short plain-text preview; the page renders it as text, never as markup. */
			preview: z.string().max(200),
			at: z.string(),
		})
		.nullable(),
	/** All inbound messages but typing indicators; unread = this − what the agent has read. */
	inboundCount: z.number().int().min(0),
	/** Customer typing right now (typing_start not yet followed by anything else). */
	customerTyping: z.boolean(),
	updatedAt: z.string(),
})
export type InboxSummary = z.infer<typeof InboxSummarySchema>

export interface InboxRow extends InboxSummary {
	unread: number
}

/** The hub of one business: a separate object so a busy inbox never slows the business's settings reads. */
export const consoleHubStub = (env: Env, businessId: string) => env.CONSOLE_HUB.getByName(businessId)

/** Set by the console route on the WebSocket upgrade: when the page's session ends (epoch seconds). */
export const SESSION_EXPIRY_HEADER = 'x-amb-session-expires'
