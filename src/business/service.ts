/**
 * Business management, one service for the admin API (routes/admin.ts) and the hosted
 * settings and landing pages: the same validation, URL checks (SSRF) and secret sealing
 * whichever door a change comes through (docs/product.md "Admin API"). Input is already
 * parsed by the caller's zod schema; refusals are AppErrors with per-field details.
 */
import type { Config, Env } from '../context'
import { newWebhookSecret } from '../delivery/sign'
import { sealSecret } from '../lib/crypto'
import { conflict, notFound, unprocessable } from '../lib/errors'
import { checkOutboundUrl, UnsafeUrlError } from '../lib/safe-url'
import { hashApiKey, newApiKey } from './api-key'
import { businessStub, conversationIndexStub, invalidateBusiness } from './directory'
import { publicBusiness, type BusinessSettings, type CreateBusiness, type StoredAuthentication, type UpdateBusiness } from './schema'
import { sealWebhookSecret } from './webhook-secrets'

/** How long a rotated-out webhook secret keeps signing beside the new one. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600_000

/** Binds a sealed identity-provider client secret to its business. */
export const clientSecretAad = (businessId: string) => `idp-client-secret:${businessId}`

/** What a settings change becomes once its secrets are sealed: applied inside the object in one turn. */
export interface SettingsPatch {
	set: Partial<Omit<BusinessSettings, 'businessId'>>
	remove: ('authentication' | 'applePay' | 'logoUrl')[]
}

export type PublicBusiness = ReturnType<typeof publicBusiness>

function assertUrls(config: Config, urls: Record<string, string | undefined>): void {
	const problems: { path: string; message: string }[] = []
	for (const [path, url] of Object.entries(urls)) {
		if (url === undefined) continue
		try {
			checkOutboundUrl(url, config.ENVIRONMENT)
		} catch (err) {
			if (!(err instanceof UnsafeUrlError)) throw err
			problems.push({ path, message: err.message })
		}
	}
	if (problems.length > 0) throw unprocessable('URL not allowed', problems)
}

function urlsOf(s: {
	webhookUrl?: string
	logoUrl?: string | null
	routes?: { webhookUrl: string }[]
	authentication?: { tokenUrl?: string; userIdUrl?: string } | null
}) {
	return {
		webhookUrl: s.webhookUrl,
		logoUrl: s.logoUrl ?? undefined,
		...Object.fromEntries((s.routes ?? []).map((r, i) => [`routes.${i}.webhookUrl`, r.webhookUrl])),
		'authentication.tokenUrl': s.authentication?.tokenUrl,
		'authentication.userIdUrl': s.authentication?.userIdUrl,
	}
}

async function sealAuthentication(config: Config, businessId: string, auth: NonNullable<CreateBusiness['authentication']>): Promise<StoredAuthentication> {
	const { clientSecret, ...rest } = auth
	return { ...rest, clientSecretSealed: await sealSecret(config.DATA_ENCRYPTION_KEY, clientSecret, clientSecretAad(businessId)) }
}

export async function createBusiness(env: Env, config: Config, input: CreateBusiness) {
	assertUrls(config, urlsOf(input))
	const apiKey = newApiKey(input.businessId)
	const webhookSecret = newWebhookSecret()
	const { businessId, authentication, ...rest } = input
	const settings: BusinessSettings = {
		businessId,
		...rest,
		...(authentication ? { authentication: await sealAuthentication(config, businessId, authentication) } : {}),
	}
	const record = await businessStub(env, businessId).create({
		settings,
		apiKeyHash: await hashApiKey(apiKey),
		webhookSecretSealed: await sealWebhookSecret(config.DATA_ENCRYPTION_KEY, businessId, webhookSecret),
	})
	if (!record) throw conflict('business already exists')
	invalidateBusiness(businessId)
	return { businessId, apiKey, webhookSecret, business: publicBusiness(record) }
}

export async function getBusiness(env: Env, businessId: string): Promise<PublicBusiness> {
	const record = await businessStub(env, businessId).get()
	if (!record) throw notFound('unknown business')
	return publicBusiness(record)
}

/** A partial update: fields left out keep their value, `null` removes an optional section. */
export async function updateBusiness(env: Env, config: Config, businessId: string, patch: UpdateBusiness): Promise<PublicBusiness> {
	assertUrls(config, urlsOf(patch))
	const { authentication, applePay, logoUrl, ...plain } = patch
	const set: SettingsPatch['set'] = Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined))
	const remove: SettingsPatch['remove'] = []
	if (authentication === null) remove.push('authentication')
	else if (authentication) set.authentication = await sealAuthentication(config, businessId, authentication)
	if (applePay === null) remove.push('applePay')
	else if (applePay) set.applePay = applePay
	if (logoUrl === null) remove.push('logoUrl')
	else if (logoUrl) set.logoUrl = logoUrl
	// Merged inside the object in one turn: two concurrent PATCHes cannot lose each other's fields.
	const record = await businessStub(env, businessId).patch({ set, remove })
	if (!record) throw notFound('unknown business')
	invalidateBusiness(businessId)
	return publicBusiness(record)
}

export async function deleteBusiness(env: Env, businessId: string): Promise<void> {
	const existed = await businessStub(env, businessId).destroy()
	if (existed) {
		// The business's invitations and opt-outs hold phone numbers: they go too (docs/invitations.md "Storage").
		await Promise.all([conversationIndexStub(env, businessId).destroy(), env.INVITATIONS.getByName(businessId).destroy()])
	}
	invalidateBusiness(businessId)
	if (!existed) throw notFound('unknown business')
}

export async function rotateApiKey(env: Env, businessId: string): Promise<{ businessId: string; apiKey: string }> {
	const apiKey = newApiKey(businessId)
	const record = await businessStub(env, businessId).rotateApiKey(await hashApiKey(apiKey))
	if (!record) throw notFound('unknown business')
	invalidateBusiness(businessId)
	return { businessId, apiKey }
}

export async function rotateWebhookSecret(env: Env, config: Config, businessId: string) {
	const webhookSecret = newWebhookSecret()
	const sealed = await sealWebhookSecret(config.DATA_ENCRYPTION_KEY, businessId, webhookSecret)
	const record = await businessStub(env, businessId).rotateWebhookSecret(sealed, WEBHOOK_SECRET_OVERLAP_MS)
	if (!record) throw notFound('unknown business')
	invalidateBusiness(businessId)
	return { businessId, webhookSecret, previousSecretValidUntil: new Date(Date.now() + WEBHOOK_SECRET_OVERLAP_MS).toISOString() }
}
