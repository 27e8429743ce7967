/**
 * Operator side of invitation opt-outs (docs/invitations.md "Opt-outs"): read a business's
 * opt-out list and clear one number when the customer asks to be invited again. Mounted
 * inside the admin app (routes/admin.ts), behind its ADMIN_TOKEN check; declared with
 * `createRoute` under the `Admin` tag and the `adminToken` scheme.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { businessStub } from '../business/directory'
import type { AppBindings } from '../context'
import { invitationsStub } from '../invitations/directory'
import { ListOptOutsQuery, OptOutPageSchema, PhoneNumberSchema } from '../invitations/schemas'
import { badRequest, notFound } from '../lib/errors'
import { log } from '../lib/log'
import { errorResponse, json, validationHook } from '../lib/openapi'
import { ADMIN_TAG, adminErrors, adminSecurity, BusinessParam, paramHook, unknownBusiness } from './admin-openapi'

export const adminInvitations = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })

async function knownBusiness(env: AppBindings['Bindings'], businessId: string): Promise<string> {
	if (!(await businessStub(env, businessId).get())) throw notFound('unknown business')
	return businessId
}

const listOptOuts = createRoute({
	method: 'get',
	path: '/businesses/{businessId}/invitation-opt-outs',
	operationId: 'adminListInvitationOptOuts',
	tags: [ADMIN_TAG],
	security: adminSecurity,
	summary: "List a business's invitation opt-outs",
	description: 'Numbers whose customers asked this business not to invite them again, with the reference ids they opted out from.',
	request: { params: BusinessParam, query: ListOptOutsQuery },
	responses: {
		200: json(OptOutPageSchema, 'A page of opt-outs'),
		400: errorResponse(
			'Malformed business id, or a query parameter is invalid',
			{ code: 'bad_request', message: 'invalid business id' },
			{ code: 'bad_request', message: 'invalid query', details: [{ path: 'limit', message: 'Too big: expected number to be <=100' }] },
		),
		...adminErrors,
		404: unknownBusiness,
	},
})

adminInvitations.openapi(
	listOptOuts,
	async (c) => {
		const businessId = await knownBusiness(c.env, c.req.valid('param').businessId)
		const q = c.req.valid('query')
		const rows = await invitationsStub(c.env, businessId).optOuts(q.limit, q.cursor ?? null)
		return c.json({ data: rows, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.phoneNumber : null }, 200)
	},
	paramHook,
)

const clearOptOut = createRoute({
	method: 'delete',
	path: '/businesses/{businessId}/invitation-opt-outs/{phoneNumber}',
	operationId: 'adminClearInvitationOptOut',
	tags: [ADMIN_TAG],
	security: adminSecurity,
	summary: 'Clear an invitation opt-out',
	description: 'When the customer asks to be invited again: the business can invite this number again. Its past invitations keep their state.',
	request: {
		params: BusinessParam.extend({
			// Checked by the handler, after the business (an unknown business answers 404 first).
			phoneNumber: z.string().meta({
				param: { name: 'phoneNumber', in: 'path' },
				description: 'The opted-out number in E.164; the `+` may be URL-encoded (`%2B15551234567`).',
				example: '+15551234567',
			}),
		}),
	},
	responses: {
		204: { description: 'Cleared' },
		400: errorResponse(
			'Malformed business id or phone number',
			{ code: 'bad_request', message: 'invalid business id' },
			{ code: 'bad_request', message: 'phoneNumber must be E.164, e.g. +15551234567' },
		),
		...adminErrors,
		404: errorResponse(
			'Unknown business, or the number has not opted out',
			{ code: 'not_found', message: 'unknown business' },
			{ code: 'not_found', message: 'this number has not opted out' },
		),
	},
})

adminInvitations.openapi(
	clearOptOut,
	async (c) => {
		const params = c.req.valid('param')
		const businessId = await knownBusiness(c.env, params.businessId)
		const phone = PhoneNumberSchema.safeParse(decodeURIComponent(params.phoneNumber))
		if (!phone.success) throw badRequest('phoneNumber must be E.164, e.g. +15551234567')
		if (!(await invitationsStub(c.env, businessId).clearOptOut(phone.data))) throw notFound('this number has not opted out')
		log.info('invitation opt-out cleared by the operator', { businessId })
		return c.body(null, 204)
	},
	paramHook,
)
