/**
 * The customer's answer to an invitation (a notification message), as peer implementations
 * describe what Apple sends back (docs/invitations.md "What comes back", inferred): Accept → an interactive message echoing the
 * notification with `displayContent.determinateResponse` (the chosen option); Decline → a
 * `close` carrying `referenceIds`, which means "no more invitations from this business".
 */
import type { SimEnv } from '../env'
import { simState } from '../env'
import { APPLE_BID } from '../gateway/interactive/common'
import { isObject } from '../gateway/zod-check'
import type { Customer, StoredMessage } from '../state/types'
import { ActionError, dispatch, type SentMessage } from './customer-actions'

/** The option titles the simulated template shows (Apple manages the real ones). */
export const ACCEPT_TITLE = 'Accept'

export interface InvitationContent {
	requestIdentifier: string
	templateId: string
	referenceId: string
	brandName: string | null
	logo: string | null
}

/** What a business message is, if it is an invitation. */
export function invitationOf(msg: StoredMessage): InvitationContent | null {
	if (msg.sender !== 'business' || msg.type !== 'interactive') return null
	const idata = isObject(msg.body.interactiveData) ? msg.body.interactiveData : {}
	const data = isObject(idata.data) ? idata.data : {}
	const n = isObject(data.notification) ? data.notification : null
	if (!n) return null
	const params = isObject(n.parameters) ? n.parameters : {}
	return {
		requestIdentifier: String(data.requestIdentifier ?? ''),
		templateId: String(n.templateId ?? ''),
		referenceId: String(n.referenceId ?? ''),
		brandName: typeof params.brandName === 'string' ? params.brandName : null,
		logo: typeof params.brandLogo === 'string' ? params.brandLogo : null,
	}
}

export async function answerInvitation(
	env: SimEnv,
	customer: Customer,
	messageId: string,
	answer: 'accept' | 'decline',
	title = ACCEPT_TITLE,
): Promise<SentMessage> {
	const state = simState(env)
	const msg = await state.getMessage(customer.id, messageId)
	const inv = msg ? invitationOf(msg) : null
	if (!msg || !inv) throw new ActionError(404, `no invitation ${messageId} in this customer's thread`)
	const answered = (await state.listMessages({ customerId: customer.id, businessId: msg.businessId, sender: 'customer' })).some((m) => answers(m, inv))
	if (answered) throw new ActionError(409, 'this invitation was already answered')
	if (answer === 'decline') return dispatch(env, customer, msg.businessId, 'close', { referenceIds: [inv.referenceId] })
	return dispatch(env, customer, msg.businessId, 'interactive', {
		interactiveData: {
			bid: APPLE_BID,
			data: {
				version: '1.0',
				requestIdentifier: inv.requestIdentifier,
				notification: {
					templateId: inv.templateId,
					referenceId: inv.referenceId,
					displayContent: { determinateResponse: { title, ...(inv.brandName ? { subtitle: inv.brandName } : {}) } },
				},
			},
		},
	})
}

/** Whether a customer message answers this invitation (accepts it or declines it). */
export function answers(m: StoredMessage, inv: InvitationContent): boolean {
	if (m.type === 'close') return Array.isArray(m.body.referenceIds) && m.body.referenceIds.includes(inv.referenceId)
	if (m.type !== 'interactive') return false
	const data = isObject(m.body.interactiveData) && isObject(m.body.interactiveData.data) ? m.body.interactiveData.data : {}
	return isObject(data.notification) && data.requestIdentifier === inv.requestIdentifier
}
