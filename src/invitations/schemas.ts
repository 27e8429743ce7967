/**
 * The invitations API's shapes (docs/product.md "Business API"; docs/invitations.md): request
 * bodies and queries as zod schemas with their descriptions, and the types of what is stored
 * and answered, derived from the schemas. The routes (routes/invitations.ts,
 * routes/admin-invitations.ts) declare these with `createRoute`, so the OpenAPI document is
 * built from them; the named ones are components (`.meta({ id })`).
 */
import { z } from 'zod'
import { E164, TEMPLATE_ID } from '../apple/notification'
import type { InvitationRateLimit } from '../business/schema'

export const INVITATION_STATUSES = ['submitting', 'submitted', 'accepted', 'declined', 'provider_rejected', 'error'] as const
export const InvitationStatusSchema = z.enum(INVITATION_STATUSES).meta({
	id: 'InvitationStatus',
	description: 'submitting → submitted (Apple answered 2xx) → accepted | declined; or provider_rejected (Apple answered 4xx) | error (retries exhausted).',
})
export type InvitationStatus = z.infer<typeof InvitationStatusSchema>

export const PhoneNumberSchema = z
	.string()
	.regex(E164, 'phoneNumber must be E.164, e.g. +15551234567')
	.meta({ description: 'The customer’s phone number in E.164.', example: '+15551234567' })

/** Printable ASCII without spaces: it travels in Apple's body and comes back on an opt-out. */
export const ReferenceIdSchema = z
	.string()
	.regex(/^[\x21-\x7e]{1,128}$/, 'referenceId: 1–128 visible ASCII characters')
	.describe('Your own tracking id (order, campaign); Apple returns it when the customer opts out. Defaults to the invitation id')

export const CreateInvitationSchema = z
	.strictObject({
		phoneNumber: PhoneNumberSchema,
		templateId: z.string().regex(TEMPLATE_ID, 'templateId: letters, digits, . _ - (max 128)').describe('Apple’s template, e.g. binaryChoice.engage.withImage'),
		referenceId: ReferenceIdSchema.optional(),
		locale: z
			.string()
			.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'locale like en-us')
			.max(35)
			.optional()
			.describe('Locale of the template text, e.g. en-us'),
		parameters: z
			.strictObject({
				brandName: z.string().trim().min(1).max(100).optional().describe('The name shown on the invitation.'),
				brandLogo: z
					.string()
					.min(1)
					.max(1_000_000)
					.optional()
					.describe(
						'PNG logo, at most 512 KB: an https URL (fetched once, from a public address) or the PNG itself in base64. Refused (422) for templates without an image (`…noImage…`).',
					),
			})
			.optional()
			.describe('What the template shows besides its text.'),
	})
	.meta({
		id: 'CreateInvitationRequest',
		description: 'An invitation: Apple shows the customer a template, by phone number, to accept or decline. Accepting starts a conversation.',
	})
export type CreateInvitation = z.infer<typeof CreateInvitationSchema>

const INVITATION_ID = /^inv_[0-9a-f]{32}$/
const pageLimit = z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'Page size.' })

export const ListInvitationsQuery = z.object({
	limit: pageLimit,
	/** The id of the last invitation of the previous page (newest first). */
	cursor: z.string().regex(INVITATION_ID).optional().meta({ description: '`nextCursor` of the previous page (an invitation id).' }),
	status: InvitationStatusSchema.optional(),
	phoneNumber: PhoneNumberSchema.optional().meta({ description: 'Only invitations to this number (E.164; URL-encode the `+`).', example: '+15551234567' }),
})

export const ListOptOutsQuery = z.object({
	limit: pageLimit,
	cursor: PhoneNumberSchema.optional().meta({ description: '`nextCursor` of the previous page (a phone number; URL-encode the `+`).' }),
})

export const InvitationIdSchema = z
	.string()
	.regex(INVITATION_ID)
	.meta({ description: 'The invitation id, as `POST /v1/invitations` answered it.', example: 'inv_0f1e2d3c4b5a69788796a5b4c3d2e1f0' })

/** Without a setting: unsolicited messaging is against Apple policy, so the default is modest. */
export const DEFAULT_INVITATION_RATE_LIMIT: InvitationRateLimit = { limit: 100, windowSeconds: 3600 }

/** The customer's answer to an accepted invitation: the template choice they tapped. */
export const InvitationChoiceSchema = z
	.object({ title: z.string().nullable(), subtitle: z.string().nullable(), id: z.string().nullable() })
	.meta({ id: 'InvitationChoice', description: 'The template choice the customer tapped, as Apple reported it.' })

export const InvitationSchema = z
	.object({
		id: z.string().meta({ example: 'inv_0f1e2d3c4b5a69788796a5b4c3d2e1f0' }),
		status: InvitationStatusSchema,
		phoneNumber: z.string().meta({ example: '+15551234567' }),
		templateId: z.string().meta({ description: 'Apple’s notification template.', example: 'binaryChoice.engage.withImage' }),
		referenceId: z.string().meta({ description: 'Yours, or the invitation id when you gave none; an opt-out names it.' }),
		locale: z.string().nullable(),
		brandName: z.string().nullable(),
		hasBrandLogo: z.boolean().meta({ description: 'A logo was given; the PNG itself is not returned.' }),
		/** Apple's HTTP status and body excerpt when it refused (provider_rejected) or failed last (error). */
		appleStatus: z
			.number()
			.int()
			.nullable()
			.meta({ description: 'Apple’s HTTP status of the last attempt when it refused (`provider_rejected`) or failed (`error`).' }),
		appleBody: z.string().nullable().meta({ description: 'An excerpt of Apple’s answer to that attempt.' }),
		attempts: z.number().int().meta({ description: 'Sends to Apple so far (retries included).' }),
		/** Set once the customer accepted: the conversation their answer started. */
		conversationId: z.string().nullable().meta({ description: 'Set once the customer accepted: the conversation their answer started.' }),
		customerId: z.string().nullable().meta({ description: 'Set once the customer accepted: their opaque Apple id (`urn:mbid:…`), for `POST /v1/messages`.' }),
		choice: InvitationChoiceSchema.nullable(),
		createdAt: z.string().meta({ format: 'date-time' }),
		updatedAt: z.string().meta({ format: 'date-time' }),
	})
	.meta({ id: 'Invitation', description: 'An invitation and its state; its changes arrive as `invitation.updated` events.' })
export type Invitation = z.infer<typeof InvitationSchema>

export const CreatedInvitationSchema = z
	.object({
		id: z.string().meta({ example: 'inv_0f1e2d3c4b5a69788796a5b4c3d2e1f0' }),
		status: z.literal('submitting'),
		referenceId: z.string().meta({ description: 'Yours, or the invitation id when you gave none.' }),
	})
	.meta({ id: 'CreatedInvitation', description: 'Accepted: the invitation is being sent to Apple.' })
export type CreatedInvitation = z.infer<typeof CreatedInvitationSchema>

export const OptOutSchema = z
	.object({
		phoneNumber: z.string().meta({ example: '+15551234567' }),
		referenceIds: z.array(z.string()).meta({ description: 'The `referenceId`s of the invitations the customer opted out from.' }),
		optedOutAt: z.string().meta({ format: 'date-time' }),
	})
	.meta({ id: 'InvitationOptOut', description: 'A number that asked this business not to invite it again. The customer can still write to the business.' })
export type OptOut = z.infer<typeof OptOutSchema>

export const InvitationPageSchema = z
	.object({
		data: z.array(InvitationSchema),
		nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
	})
	.meta({ id: 'InvitationPage', description: 'A page of invitations, newest first.' })

export const OptOutPageSchema = z
	.object({
		data: z.array(OptOutSchema),
		nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
	})
	.meta({ id: 'InvitationOptOutPage', description: 'A page of opted-out numbers.' })

/** What `POST /v1/invitations` hands the business's invitations object (one call). */
export interface CreateRequest {
	businessId: string
	/** The id Apple knows the business by (Source-Id). */
	sourceId: string
	idempotencyKey: string | null
	requestHash: string
	rateLimit: InvitationRateLimit
	phoneNumber: string
	templateId: string
	referenceId: string | null
	locale: string | null
	brandName: string | null
	/** PNG, base64, already checked. */
	brandLogo: string | null
}

export type CreateOutcome =
	| { kind: 'created'; response: CreatedInvitation }
	| { kind: 'replayed'; response: CreatedInvitation }
	| { kind: 'idempotency_conflict' }
	| { kind: 'opted_out' }
	| { kind: 'rate_limited'; retryAfterSeconds: number }
