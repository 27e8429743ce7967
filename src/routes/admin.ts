/**
 * Admin API for the MSP operator (PRODUCT.md "Admin API"), behind `ADMIN_TOKEN`.
 * Creating a business returns its API key and `whsec_` webhook secret once; the key is
 * stored as a SHA-256 hash and the secret sealed with DATA_ENCRYPTION_KEY.
 */
import { Hono } from 'hono'
import { hashApiKey, newApiKey } from '../business/api-key'
import { businessStub, conversationIndexStub, invalidateBusiness } from '../business/directory'
import {
	BusinessIdSchema,
	CreateBusinessSchema,
	UpdateBusinessSchema,
	publicBusiness,
	type BusinessSettings,
	type CreateBusiness,
	type StoredAuthentication,
} from '../business/schema'
import { getConfig, type AppBindings, type Config } from '../context'
import { newWebhookSecret } from '../delivery/sign'
import { sealWebhookSecret } from '../business/webhook-secrets'
import { sealSecret, timingSafeEqualStr } from '../lib/crypto'
import { conflict, forbidden, notFound, unauthorized, unprocessable, badRequest } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { adminInvitations } from './admin-invitations'
import { checkOutboundUrl, UnsafeUrlError } from '../lib/safe-url'

/** How long a rotated-out webhook secret keeps signing beside the new one. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600_000

export const admin = new Hono<AppBindings>()

admin.use('*', async (c, next) => {
	const config = getConfig(c.env)
	const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
	if (!token) throw unauthorized('missing admin token')
	if (!timingSafeEqualStr(token, config.ADMIN_TOKEN)) throw forbidden('invalid admin token')
	await next()
})

export const clientSecretAad = (businessId: string) => `idp-client-secret:${businessId}`

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

function urlsOf(s: Partial<Pick<CreateBusiness, 'webhookUrl' | 'routes' | 'authentication' | 'logoUrl'>>): Record<string, string | undefined> {
	return {
		webhookUrl: s.webhookUrl,
		logoUrl: s.logoUrl,
		...Object.fromEntries((s.routes ?? []).map((r, i) => [`routes.${i}.webhookUrl`, r.webhookUrl])),
		'authentication.tokenUrl': s.authentication?.tokenUrl,
		'authentication.userIdUrl': s.authentication?.userIdUrl,
	}
}

async function storeAuthentication(
	config: Config,
	businessId: string,
	auth: CreateBusiness['authentication'],
): Promise<StoredAuthentication | undefined> {
	if (!auth) return undefined
	const { clientSecret, ...rest } = auth
	return { ...rest, clientSecretSealed: await sealSecret(config.DATA_ENCRYPTION_KEY, clientSecret, clientSecretAad(businessId)) }
}

function businessIdParam(raw: string): string {
	const parsed = BusinessIdSchema.safeParse(raw)
	if (!parsed.success) throw badRequest('invalid business id')
	return parsed.data
}

admin.post('/businesses', async (c) => {
	const config = getConfig(c.env)
	const input = await readJson(c, CreateBusinessSchema)
	assertUrls(config, urlsOf(input))
	const apiKey = newApiKey(input.businessId)
	const webhookSecret = newWebhookSecret()
	const { businessId, authentication, ...rest } = input
	const settings: BusinessSettings = {
		businessId,
		...rest,
		...(authentication ? { authentication: await storeAuthentication(config, businessId, authentication) } : {}),
	}
	const record = await businessStub(c.env, businessId).create({
		settings,
		apiKeyHash: await hashApiKey(apiKey),
		webhookSecretSealed: await sealWebhookSecret(config.DATA_ENCRYPTION_KEY, businessId, webhookSecret),
	})
	if (!record) throw conflict('business already exists')
	invalidateBusiness(businessId)
	return c.json({ businessId, apiKey, webhookSecret, business: publicBusiness(record) }, 201)
})

admin.get('/businesses/:businessId', async (c) => {
	const record = await businessStub(c.env, businessIdParam(c.req.param('businessId'))).get()
	if (!record) throw notFound('unknown business')
	return c.json(publicBusiness(record))
})

admin.patch('/businesses/:businessId', async (c) => {
	const config = getConfig(c.env)
	const businessId = businessIdParam(c.req.param('businessId'))
	const patch = await readJson(c, UpdateBusinessSchema)
	assertUrls(config, urlsOf({ ...patch, authentication: patch.authentication ?? undefined, logoUrl: patch.logoUrl ?? undefined }))
	const stub = businessStub(c.env, businessId)
	const current = await stub.get()
	if (!current) throw notFound('unknown business')
	const { authentication, applePay, logoUrl, ...plain } = patch
	const next: BusinessSettings = { ...current.settings, ...stripUndefined(plain) }
	if (logoUrl === null) delete next.logoUrl
	else if (logoUrl) next.logoUrl = logoUrl
	if (authentication === null) delete next.authentication
	else if (authentication) next.authentication = await storeAuthentication(config, businessId, authentication)
	if (applePay === null) delete next.applePay
	else if (applePay) next.applePay = applePay
	const record = await stub.update(next)
	if (!record) throw notFound('unknown business')
	invalidateBusiness(businessId)
	return c.json(publicBusiness(record))
})

admin.delete('/businesses/:businessId', async (c) => {
	const businessId = businessIdParam(c.req.param('businessId'))
	const existed = await businessStub(c.env, businessId).destroy()
	if (existed) await conversationIndexStub(c.env, businessId).destroy()
	invalidateBusiness(businessId)
	if (!existed) throw notFound('unknown business')
	return c.body(null, 204)
})

admin.post('/businesses/:businessId/rotate-api-key', async (c) => {
	const businessId = businessIdParam(c.req.param('businessId'))
	const apiKey = newApiKey(businessId)
	const record = await businessStub(c.env, businessId).rotateApiKey(await hashApiKey(apiKey))
	if (!record) throw notFound('unknown business')
	invalidateBusiness(businessId)
	return c.json({ businessId, apiKey })
})

admin.post('/businesses/:businessId/rotate-webhook-secret', async (c) => {
	const config = getConfig(c.env)
	const businessId = businessIdParam(c.req.param('businessId'))
	const webhookSecret = newWebhookSecret()
	const sealed = await sealWebhookSecret(config.DATA_ENCRYPTION_KEY, businessId, webhookSecret)
	const record = await businessStub(c.env, businessId).rotateWebhookSecret(sealed, WEBHOOK_SECRET_OVERLAP_MS)
	if (!record) throw notFound('unknown business')
	invalidateBusiness(businessId)
	return c.json({ businessId, webhookSecret, previousSecretValidUntil: new Date(Date.now() + WEBHOOK_SECRET_OVERLAP_MS).toISOString() })
})

function stripUndefined<T extends object>(o: T): Partial<T> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

// Invitation opt-outs (routes/admin-invitations.ts), behind the same token check.
admin.route('/', adminInvitations)
