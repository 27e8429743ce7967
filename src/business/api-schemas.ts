/**
 * What the admin API answers (docs/product.md "Admin API"), as named OpenAPI components
 * (docs/api.md). Requests are the schemas of schema.ts; secrets there are write-only.
 */
import { z } from 'zod'
import { ApplePaySettingsSchema, AuthenticationSettingsSchema, RouteSchema } from './schema'

export const PublicBusinessSchema = z
	.object({
		businessId: z.string(),
		name: z.string(),
		webhookUrl: z.string(),
		routes: z.array(RouteSchema),
		authentication: AuthenticationSettingsSchema.omit({ clientSecret: true })
			.extend({ clientSecret: z.literal('(set)').meta({ description: 'Write-only: never returned.' }) })
			.optional(),
		applePay: ApplePaySettingsSchema.optional(),
		attachmentRetentionDays: z.number().int(),
		logoUrl: z.string().optional(),
		disabledEndpoints: z.array(z.string()).meta({ description: 'Webhook URLs that answered 410 Gone; deliveries to them stop until the URL changes.' }),
		createdAt: z.string(),
		updatedAt: z.string(),
	})
	.meta({ id: 'Business', description: 'A business as the operator sees it: no hashes, no secrets.' })

export const CreatedBusinessSchema = z
	.object({
		businessId: z.string(),
		apiKey: z.string().meta({ description: 'The business API key (`amb_…`); shown once.' }),
		webhookSecret: z.string().meta({ description: 'The Standard Webhooks secret (`whsec_…`); shown once.' }),
		business: PublicBusinessSchema,
	})
	.meta({ id: 'CreatedBusiness' })

export const RotatedApiKeySchema = z
	.object({ businessId: z.string(), apiKey: z.string().meta({ description: 'The new key; the old one stops working now.' }) })
	.meta({ id: 'RotatedApiKey' })

export const RotatedWebhookSecretSchema = z
	.object({
		businessId: z.string(),
		webhookSecret: z.string().meta({ description: 'The new `whsec_…` secret.' }),
		previousSecretValidUntil: z
			.string()
			.meta({ description: 'Until then deliveries are signed with both secrets (two `v1,` signatures).', format: 'date-time' }),
	})
	.meta({ id: 'RotatedWebhookSecret' })
