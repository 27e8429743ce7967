/**
 * Apple's checks of a notification ("invitation") written from what peer implementations show
 * (docs/invitations.md "Wire format"; all of it inferred), independently of the MSP's
 * code: header `message-type: notification`, `Destination-Id` a `tel:` E.164 number, an
 * interactive body with Apple's business-extension bid and `data.notification` naming the
 * template, a `referenceId` (it comes back on opt-out), and a `brandLogo` only as base64 PNG
 * and never for a template without an image (Apple refuses it). Unknown parameters pass:
 * the simulator is no stricter than what is known of Apple.
 */
import { z } from 'zod'
import { fail } from '../lib/rejection'
import { APPLE_BID } from './interactive/common'
import { isObject, parseRule } from './zod-check'

export const E164_TEL = /^tel:(\+[1-9]\d{6,14})$/

export interface CheckedNotification {
	phoneNumber: string
	templateId: string
	referenceId: string
	requestIdentifier: string
	brandName: string | null
	hasLogo: boolean
}

const Notification = z.object({
	templateId: z.string().trim().min(1, 'templateId is required (Apple assigns template ids)'),
	referenceId: z.string().min(1, 'referenceId is required: Apple returns it when the customer opts out'),
	locale: z.string().min(2).optional(),
	parameters: z
		.object({
			brandName: z.string().min(1).optional(),
			brandLogo: z.string().min(1).optional(),
		})
		.passthrough()
		.optional(),
})

const PNG_BASE64_PREFIX = 'iVBORw0KGgo'

export function checkNotification(body: Record<string, unknown>, destinationId: string): CheckedNotification {
	const tel = E164_TEL.exec(destinationId)
	if (!tel) fail(400, 'notification_destination', `Destination-Id of a notification must be tel:+<E.164>, got ${JSON.stringify(destinationId)}`)
	if (body.type !== 'interactive') fail(400, 'notification_type', `a notification is type "interactive", got ${JSON.stringify(body.type ?? null)}`)
	const idata = isObject(body.interactiveData) ? body.interactiveData : fail(400, 'notification_schema', 'interactiveData is required')
	if (idata.bid !== APPLE_BID) fail(400, 'notification_bid', `interactiveData.bid must be Apple's business extension (${APPLE_BID})`)
	const data = isObject(idata.data) ? idata.data : fail(400, 'notification_schema', 'interactiveData.data is required')
	if (typeof data.requestIdentifier !== 'string' || data.requestIdentifier === '')
		fail(400, 'notification_schema', 'interactiveData.data.requestIdentifier is required')
	const n = parseRule(Notification, data.notification, 'notification_schema', 'interactiveData.data.notification')
	const logo = n.parameters?.brandLogo
	if (logo !== undefined) {
		if (/noimage/i.test(n.templateId)) fail(400, 'notification_template_no_image', `template ${n.templateId} takes no image; brandLogo is not allowed`)
		if (!/^[A-Za-z0-9+/]+={0,2}$/.test(logo) || !logo.startsWith(PNG_BASE64_PREFIX)) fail(400, 'notification_logo', 'brandLogo must be a PNG in base64')
	}
	return {
		phoneNumber: (tel as RegExpExecArray)[1] as string,
		templateId: n.templateId,
		referenceId: n.referenceId,
		requestIdentifier: data.requestIdentifier as string,
		brandName: n.parameters?.brandName ?? null,
		hasLogo: logo !== undefined,
	}
}
