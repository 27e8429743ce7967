/**
 * Operator side of invitation opt-outs (docs/invitations.md "Opt-outs"): read a business's
 * opt-out list and clear one number when the customer asks to be invited again. Mounted
 * inside the admin app (routes/admin.ts), behind its ADMIN_TOKEN check.
 */
import { Hono } from 'hono'
import { BusinessIdSchema } from '../business/schema'
import { businessStub } from '../business/directory'
import type { AppBindings } from '../context'
import { invitationsStub } from '../invitations/directory'
import { ListOptOutsQuery, PhoneNumberSchema } from '../invitations/schemas'
import { log } from '../lib/log'
import { badRequest, notFound } from '../lib/errors'
import { readQuery } from '../lib/query'

export const adminInvitations = new Hono<AppBindings>()

async function knownBusiness(env: AppBindings['Bindings'], raw: string): Promise<string> {
	const id = BusinessIdSchema.safeParse(raw)
	if (!id.success) throw badRequest('invalid business id')
	if (!(await businessStub(env, id.data).get())) throw notFound('unknown business')
	return id.data
}

adminInvitations.get('/businesses/:businessId/invitation-opt-outs', async (c) => {
	const businessId = await knownBusiness(c.env, c.req.param('businessId'))
	const q = readQuery(c, ListOptOutsQuery)
	const rows = await invitationsStub(c.env, businessId).optOuts(q.limit, q.cursor ?? null)
	return c.json({ data: rows, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.phoneNumber : null })
})

adminInvitations.delete('/businesses/:businessId/invitation-opt-outs/:phoneNumber', async (c) => {
	const businessId = await knownBusiness(c.env, c.req.param('businessId'))
	const phone = PhoneNumberSchema.safeParse(decodeURIComponent(c.req.param('phoneNumber')))
	if (!phone.success) throw badRequest('phoneNumber must be E.164, e.g. +15551234567')
	if (!(await invitationsStub(c.env, businessId).clearOptOut(phone.data))) throw notFound('this number has not opted out')
	log.info('invitation opt-out cleared by the operator', { businessId })
	return c.body(null, 204)
})
