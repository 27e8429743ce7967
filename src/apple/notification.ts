/**
 * Apple's notification messages ("invitations"): the one place that knows their wire shape
 * (docs/invitations.md "Wire format"). Apple's public REST pages do not describe them; every
 * shape here comes from peer implementations and is marked inferred in the docs, so when
 * Apple's real answer differs, this module is what changes.
 *
 * Out: `POST /v1/message` with the header `message-type: notification`, `Destination-Id`
 * `tel:+<E.164>`, and an interactive body whose `data.notification` names Apple's template.
 * Back: the customer's choice as an interactive message carrying `data.notification`; a
 * `close` carrying `referenceIds` is an opt-out from further invitations.
 */
import { z } from 'zod'
import { APPLE_BUSINESS_EXTENSION_BID } from './outbound/apple-body'

/** The extra header that turns a message into a notification (docs/invitations.md). */
export const NOTIFICATION_HEADERS: Readonly<Record<string, string>> = { 'message-type': 'notification' }

/** E.164: a plus, a non-zero country digit, 7–15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/

/** Apple's template ids seen so far look like `binaryChoice.engage.withImage`. */
export const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export const telDestination = (phoneNumber: string) => `tel:${phoneNumber}`

/** The phone number of a `tel:` id, or null when it is not one. */
export function phoneOfDestination(id: string): string | null {
	const m = /^tel:(\+[1-9]\d{6,14})$/.exec(id)
	return m ? m[1]! : null
}

/**
 * Templates without an image refuse `brandLogo` (Apple answers 4xx). The only marker known is
 * `noImage` in the template id (docs/invitations.md "Templates").
 */
export const templateTakesImage = (templateId: string) => !/noimage/i.test(templateId)

export interface NotificationInput {
	/** Apple message id (also the `id` header); stable across retries. */
	id: string
	/** The business id Apple knows (Source-Id). */
	sourceId: string
	phoneNumber: string
	requestIdentifier: string
	templateId: string
	referenceId: string
	locale?: string
	brandName?: string
	/** PNG, base64. */
	brandLogo?: string
}

export interface NotificationBody {
	v: 1
	id: string
	sourceId: string
	destinationId: string
	type: 'interactive'
	interactiveData: {
		bid: string
		useLiveLayout: true
		data: {
			version: '1.0'
			requestIdentifier: string
			notification: {
				templateId: string
				referenceId: string
				locale?: string
				parameters?: { brandName?: string; brandLogo?: string }
			}
		}
	}
	[k: string]: unknown
}

export function notificationBody(n: NotificationInput): NotificationBody {
	const parameters = {
		...(n.brandName !== undefined ? { brandName: n.brandName } : {}),
		...(n.brandLogo !== undefined ? { brandLogo: n.brandLogo } : {}),
	}
	return {
		v: 1,
		id: n.id,
		sourceId: n.sourceId,
		destinationId: telDestination(n.phoneNumber),
		type: 'interactive',
		interactiveData: {
			bid: APPLE_BUSINESS_EXTENSION_BID,
			useLiveLayout: true,
			data: {
				version: '1.0',
				requestIdentifier: n.requestIdentifier,
				notification: {
					templateId: n.templateId,
					referenceId: n.referenceId,
					...(n.locale !== undefined ? { locale: n.locale } : {}),
					...(Object.keys(parameters).length > 0 ? { parameters } : {}),
				},
			},
		},
	}
}

// ——— what comes back ———

const Text = z.string().max(1000).optional().catch(undefined)

const Choice = z.looseObject({ title: Text, subtitle: Text, identifier: Text })

const NotificationReply = z.looseObject({
	templateId: Text,
	referenceId: Text,
	displayContent: z
		.looseObject({ determinateResponse: Choice.optional().catch(undefined) })
		.optional()
		.catch(undefined),
})

export interface NotificationAnswer {
	requestIdentifier: string | null
	referenceId: string | null
	templateId: string | null
	/** The option the customer chose, as Apple shows it. */
	choice: { title: string | null; subtitle: string | null; id: string | null } | null
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
	typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null

/**
 * The customer's answer to an invitation, from an inbound interactive message's
 * `interactiveData` (tolerant: anything odd is null, never a throw). Null when the message
 * carries no `data.notification`.
 */
export function notificationAnswer(interactiveData: unknown): NotificationAnswer | null {
	const data = asRecord(asRecord(interactiveData)?.data)
	const raw = asRecord(data?.notification)
	if (!data || !raw) return null
	const n = NotificationReply.safeParse(raw)
	if (!n.success) return null
	const r = n.data.displayContent?.determinateResponse
	return {
		requestIdentifier: typeof data.requestIdentifier === 'string' ? data.requestIdentifier : null,
		referenceId: n.data.referenceId ?? null,
		templateId: n.data.templateId ?? null,
		choice: r ? { title: r.title ?? null, subtitle: r.subtitle ?? null, id: r.identifier ?? null } : null,
	}
}

/**
 * The `referenceIds` of a `close`: a non-empty list means "no more invitations from this
 * business"; null is the ordinary close (docs/invitations.md "Opt-outs").
 */
export function optOutReferenceIds(message: { type: string } & Record<string, unknown>): string[] | null {
	if (message.type !== 'close' || !Array.isArray(message.referenceIds)) return null
	const ids = message.referenceIds.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 256).slice(0, 100)
	return ids.length > 0 ? ids : null
}
