/**
 * What every admin operation declares (docs/api.md): the `Admin` tag, the `adminToken`
 * scheme, the business id path parameter with its 400, and the token's own answers. Shared by
 * routes/admin.ts and routes/admin-invitations.ts, which admin.ts mounts.
 */
import { z } from 'zod'
import { BusinessIdSchema } from '../business/schema'
import { badRequest } from '../lib/errors'
import { errorResponse, hookWith } from '../lib/openapi'

export const ADMIN_TAG = 'Admin'
export const adminSecurity = [{ adminToken: [] }]
export const BusinessParam = z.object({ businessId: BusinessIdSchema.meta({ param: { name: 'businessId', in: 'path' } }) })
export const paramHook = hookWith({ param: () => badRequest('invalid business id') })
export const adminErrors = {
	401: errorResponse('No admin token', { code: 'unauthorized', message: 'missing admin token' }),
	403: errorResponse('Wrong admin token', { code: 'forbidden', message: 'invalid admin token' }),
}
export const badBusinessId = errorResponse('Malformed business id', { code: 'bad_request', message: 'invalid business id' })
export const unknownBusiness = errorResponse('Unknown business', { code: 'not_found', message: 'unknown business' })
