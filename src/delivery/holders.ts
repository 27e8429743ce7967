/**
 * Which object holds an event (docs/ARCHITECTURE.md "Delivery"): a conversation's events live
 * in that conversation; business-level events (conversationId null, e.g. `invitation.updated`)
 * live in the business's invitations object. Both deliver their own outbox when rung.
 */
import type { Env } from '../context'
import { conversationById } from '../conversation/directory'
import { invitationsStub } from '../invitations/directory'

export interface EventHolder {
	/** `eventIds`: the events whose queue bodies the consumer received (it fed the index from them). */
	deliver(eventIds?: string[]): Promise<void>
	replay(eventId: string): Promise<boolean>
}

export function eventHolder(env: Env, job: { businessId: string; conversationId: string | null }): EventHolder | null {
	return job.conversationId === null ? invitationsStub(env, job.businessId) : conversationById(env, job.conversationId)
}
