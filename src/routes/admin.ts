/**
 * Admin API for the MSP operator (PRODUCT.md "Admin API"), behind `ADMIN_TOKEN`.
 * Creating a business returns its API key and `whsec_` webhook secret once; the key is
 * stored as a SHA-256 hash and the secret sealed with DATA_ENCRYPTION_KEY.
 * Declared with `createRoute` under the `Admin` tag and the `adminToken` scheme (docs/api.md).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { hashApiKey, newApiKey } from '../business/api-key'
import { businessStub, conversationIndexStub, invalidateBusiness } from '../business/directory'
import { CreatedBusinessSchema, PublicBusinessSchema, RotatedApiKeySchema, RotatedWebhookSecretSchema } from '../business/api-schemas'
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
import { bodySchema, errorResponse, hookWith, json, served, validationHook } from '../lib/openapi'
import { checkOutboundUrl, UnsafeUrlError } from '../lib/safe-url'

/** How long a rotated-out webhook secret keeps signing beside the new one. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600_000

export const admin = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })

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

const TAG = 'Admin'
const security = [{ adminToken: [] }]
const BusinessParam = z.object({ businessId: BusinessIdSchema.meta({ param: { name: 'businessId', in: 'path' } }) })
const paramHook = hookWith({ param: () => badRequest('invalid business id') })
const adminErrors = {
	401: errorResponse('No admin token', { code: 'unauthorized', message: 'missing admin token' }),
	403: errorResponse('Wrong admin token', { code: 'forbidden', message: 'invalid admin token' }),
}
const badId = errorResponse('Malformed business id', { code: 'bad_request', message: 'invalid business id' })
const unknownBusiness = errorResponse('Unknown business', { code: 'not_found', message: 'unknown business' })
const badBody = errorResponse('The body fails validation (`details` per field)', { code: 'bad_request', message: 'body failed validation', details: [{ path: 'webhookUrl', message: 'Invalid URL' }] })
const badUrl = errorResponse('A URL is not allowed (private address, plain http in production…)', { code: 'unprocessable', message: 'URL not allowed', details: [{ path: 'webhookUrl', message: 'private or loopback address' }] })

const createBusiness = createRoute({
	method: 'post',
	path: '/businesses',
	operationId: 'createBusiness',
	tags: [TAG],
	security,
	summary: 'Create a business',
	description: 'Registers a business and answers its API key and webhook secret, shown this once.',
	request: { body: { required: true, content: { 'application/json': { schema: CreateBusinessSchema, example: { businessId: 'd1f3a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b', name: 'Example Coffee', webhookUrl: 'https://hooks.example.com/amb' } } } } },
	responses: {
		201: json(CreatedBusinessSchema, 'Created; the secrets are shown once'),
		400: badBody,
		...adminErrors,
		409: errorResponse('The business exists', { code: 'conflict', message: 'business already exists' }),
		413: errorResponse('Body over 256 kB', { code: 'payload_too_large', message: 'body exceeds 262144 bytes' }),
		422: badUrl,
	},
})

admin.openapi(served(admin, createBusiness), async (c) => {
	const config = getConfig(c.env)
	const input = await readJson(c, bodySchema(createBusiness))
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

const getBusiness = createRoute({
	method: 'get',
	path: '/businesses/{businessId}',
	operationId: 'getBusiness',
	tags: [TAG],
	security,
	summary: 'Read a business',
	description: 'Its settings, without secrets.',
	request: { params: BusinessParam },
	responses: { 200: json(PublicBusinessSchema, 'The business'), 400: badId, ...adminErrors, 404: unknownBusiness },
})

admin.openapi(
	getBusiness,
	async (c) => {
		const record = await businessStub(c.env, c.req.valid('param').businessId).get()
		if (!record) throw notFound('unknown business')
		return c.json(publicBusiness(record), 200)
	},
	paramHook,
)

const updateBusiness = createRoute({
	method: 'patch',
	path: '/businesses/{businessId}',
	operationId: 'updateBusiness',
	tags: [TAG],
	security,
	summary: 'Change settings of a business',
	description: 'Only the fields given change; `null` removes an optional setting.',
	request: { params: BusinessParam, body: { required: true, content: { 'application/json': { schema: UpdateBusinessSchema, example: { webhookUrl: 'https://hooks.example.com/amb-v2' } } } } },
	responses: { 200: json(PublicBusinessSchema, 'Updated'), 400: badBody, ...adminErrors, 404: unknownBusiness, 422: badUrl },
})

admin.openapi(
	served(admin, updateBusiness),
	async (c) => {
		const config = getConfig(c.env)
		const { businessId } = c.req.valid('param')
		const patch = await readJson(c, bodySchema(updateBusiness))
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
		return c.json(publicBusiness(record), 200)
	},
	paramHook,
)

const deleteBusiness = createRoute({
	method: 'delete',
	path: '/businesses/{businessId}',
	operationId: 'deleteBusiness',
	tags: [TAG],
	security,
	summary: 'Delete a business',
	description: 'Its settings, keys and conversation index; its API key stops working at once.',
	request: { params: BusinessParam },
	responses: { 204: { description: 'Deleted' }, 400: badId, ...adminErrors, 404: unknownBusiness },
})

admin.openapi(
	deleteBusiness,
	async (c) => {
		const { businessId } = c.req.valid('param')
		const existed = await businessStub(c.env, businessId).destroy()
		if (existed) await conversationIndexStub(c.env, businessId).destroy()
		invalidateBusiness(businessId)
		if (!existed) throw notFound('unknown business')
		return c.body(null, 204)
	},
	paramHook,
)

const rotateApiKey = createRoute({
	method: 'post',
	path: '/businesses/{businessId}/rotate-api-key',
	operationId: 'rotateApiKey',
	tags: [TAG],
	security,
	summary: 'Rotate the API key',
	description: 'Answers a new key, shown once; the old key stops working at once.',
	request: { params: BusinessParam },
	responses: { 200: json(RotatedApiKeySchema, 'The new key'), 400: badId, ...adminErrors, 404: unknownBusiness },
})

admin.openapi(
	rotateApiKey,
	async (c) => {
		const { businessId } = c.req.valid('param')
		const apiKey = newApiKey(businessId)
		const record = await businessStub(c.env, businessId).rotateApiKey(await hashApiKey(apiKey))
		if (!record) throw notFound('unknown business')
		invalidateBusiness(businessId)
		return c.json({ businessId, apiKey }, 200)
	},
	paramHook,
)

const rotateWebhookSecret = createRoute({
	method: 'post',
	path: '/businesses/{businessId}/rotate-webhook-secret',
	operationId: 'rotateWebhookSecret',
	tags: [TAG],
	security,
	summary: 'Rotate the webhook secret',
	description: 'Answers a new secret, shown once; for 24 hours deliveries carry signatures with both, so receivers can switch without losing events.',
	request: { params: BusinessParam },
	responses: { 200: json(RotatedWebhookSecretSchema, 'The new secret'), 400: badId, ...adminErrors, 404: unknownBusiness },
})

admin.openapi(
	rotateWebhookSecret,
	async (c) => {
		const config = getConfig(c.env)
		const { businessId } = c.req.valid('param')
		const webhookSecret = newWebhookSecret()
		const sealed = await sealWebhookSecret(config.DATA_ENCRYPTION_KEY, businessId, webhookSecret)
		const record = await businessStub(c.env, businessId).rotateWebhookSecret(sealed, WEBHOOK_SECRET_OVERLAP_MS)
		if (!record) throw notFound('unknown business')
		invalidateBusiness(businessId)
		return c.json({ businessId, webhookSecret, previousSecretValidUntil: new Date(Date.now() + WEBHOOK_SECRET_OVERLAP_MS).toISOString() }, 200)
	},
	paramHook,
)

function stripUndefined<T extends object>(o: T): Partial<T> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
