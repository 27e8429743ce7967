/**
 * Invitations (docs/product.md "Business API"; docs/invitations.md): a business reaches a
 * customer first, by phone number, with an Apple template. `POST /v1/invitations` checks the
 * body (E.164, template id, a PNG logo only for templates that show one), resolves the logo,
 * and hands the rest to the business's invitations object in one call: Idempotency-Key,
 * opt-out (409 `opted_out`), rate limit (429 with Retry-After) and the insert happen there
 * together. Nothing is stored and nothing reaches Apple unless the answer is 202.
 * Declared with `createRoute` under the `Invitations` tag, so the document is these routes.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { z } from 'zod'
import { templateTakesImage } from '../apple/notification'
import { businessStub } from '../business/directory'
import { getConfig } from '../context'
import { invitationsStub } from '../invitations/directory'
import { resolveBrandLogo } from '../invitations/logo'
import {
	CreatedInvitationSchema,
	CreateInvitationSchema,
	type CreateOutcome,
	DEFAULT_INVITATION_RATE_LIMIT,
	InvitationIdSchema,
	InvitationPageSchema,
	InvitationSchema,
	ListInvitationsQuery,
	ListOptOutsQuery,
	OptOutPageSchema,
} from '../invitations/schemas'
import { sha256Hex } from '../lib/crypto'
import { AppError, badRequest, conflict, notFound, unprocessable } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { log } from '../lib/log'
import { authErrors, bodySchema, errorResponse, hookWith, json, served, validationHook } from '../lib/openapi'
import type { BusinessBindings } from './business-auth'

export const invitations = new OpenAPIHono<BusinessBindings>({ defaultHook: validationHook })

/** A base64 logo of up to 512 KB, with room for the rest of the body. */
const CREATE_BODY_LIMIT = 800 * 1024

const TAG = 'Invitations'
const IDEMPOTENCY_KEY_RULE = 'Idempotency-Key must be 1–255 visible ASCII characters'
const badQuery = errorResponse('A query parameter is invalid (`details` per parameter)', {
	code: 'bad_request',
	message: 'invalid query',
	details: [{ path: 'limit', message: 'Too big: expected number to be <=100' }],
})

/** The 429 of `POST /v1/invitations`: its `details` say when to try again, like Retry-After. */
const RateLimitedErrorSchema = z
	.object({
		error: z.object({
			code: z.literal('rate_limited'),
			message: z.string(),
			details: z.object({
				retryAfterSeconds: z.number().int().meta({ description: 'Seconds until an invitation is accepted again; the same as `Retry-After`.' }),
			}),
		}),
	})
	.meta({ id: 'RateLimitedError', description: 'The error envelope of a 429: `details` carries `retryAfterSeconds`.' })

const createInvitation = createRoute({
	method: 'post',
	path: '/',
	operationId: 'createInvitation',
	tags: [TAG],
	summary: 'Invite a customer by phone number',
	description:
		"Sends an Apple notification template to a phone number: the customer sees it in Messages and can accept (which starts a conversation) or decline. Nothing is stored or sent unless the answer is 202; the outcome arrives as `invitation.updated` events (submitting → submitted → accepted | declined, or provider_rejected | error). A customer who opted out of this business's invitations answers 409 `opted_out`; beyond the business's invitation rate limit, 429 with Retry-After. Apple does not publish the wire format; it is inferred from peer implementations (docs/invitations.md).",
	request: {
		headers: z.object({
			'idempotency-key': z
				.string()
				.regex(/^[\x21-\x7e]{1,255}$/, IDEMPOTENCY_KEY_RULE)
				.optional()
				.meta({
					description:
						'Retry safely: the same key with the same body answers the original result (with `idempotent-replayed: true`) and fetches no logo again; with another body, 409.',
					example: 'order-1042-invite',
				}),
		}),
		body: {
			required: true,
			content: {
				'application/json': {
					schema: CreateInvitationSchema,
					example: {
						phoneNumber: '+15551234567',
						templateId: 'binaryChoice.engage.withImage',
						referenceId: 'order-1042',
						locale: 'en-us',
						parameters: { brandName: 'Example Coffee', brandLogo: 'https://cdn.example.com/logo.png' },
					},
				},
			},
		},
	},
	responses: {
		202: {
			...json(CreatedInvitationSchema, 'Accepted; being sent to Apple', {
				accepted: { value: { id: 'inv_0f1e2d3c4b5a69788796a5b4c3d2e1f0', status: 'submitting', referenceId: 'order-1042' } },
			}),
			headers: {
				'idempotent-replayed': {
					description: '`true` when this answers an earlier request with the same Idempotency-Key.',
					schema: { type: 'string', enum: ['true'] },
				},
			},
		},
		400: errorResponse(
			'The body does not match the schema (`details` per field), is not JSON, or the Idempotency-Key is malformed',
			{ code: 'bad_request', message: 'body failed validation', details: [{ path: 'phoneNumber', message: 'phoneNumber must be E.164, e.g. +15551234567' }] },
			{ code: 'bad_request', message: 'body is not valid JSON' },
			{ code: 'bad_request', message: IDEMPOTENCY_KEY_RULE },
		),
		...authErrors,
		409: errorResponse(
			"The customer opted out of this business's invitations, or the Idempotency-Key was used with another body",
			{ code: 'opted_out', message: 'this customer asked not to be invited by this business again; they can still write to you' },
			{ code: 'conflict', message: 'Idempotency-Key was used with a different request body' },
		),
		413: errorResponse('Body over 800 kB', { code: 'payload_too_large', message: 'body exceeds 819200 bytes' }),
		422: errorResponse(
			'`parameters.brandLogo` is not usable: not a PNG, over 512 KB, unreachable or not public, or the template shows no image',
			{
				code: 'unprocessable',
				message: 'brandLogo is not usable',
				details: [{ path: 'parameters.brandLogo', message: 'not a PNG (Apple takes PNG logos only)' }],
			},
			{
				code: 'unprocessable',
				message: 'this template takes no image',
				details: [{ path: 'parameters.brandLogo', message: 'template binaryChoice.engage.noImage shows no logo; leave brandLogo out' }],
			},
		),
		429: {
			description: "The business's invitation rate limit (default 100 per hour); try again after Retry-After",
			headers: { 'Retry-After': { description: 'Seconds until an invitation is accepted again.', schema: { type: 'integer', minimum: 1 } } },
			content: {
				'application/json': {
					schema: RateLimitedErrorSchema,
					examples: {
						rate_limited: {
							summary: 'too many invitations',
							value: { error: { code: 'rate_limited', message: 'too many invitations; try again in 42 s', details: { retryAfterSeconds: 42 } } },
						},
					},
				},
			},
		},
	},
})

invitations.openapi(
	served(invitations, createInvitation),
	async (c) => {
		const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null
		const raw = c.req.raw.clone()
		const input = await readJson(c, bodySchema(createInvitation), CREATE_BODY_LIMIT)
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
			throw unprocessable('this template takes no image', [
				{ path: 'parameters.brandLogo', message: `template ${input.templateId} shows no logo; leave brandLogo out` },
			])
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
	},
	// The Idempotency-Key's rule alone, without `details`, as this route answered before it was declared.
	hookWith({ header: () => badRequest(IDEMPOTENCY_KEY_RULE) }),
)

function answer(c: Context<BusinessBindings>, outcome: CreateOutcome) {
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
			// The envelope `errorBody` writes for this AppError, spelled out so its type is the documented one.
			return c.json(
				{
					error: {
						code: 'rate_limited' as const,
						message: `too many invitations; try again in ${outcome.retryAfterSeconds} s`,
						details: { retryAfterSeconds: outcome.retryAfterSeconds },
					},
				},
				429,
				{ 'retry-after': String(outcome.retryAfterSeconds) },
			)
	}
}

const listInvitations = createRoute({
	method: 'get',
	path: '/',
	operationId: 'listInvitations',
	tags: [TAG],
	summary: 'List invitations',
	description: "The business's invitations, newest first, a page at a time; filter by status or phone number.",
	request: { query: ListInvitationsQuery },
	responses: {
		200: json(InvitationPageSchema, 'A page of invitations'),
		400: badQuery,
		...authErrors,
	},
})

invitations.openapi(listInvitations, async (c) => {
	const q = c.req.valid('query')
	const rows = await invitationsStub(c.env, c.var.business.settings.businessId).list({
		limit: q.limit,
		cursor: q.cursor ?? null,
		status: q.status ?? null,
		phoneNumber: q.phoneNumber ?? null,
	})
	return c.json({ data: rows, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null }, 200)
})

const listOptOuts = createRoute({
	method: 'get',
	path: '/opt-outs',
	operationId: 'listInvitationOptOuts',
	tags: [TAG],
	summary: 'List opted-out phone numbers',
	description:
		"Numbers whose customers asked not to be invited by this business again, with the reference ids of the invitations they opted out from. Invitations to them answer 409 `opted_out`; only the MSP's operator can clear one (when the customer asks to be invited again).",
	request: { query: ListOptOutsQuery },
	responses: {
		200: json(OptOutPageSchema, 'A page of opt-outs'),
		400: errorResponse('A query parameter is invalid (`details` per parameter)', {
			code: 'bad_request',
			message: 'invalid query',
			details: [{ path: 'cursor', message: 'phoneNumber must be E.164, e.g. +15551234567' }],
		}),
		...authErrors,
	},
})

invitations.openapi(listOptOuts, async (c) => {
	const q = c.req.valid('query')
	const rows = await invitationsStub(c.env, c.var.business.settings.businessId).optOuts(q.limit, q.cursor ?? null)
	return c.json({ data: rows, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.phoneNumber : null }, 200)
})

const getInvitation = createRoute({
	method: 'get',
	path: '/{id}',
	operationId: 'getInvitation',
	tags: [TAG],
	summary: 'Read an invitation',
	description: "One invitation and its state: Apple's status and answer excerpt when it refused, and once accepted the conversation and customer it started.",
	request: { params: z.object({ id: InvitationIdSchema.meta({ param: { name: 'id', in: 'path' } }) }) },
	responses: {
		200: json(InvitationSchema, 'The invitation'),
		...authErrors,
		404: errorResponse("Unknown invitation, or another business's", { code: 'not_found', message: 'unknown invitation' }),
	},
})

invitations.openapi(
	getInvitation,
	async (c) => {
		// Another business's invitation is simply not in this business's object: 404 like an unknown id.
		const row = await invitationsStub(c.env, c.var.business.settings.businessId).get(c.req.valid('param').id)
		if (!row) throw notFound('unknown invitation')
		return c.json(row, 200)
	},
	// A malformed id is as unknown as a well-formed one nobody created.
	hookWith({ param: () => notFound('unknown invitation') }),
)
