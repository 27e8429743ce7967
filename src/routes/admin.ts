/**
 * Admin API for the MSP operator (PRODUCT.md "Admin API"), behind `ADMIN_TOKEN`. The work is
 * the business service's (business/service.ts), shared with the hosted pages. Creating a
 * business returns its API key and `whsec_` webhook secret once; the key is stored as a
 * SHA-256 hash and the secret sealed with DATA_ENCRYPTION_KEY.
 */
import { Hono } from 'hono'
import { BusinessIdSchema, CreateBusinessSchema, UpdateBusinessSchema } from '../business/schema'
import { createBusiness, deleteBusiness, getBusiness, rotateApiKey, rotateWebhookSecret, updateBusiness } from '../business/service'
import { getConfig, type AppBindings } from '../context'
import { timingSafeEqualStr } from '../lib/crypto'
import { badRequest, forbidden, unauthorized } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { adminInvitations } from './admin-invitations'

export const admin = new Hono<AppBindings>()

admin.use('*', async (c, next) => {
	const config = getConfig(c.env)
	const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
	if (!token) throw unauthorized('missing admin token')
	if (!timingSafeEqualStr(token, config.ADMIN_TOKEN)) throw forbidden('invalid admin token')
	await next()
})

function businessIdParam(raw: string): string {
	const parsed = BusinessIdSchema.safeParse(raw)
	if (!parsed.success) throw badRequest('invalid business id')
	return parsed.data
}

admin.post('/businesses', async (c) => c.json(await createBusiness(c.env, getConfig(c.env), await readJson(c, CreateBusinessSchema)), 201))

admin.get('/businesses/:businessId', async (c) => c.json(await getBusiness(c.env, businessIdParam(c.req.param('businessId')))))

admin.patch('/businesses/:businessId', async (c) => {
	const businessId = businessIdParam(c.req.param('businessId'))
	return c.json(await updateBusiness(c.env, getConfig(c.env), businessId, await readJson(c, UpdateBusinessSchema)))
})

admin.delete('/businesses/:businessId', async (c) => {
	await deleteBusiness(c.env, businessIdParam(c.req.param('businessId')))
	return c.body(null, 204)
})

admin.post('/businesses/:businessId/rotate-api-key', async (c) => c.json(await rotateApiKey(c.env, businessIdParam(c.req.param('businessId')))))

admin.post('/businesses/:businessId/rotate-webhook-secret', async (c) =>
	c.json(await rotateWebhookSecret(c.env, getConfig(c.env), businessIdParam(c.req.param('businessId')))),
)

// Invitation opt-outs (routes/admin-invitations.ts), behind the same token check.
admin.route('/', adminInvitations)
