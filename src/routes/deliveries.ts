/**
 * Webhook deliveries that failed for good, and their replay (docs/webhooks.md "Dead letters and replay",
 * "failure log plus a manual replay API"). A replay reuses the `webhook-id`, so a receiver
 * that did get the first attempt can still dedupe; timestamp and signature are fresh.
 * Declared with `createRoute` (docs/api.md).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { businessStub } from '../business/directory'
import { replayDeadLetter } from '../conversation/replay'
import { DeadLetterPageSchema, ReplayedSchema } from '../delivery/schemas'
import { badRequest, notFound } from '../lib/errors'
import { authErrors, errorResponse, hookWith, json, validationHook } from '../lib/openapi'
import type { BusinessBindings } from './business-auth'

export const deliveries = new OpenAPIHono<BusinessBindings>({ defaultHook: validationHook })

const encodeCursor = (failedAt: string, id: string) => btoa(JSON.stringify([failedAt, id]))
function decodeCursor(cursor: string): { failedAt: string; id: string } {
	try {
		const [failedAt, id] = z.tuple([z.string(), z.string()]).parse(JSON.parse(atob(cursor)))
		return { failedAt, id }
	} catch {
		throw badRequest('invalid cursor')
	}
}

const listFailed = createRoute({
	method: 'get',
	path: '/failed',
	operationId: 'listFailedDeliveries',
	tags: ['Deliveries'],
	summary: 'List failed webhook deliveries',
	description: 'Webhook deliveries that failed for good (dead letters), newest first. Replay one with `POST /v1/deliveries/{id}/replay`.',
	request: {
		query: z.object({
			limit: z.coerce.number().int().min(1).max(100).default(50),
			cursor: z.string().max(300).optional().meta({ description: '`nextCursor` of the previous page.' }),
			includeReplayed: z.enum(['true', 'false']).default('false').meta({ description: 'Also list dead letters already replayed.' }),
		}),
	},
	responses: {
		200: json(DeadLetterPageSchema, 'A page of dead letters'),
		400: errorResponse(
			'A query parameter is invalid',
			{ code: 'bad_request', message: 'invalid query', details: [{ path: 'limit', message: 'Too big: expected number to be <=100' }] },
			{ code: 'bad_request', message: 'invalid cursor' },
		),
		...authErrors,
	},
})

deliveries.openapi(listFailed, async (c) => {
	const { limit, cursor, includeReplayed } = c.req.valid('query')
	const rows = await businessStub(c.env, c.var.business.settings.businessId).listDeadLetters(
		limit,
		cursor ? decodeCursor(cursor) : null,
		includeReplayed === 'true',
	)
	const last = rows.length === limit ? rows[rows.length - 1] : undefined
	return c.json({ data: rows, nextCursor: last ? encodeCursor(last.failedAt, last.id) : null }, 200)
})

const replay = createRoute({
	method: 'post',
	path: '/{id}/replay',
	operationId: 'replayDelivery',
	tags: ['Deliveries'],
	summary: 'Replay a failed delivery',
	description:
		'Queues the event again with the same `webhook-id` (so a receiver that did get it can dedupe), a fresh timestamp and signature; attempts start over.',
	request: {
		params: z.object({
			id: z
				.string()
				.regex(/^[A-Za-z0-9_-]{1,128}$/)
				.meta({ param: { name: 'id', in: 'path' }, description: "The dead letter's id (its `webhook-id`)." }),
		}),
	},
	responses: {
		202: json(ReplayedSchema, 'Queued again'),
		400: errorResponse('Malformed id', { code: 'bad_request', message: 'invalid delivery id' }),
		...authErrors,
		404: errorResponse(
			'Unknown dead letter, or its event is no longer stored',
			{ code: 'not_found', message: 'unknown delivery' },
			{ code: 'not_found', message: 'the event of this delivery is no longer stored' },
		),
	},
})

deliveries.openapi(
	replay,
	async (c) => {
		const { id } = c.req.valid('param')
		const outcome = await replayDeadLetter(c.env, c.var.business.settings.businessId, id)
		if (outcome === 'unknown') throw notFound('unknown delivery')
		if (outcome === 'gone') throw notFound('the event of this delivery is no longer stored')
		return c.json({ id, status: 'requeued' as const }, 202)
	},
	hookWith({ param: () => badRequest('invalid delivery id') }),
)
