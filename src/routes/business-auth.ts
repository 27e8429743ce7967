/**
 * Business API authentication: `Authorization: Bearer <apiKey>`. The key names its
 * business, so only that business's (cached) record is read; the hash comparison is
 * constant-time. Every `/v1` handler sees `c.var.business` and nothing of other tenants.
 */
import { createMiddleware } from 'hono/factory'
import { apiKeyMatches, businessIdOfKey } from '../business/api-key'
import { loadBusiness } from '../business/directory'
import type { BusinessRecord } from '../business/schema'
import type { Env } from '../context'
import { unauthorized } from '../lib/errors'

export type BusinessBindings = { Bindings: Env; Variables: { business: BusinessRecord } }

export const requireBusiness = createMiddleware<BusinessBindings>(async (c, next) => {
	const key = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
	if (!key) throw unauthorized('missing API key')
	const businessId = businessIdOfKey(key)
	const business = businessId ? await loadBusiness(c.env, businessId) : null
	// Same answer for unknown business and wrong key: nothing to learn by probing.
	if (!business || !(await apiKeyMatches(key, business.apiKeyHashes))) throw unauthorized('invalid API key')
	c.set('business', business)
	await next()
})
