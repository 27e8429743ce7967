/**
 * Invitations (docs/product.md "Business API"; docs/invitations.md): a business reaches a
 * customer first, by phone number, with an Apple template. `POST /v1/invitations` checks the
 * body (E.164, template id, a PNG logo only for templates that show one), resolves the logo,
 * and hands the rest to the business's invitations object in one call: Idempotency-Key,
 * opt-out (409 `opted_out`), rate limit (429 with Retry-After) and the insert happen there
 * together. Nothing is stored and nothing reaches Apple unless the answer is 202.
 */
import { Hono, type Context } from 'hono'
import { templateTakesImage } from '../apple/notification'
import { businessStub } from '../business/directory'
import { getConfig } from '../context'
import { invitationsStub } from '../invitations/directory'
import { resolveBrandLogo } from '../invitations/logo'
import {
	CreateInvitationSchema,
	type CreateOutcome,
	DEFAULT_INVITATION_RATE_LIMIT,
	InvitationIdSchema,
	ListInvitationsQuery,
	ListOptOutsQuery,
} from '../invitations/schemas'
import { sha256Hex } from '../lib/crypto'
import { AppError, badRequest, conflict, errorBody, notFound, unprocessable } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { log } from '../lib/log'
import { readQuery } from '../lib/query'
import type { BusinessBindings } from './business-auth'

export const invitations = new Hono<BusinessBindings>()

/** A base64 logo of up to 512 KB, with room for the rest of the body. */
const CREATE_BODY_LIMIT = 800 * 1024

invitations.post('/', async (c) => {
	const idempotencyKey = c.req.header('idempotency-key') ?? null
	if (idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) throw badRequest('Idempotency-Key must be 1–255 visible ASCII characters')
	const raw = c.req.raw.clone()
	const input = await readJson(c, CreateInvitationSchema, CREATE_BODY_LIMIT)
	const requestHash = await sha256Hex(await raw.text())
	const business = c.var.business
	const businessId = business.settings.businessId
	const stub = invitationsStub(c.env, businessId)
	// A replay answers from storage: no logo fetched again (docs/invitations.md "API").
	const prior = idempotencyKey ? await stub.priorAnswer(idempotencyKey, requestHash) : null
	if (prior) return answer(c, prior)
	const logo = input.parameters?.brandLogo
	if (logo !== undefined && !templateTakesImage(input.templateId)) {
		// Apple refuses a logo for a template without an image (docs/invitations.md "Templates").
		throw unprocessable('this template takes no image', [{ path: 'parameters.brandLogo', message: `template ${input.templateId} shows no logo; leave brandLogo out` }])
	}
	const config = getConfig(c.env)
	const brandLogo = logo === undefined ? null : await resolveBrandLogo(logo, config.ENVIRONMENT)
	// Apple knows a business linked on the landing page by its Messages for Business account id
	// (docs/invitations.md "Source-Id"); otherwise by our business id.
	const links = await businessStub(c.env, businessId).accountLinks()
	const sourceId = [...links].sort((a, b) => a.linkedAt.localeCompare(b.linkedAt)).at(-1)?.accountId ?? businessId
	const outcome = await stub.create({
		businessId,
		sourceId,
		idempotencyKey,
		requestHash,
		rateLimit: business.settings.invitationRateLimit ?? DEFAULT_INVITATION_RATE_LIMIT,
		phoneNumber: input.phoneNumber,
		templateId: input.templateId,
		referenceId: input.referenceId ?? null,
		locale: input.locale ?? null,
		brandName: input.parameters?.brandName ?? null,
		brandLogo,
	})
	// Ids only: a phone number is personal data and stays out of the logs.
	if (outcome.kind === 'created') log.info('invitation accepted for sending', { businessId, invitationId: outcome.response.id })
	return answer(c, outcome)
})

function answer(c: Context<BusinessBindings>, outcome: CreateOutcome): Response {
	switch (outcome.kind) {
		case 'created':
			return c.json(outcome.response, 202)
		case 'replayed':
			return c.json(outcome.response, 202, { 'idempotent-replayed': 'true' })
		case 'idempotency_conflict':
			throw conflict('Idempotency-Key was used with a different request body')
		case 'opted_out':
			throw new AppError(409, 'opted_out', 'this customer asked not to be invited by this business again; they can still write to you')
		case 'rate_limited':
			return c.json(
				errorBody(new AppError(429, 'rate_limited', `too many invitations; try again in ${outcome.retryAfterSeconds} s`, { retryAfterSeconds: outcome.retryAfterSeconds })),
				429,
				{ 'retry-after': String(outcome.retryAfterSeconds) },
			)
	}
}

invitations.get('/', async (c) => {
	const q = readQuery(c, ListInvitationsQuery)
	const rows = await invitationsStub(c.env, c.var.business.settings.businessId).list({
		limit: q.limit,
		cursor: q.cursor ?? null,
		status: q.status ?? null,
		phoneNumber: q.phoneNumber ?? null,
	})
	return c.json({ data: rows, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null })
})

invitations.get('/opt-outs', async (c) => {
	const q = readQuery(c, ListOptOutsQuery)
	const rows = await invitationsStub(c.env, c.var.business.settings.businessId).optOuts(q.limit, q.cursor ?? null)
	return c.json({ data: rows, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.phoneNumber : null })
})

invitations.get('/:id', async (c) => {
	const id = InvitationIdSchema.safeParse(c.req.param('id'))
	// Another business's invitation is simply not in this business's object: 404 like an unknown id.
	const row = id.success ? await invitationsStub(c.env, c.var.business.settings.businessId).get(id.data) : null
	if (!row) throw notFound('unknown invitation')
	return c.json(row)
})
