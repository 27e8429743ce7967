/**
 * The invitations API's shapes (docs/product.md "Business API"; docs/invitations.md): request
 * bodies and queries as zod schemas with their descriptions (the OpenAPI document is built
 * from them), and the types of what is stored and answered, derived from the schemas.
 */
import { z } from 'zod'
import { E164, TEMPLATE_ID } from '../apple/notification'
import type { InvitationRateLimit } from '../business/schema'

export const INVITATION_STATUSES = ['submitting', 'submitted', 'accepted', 'declined', 'provider_rejected', 'error'] as const
export const InvitationStatusSchema = z.enum(INVITATION_STATUSES).describe('submitting → submitted (Apple answered 2xx) → accepted | declined; or provider_rejected (Apple 4xx) | error (retries exhausted)')
export type InvitationStatus = z.infer<typeof InvitationStatusSchema>

export const PhoneNumberSchema = z.string().regex(E164, 'phoneNumber must be E.164, e.g. +15551234567').describe('The customer’s phone number in E.164 (+15551234567)')

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
				brandName: z.string().trim().min(1).max(100).optional().describe('The name shown on the invitation'),
				brandLogo: z
					.string()
					.min(1)
					.max(1_000_000)
					.optional()
					.describe('PNG logo: an https URL (fetched once, safely) or the PNG itself in base64; refused for templates without an image'),
			})
			.optional(),
	})
	.describe('An invitation: Apple shows the customer a template to accept or decline')
export type CreateInvitation = z.infer<typeof CreateInvitationSchema>

export const ListInvitationsQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(50),
	/** The id of the last invitation of the previous page (newest first). */
	cursor: z.string().regex(/^inv_[0-9a-f]{32}$/).optional(),
	status: InvitationStatusSchema.optional(),
	phoneNumber: PhoneNumberSchema.optional(),
})

export const ListOptOutsQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(50),
	cursor: PhoneNumberSchema.optional(),
})

export const InvitationIdSchema = z.string().regex(/^inv_[0-9a-f]{32}$/)

/** Without a setting: unsolicited messaging is against Apple policy, so the default is modest. */
export const DEFAULT_INVITATION_RATE_LIMIT: InvitationRateLimit = { limit: 100, windowSeconds: 3600 }

export const InvitationSchema = z.object({
	id: z.string(),
	status: InvitationStatusSchema,
	phoneNumber: z.string(),
	templateId: z.string(),
	referenceId: z.string(),
	locale: z.string().nullable(),
	brandName: z.string().nullable(),
	hasBrandLogo: z.boolean(),
	/** Apple's HTTP status and body excerpt when it refused (provider_rejected) or failed last (error). */
	appleStatus: z.number().int().nullable(),
	appleBody: z.string().nullable(),
	attempts: z.number().int(),
	/** Set once the customer accepted: the conversation their answer started. */
	conversationId: z.string().nullable(),
	customerId: z.string().nullable(),
	choice: z.object({ title: z.string().nullable(), subtitle: z.string().nullable(), id: z.string().nullable() }).nullable(),
	createdAt: z.string(),
	updatedAt: z.string(),
})
export type Invitation = z.infer<typeof InvitationSchema>

export const CreatedInvitationSchema = z.object({ id: z.string(), status: z.literal('submitting'), referenceId: z.string() })
export type CreatedInvitation = z.infer<typeof CreatedInvitationSchema>

export const OptOutSchema = z.object({
	phoneNumber: z.string(),
	referenceIds: z.array(z.string()),
	optedOutAt: z.string(),
})
export type OptOut = z.infer<typeof OptOutSchema>

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
