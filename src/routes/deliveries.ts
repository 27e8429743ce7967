/**
 * Webhook deliveries that failed for good, and their replay (webhooks-security.md §7,
 * "failure log plus a manual replay API"). A replay reuses the `webhook-id`, so a receiver
 * that did get the first attempt can still dedupe; timestamp and signature are fresh.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { businessStub } from '../business/directory'
import { replayDeadLetter } from '../conversation/replay'
import { badRequest, notFound } from '../lib/errors'
import type { BusinessBindings } from './business-auth'

export const deliveries = new Hono<BusinessBindings>()

const ListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(50),
	cursor: z.string().max(300).optional(),
	includeReplayed: z.enum(['true', 'false']).default('false'),
})

const encodeCursor = (failedAt: string, id: string) => btoa(JSON.stringify([failedAt, id]))
function decodeCursor(cursor: string): { failedAt: string; id: string } {
	try {
		const [failedAt, id] = z.tuple([z.string(), z.string()]).parse(JSON.parse(atob(cursor)))
		return { failedAt, id }
	} catch {
		throw badRequest('invalid cursor')
	}
}

deliveries.get('/failed', async (c) => {
	const q = ListQuery.safeParse(c.req.query())
	if (!q.success) throw badRequest('invalid query', q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })))
	const { limit, cursor, includeReplayed } = q.data
	const rows = await businessStub(c.env, c.var.business.settings.businessId).listDeadLetters(
		limit,
		cursor ? decodeCursor(cursor) : null,
		includeReplayed === 'true',
	)
	const last = rows.length === limit ? rows[rows.length - 1] : undefined
	return c.json({ data: rows, nextCursor: last ? encodeCursor(last.failedAt, last.id) : null })
})

deliveries.post('/:id/replay', async (c) => {
	const id = c.req.param('id')
	if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw badRequest('invalid delivery id')
	const replay = await replayDeadLetter(c.env, c.var.business.settings.businessId, id)
	if (replay === 'unknown') throw notFound('unknown delivery')
	if (replay === 'gone') throw notFound('the event of this delivery is no longer stored')
	return c.json({ id, status: 'requeued' }, 202)
})
