/**
 * Admin API for the MSP operator (docs/product.md "Admin API"), behind `ADMIN_TOKEN`. The work is
 * the business service's (business/service.ts), shared with the hosted pages. Creating a
 * business returns its API key and `whsec_` webhook secret once; the key is stored as a
 * SHA-256 hash and the secret sealed with DATA_ENCRYPTION_KEY.
 * Declared with `createRoute` under the `Admin` tag and the `adminToken` scheme (docs/api.md).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { CreatedBusinessSchema, PublicBusinessSchema, RotatedApiKeySchema, RotatedWebhookSecretSchema } from '../business/api-schemas'
import { CreateBusinessSchema, UpdateBusinessSchema } from '../business/schema'
import * as service from '../business/service'
import { getConfig, type AppBindings } from '../context'
import { timingSafeEqualStr } from '../lib/crypto'
import { forbidden, unauthorized } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { bodySchema, errorResponse, json, served, validationHook } from '../lib/openapi'
import { adminInvitations } from './admin-invitations'
import { ADMIN_TAG, adminErrors, adminSecurity, BusinessParam, badBusinessId, paramHook, unknownBusiness } from './admin-openapi'

export const admin = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })

admin.use('*', async (c, next) => {
	const config = getConfig(c.env)
	const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
	if (!token) throw unauthorized('missing admin token')
	if (!timingSafeEqualStr(token, config.ADMIN_TOKEN)) throw forbidden('invalid admin token')
	await next()
})

const TAG = ADMIN_TAG
const security = adminSecurity
const badId = badBusinessId
const badBody = errorResponse('The body fails validation (`details` per field)', {
	code: 'bad_request',
	message: 'body failed validation',
	details: [{ path: 'webhookUrl', message: 'Invalid URL' }],
})
const badUrl = errorResponse('A URL is not allowed (private address, plain http in production…)', {
	code: 'unprocessable',
	message: 'URL not allowed',
	details: [{ path: 'webhookUrl', message: 'private or loopback address' }],
})

const createBusiness = createRoute({
	method: 'post',
	path: '/businesses',
	operationId: 'createBusiness',
	tags: [TAG],
	security,
	summary: 'Create a business',
	description: 'Registers a business and answers its API key and webhook secret, shown this once.',
	request: {
		body: {
			required: true,
			content: {
				'application/json': {
					schema: CreateBusinessSchema,
					example: { businessId: 'd1f3a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b', name: 'Example Coffee', webhookUrl: 'https://hooks.example.com/amb' },
				},
			},
		},
	},
	responses: {
		201: json(CreatedBusinessSchema, 'Created; the secrets are shown once'),
		400: badBody,
		...adminErrors,
		409: errorResponse('The business exists', { code: 'conflict', message: 'business already exists' }),
		413: errorResponse('Body over 256 kB', { code: 'payload_too_large', message: 'body exceeds 262144 bytes' }),
		422: badUrl,
	},
})

admin.openapi(served(admin, createBusiness), async (c) =>
	c.json(await service.createBusiness(c.env, getConfig(c.env), await readJson(c, bodySchema(createBusiness))), 201),
)

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

admin.openapi(getBusiness, async (c) => c.json(await service.getBusiness(c.env, c.req.valid('param').businessId), 200), paramHook)

const updateBusiness = createRoute({
	method: 'patch',
	path: '/businesses/{businessId}',
	operationId: 'updateBusiness',
	tags: [TAG],
	security,
	summary: 'Change settings of a business',
	description: 'Only the fields given change; `null` removes an optional setting.',
	request: {
		params: BusinessParam,
		body: { required: true, content: { 'application/json': { schema: UpdateBusinessSchema, example: { webhookUrl: 'https://hooks.example.com/amb-v2' } } } },
	},
	responses: { 200: json(PublicBusinessSchema, 'Updated'), 400: badBody, ...adminErrors, 404: unknownBusiness, 422: badUrl },
})

admin.openapi(
	served(admin, updateBusiness),
	async (c) => {
		const { businessId } = c.req.valid('param')
		return c.json(await service.updateBusiness(c.env, getConfig(c.env), businessId, await readJson(c, bodySchema(updateBusiness))), 200)
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
		await service.deleteBusiness(c.env, c.req.valid('param').businessId)
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

admin.openapi(rotateApiKey, async (c) => c.json(await service.rotateApiKey(c.env, c.req.valid('param').businessId), 200), paramHook)

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
	async (c) => c.json(await service.rotateWebhookSecret(c.env, getConfig(c.env), c.req.valid('param').businessId), 200),
	paramHook,
)

// Invitation opt-outs (routes/admin-invitations.ts), behind the same token check.
admin.route('/', adminInvitations)
