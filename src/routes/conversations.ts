/**
 * Reading conversations (PRODUCT.md "Business API"): the business's conversations from its
 * index, one conversation's state, and its messages in sequence order in either direction
 * with cursor paging. Another business's conversation id answers 404, like an unknown one.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { conversationIndexStub } from '../business/directory'
import { conversationById } from '../conversation/directory'
import type { MessagePage } from '../conversation/outbound'
import { notFound } from '../lib/errors'
import { readQuery } from '../lib/query'
import type { BusinessBindings } from './business-auth'

export const conversations = new Hono<BusinessBindings>()

const ListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(50),
	cursor: z.string().regex(/^[0-9a-f]{64}$/).optional(),
})

conversations.get('/', async (c) => {
	const { limit, cursor } = readQuery(c, ListQuery)
	const rows = await conversationIndexStub(c.env, c.var.business.settings.businessId).listConversations(limit, cursor ?? null)
	return c.json({ data: rows, nextCursor: rows.length === limit ? rows[rows.length - 1]!.conversationId : null })
})

async function ownConversation(c: { env: BusinessBindings['Bindings']; var: { business: { settings: { businessId: string } } } }, id: string) {
	const stub = conversationById(c.env, id)
	const state = stub ? await stub.state() : null
	if (!stub || !state || state.businessId !== c.var.business.settings.businessId) throw notFound('unknown conversation')
	return { stub, state }
}

conversations.get('/:id', async (c) => {
	const { state } = await ownConversation(c, c.req.param('id'))
	return c.json(state)
})

const MessagesQuery = z.object({
	limit: z.coerce.number().int().min(1).max(200).default(50),
	/** Sequence to continue after (asc) or before (desc). */
	cursor: z.coerce.number().int().min(0).optional(),
	order: z.enum(['asc', 'desc']).default('asc'),
})

conversations.get('/:id/messages', async (c) => {
	const q = readQuery(c, MessagesQuery)
	const { stub } = await ownConversation(c, c.req.param('id'))
	const page = JSON.parse(
		await stub.messages({
		limit: q.limit,
		after: q.order === 'asc' ? (q.cursor ?? null) : null,
		before: q.order === 'desc' ? (q.cursor ?? null) : null,
			order: q.order,
		}),
	) as MessagePage
	const last = page.data[page.data.length - 1]
	return c.json({ data: page.data, nextCursor: page.hasMore && last ? String(last.sequence) : null })
})
