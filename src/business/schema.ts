/**
 * Business settings as the admin API accepts them (docs/product.md "Admin API"). Secrets in
 * these bodies (IdP client secret) are write-only: stored sealed, never returned.
 */
import { z } from 'zod'

export const BusinessIdSchema = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'business id: letters, digits, . _ : - (max 128)')
	.meta({ description: 'The Apple business id (from Apple Business Register).', example: 'd1f3a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b' })

const url = z.string().url().max(2048)

export const RouteSchema = z
	.object({
		intent: z.string().min(1).max(512).optional(),
		group: z.string().min(1).max(512).optional(),
		webhookUrl: url,
	})
	.strict()
	.refine((r) => r.intent !== undefined || r.group !== undefined, {
		message: 'a route needs intent, group or both',
	})
	.meta({ id: 'WebhookRoute', description: 'Events of conversations with this intent and/or group go to `webhookUrl` instead of the default.' })
export type Route = z.infer<typeof RouteSchema>

export const AuthenticationSettingsSchema = z
	.object({
		authorizationUrl: url,
		tokenUrl: url,
		clientId: z.string().min(1).max(512),
		clientSecret: z.string().min(1).max(4096),
		scopes: z.array(z.string().min(1).max(256)).max(50).default([]),
		userIdUrl: url.optional(),
	})
	.strict()
	.meta({
		id: 'AuthenticationSettings',
		description: "OAuth settings of the business's identity provider, for `authenticate` messages. `clientSecret` is write-only.",
	})

export const ApplePaySettingsSchema = z
	.object({
		merchantIdentifier: z.string().min(1).max(256),
		displayName: z.string().min(1).max(128),
		domainName: z.string().min(1).max(253),
		countryCode: z.string().regex(/^[A-Z]{2}$/),
		currencyCode: z.string().regex(/^[A-Z]{3}$/),
		supportedNetworks: z.array(z.string().min(1).max(32)).min(1).max(20),
		merchantCapabilities: z.array(z.string().min(1).max(32)).min(1).max(10),
	})
	.strict()
	.meta({ id: 'ApplePaySettings', description: 'The merchant half of Apple Pay requests.' })

/** Per-business limit on invitations created (docs/invitations.md "Limits"). */
export const InvitationRateLimitSchema = z
	.object({
		limit: z.number().int().min(1).max(100_000),
		windowSeconds: z
			.number()
			.int()
			.min(1)
			.max(30 * 86400),
	})
	.strict()
	.describe('At most `limit` invitations per `windowSeconds`; beyond it 429 with Retry-After')
export type InvitationRateLimit = z.infer<typeof InvitationRateLimitSchema>

const settingsShape = {
	name: z.string().min(1).max(200),
	webhookUrl: url,
	routes: z.array(RouteSchema).max(50).default([]),
	authentication: AuthenticationSettingsSchema.optional(),
	applePay: ApplePaySettingsSchema.optional(),
	attachmentRetentionDays: z.number().int().min(1).max(365).default(30),
	/** The business's logo (PNG, JPEG or GIF, ≤ 200 kB): the image of a rich link whose page has none. */
	logoUrl: url.optional(),
	invitationRateLimit: InvitationRateLimitSchema.optional(),
}

export const CreateBusinessSchema = z
	.object({ businessId: BusinessIdSchema, ...settingsShape })
	.strict()
	.meta({ id: 'CreateBusinessRequest' })
export type CreateBusiness = z.infer<typeof CreateBusinessSchema>

export const UpdateBusinessSchema = z
	.object({
		name: settingsShape.name.optional(),
		webhookUrl: settingsShape.webhookUrl.optional(),
		routes: z.array(RouteSchema).max(50).optional(),
		authentication: AuthenticationSettingsSchema.nullable().optional(),
		applePay: ApplePaySettingsSchema.nullable().optional(),
		attachmentRetentionDays: settingsShape.attachmentRetentionDays.unwrap().optional(),
		logoUrl: url.nullable().optional(),
		invitationRateLimit: InvitationRateLimitSchema.optional(),
	})
	.strict()
	.meta({ id: 'UpdateBusinessRequest', description: 'Only the fields given change; `null` removes an optional setting.' })
export type UpdateBusiness = z.infer<typeof UpdateBusinessSchema>

/** What the Business object stores (secrets sealed or hashed). */
export interface StoredAuthentication extends Omit<z.infer<typeof AuthenticationSettingsSchema>, 'clientSecret'> {
	clientSecretSealed: string
}

export interface BusinessSettings {
	businessId: string
	name: string
	webhookUrl: string
	routes: Route[]
	authentication?: StoredAuthentication
	applePay?: z.infer<typeof ApplePaySettingsSchema>
	attachmentRetentionDays: number
	logoUrl?: string
	invitationRateLimit?: InvitationRateLimit
}

export interface WebhookSecret {
	sealed: string
	/** Unix ms after which a rotated-out secret stops signing; absent for the current one. */
	expiresAt?: number
}

export interface BusinessRecord {
	settings: BusinessSettings
	apiKeyHashes: string[]
	webhookSecrets: WebhookSecret[]
	/** Endpoints that answered 410 Gone; deliveries to them stop until the URL changes. */
	disabledEndpoints: string[]
	createdAt: string
	updatedAt: string
}

/** The public view: no hashes, no sealed secrets. */
export function publicBusiness(r: BusinessRecord) {
	const { authentication, ...rest } = r.settings
	return {
		...rest,
		...(authentication ? { authentication: { ...omit(authentication, 'clientSecretSealed'), clientSecret: '(set)' as const } } : {}),
		disabledEndpoints: r.disabledEndpoints,
		createdAt: r.createdAt,
		updatedAt: r.updatedAt,
	}
}

function omit<T extends object, K extends keyof T>(o: T, k: K): Omit<T, K> {
	const { [k]: _, ...rest } = o
	return rest
}
