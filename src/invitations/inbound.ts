/**
 * What an inbound Apple message means for invitations (docs/invitations.md "What comes
 * back"): a `close` with `referenceIds` is an opt-out (not the ordinary close), and an
 * interactive message carrying `data.notification` is the customer's answer to one.
 * Called by the Apple inbound route before the conversation records the message.
 */
import type { InboundInteractive, InboundMessage } from '../apple/inbound'
import { notificationAnswer, optOutReferenceIds, phoneOfDestination, type NotificationAnswer } from '../apple/notification'
import type { Env } from '../context'
import { invitationsStub } from './directory'

export type InvitationSignal = { kind: 'opt_out'; referenceIds: string[] } | { kind: 'answer'; answer: NotificationAnswer } | null

export function invitationSignal(m: InboundMessage): InvitationSignal {
	const referenceIds = optOutReferenceIds(m)
	if (referenceIds) return { kind: 'opt_out', referenceIds }
	if (m.type !== 'interactive') return null
	const answer = notificationAnswer((m as InboundInteractive).interactiveData)
	return answer ? { kind: 'answer', answer } : null
}

/** The invitation an answer belongs to (by request id, reference id, or a `tel:` sender), or null. */
export async function invitationAnswered(env: Env, businessId: string, customerId: string, answer: NotificationAnswer): Promise<string | null> {
	const found = await invitationsStub(env, businessId).findForAnswer({
		requestIdentifier: answer.requestIdentifier,
		referenceId: answer.referenceId,
		phoneNumber: phoneOfDestination(customerId),
	})
	return found?.id ?? null
}
