/**
 * Reading conversations (docs/product.md "Business API"): the business's conversations from its
 * index, one conversation's state, and its messages in sequence order in either direction
 * with cursor paging. Another business's conversation id answers 404, like an unknown one.
 * Declared with `createRoute` (docs/api.md).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { conversationIndexStub } from '../business/directory'
import { ConversationPageSchema, ConversationSchema, MessagePageSchema } from '../conversation/api-schemas'
import { conversationById } from '../conversation/directory'
import type { MessagePage } from '../conversation/outbound'
import { notFound } from '../lib/errors'
import { authErrors, errorResponse, json, validationHook } from '../lib/openapi'
import type { BusinessBindings } from './business-auth'

export const conversations = new OpenAPIHono<BusinessBindings>({ defaultHook: validationHook })

const badQuery = errorResponse('A query parameter is out of range', {
	code: 'bad_request',
	message: 'invalid query',
	details: [{ path: 'limit', message: 'Too big: expected number to be <=100' }],
})
const unknownConversation = errorResponse("Unknown conversation, or another business's", { code: 'not_found', message: 'unknown conversation' })
const IdParam = z.object({ id: z.string().meta({ param: { name: 'id', in: 'path' }, description: 'The conversation id.' }) })

const listRoute = createRoute({
	method: 'get',
	path: '/',
	operationId: 'listConversations',
	tags: ['Conversations'],
	summary: 'List conversations',
	description: "The business's conversations, ordered by id, a page at a time.",
	request: {
		query: z.object({
			limit: z.coerce.number().int().min(1).max(100).default(50),
			cursor: z
				.string()
				.regex(/^[0-9a-f]{64}$/)
				.optional()
				.meta({ description: '`nextCursor` of the previous page.' }),
		}),
	},
	responses: { 200: json(ConversationPageSchema, 'A page of conversations'), 400: badQuery, ...authErrors },
})

conversations.openapi(listRoute, async (c) => {
	const { limit, cursor } = c.req.valid('query')
	const rows = await conversationIndexStub(c.env, c.var.business.settings.businessId).listConversations(limit, cursor ?? null)
	return c.json({ data: rows, nextCursor: rows.length === limit ? rows[rows.length - 1]!.conversationId : null }, 200)
})

async function ownConversation(c: { env: BusinessBindings['Bindings']; var: { business: { settings: { businessId: string } } } }, id: string) {
	const stub = conversationById(c.env, id)
	const state = stub ? await stub.state() : null
	if (!stub || !state || state.businessId !== c.var.business.settings.businessId) throw notFound('unknown conversation')
	return { stub, state }
}

const getRoute = createRoute({
	method: 'get',
	path: '/{id}',
	operationId: 'getConversation',
	tags: ['Conversations'],
	summary: "One conversation's state",
	description: 'Status, device capabilities, locale, intent and group of one conversation.',
	request: { params: IdParam },
	responses: { 200: json(ConversationSchema, 'The conversation'), ...authErrors, 404: unknownConversation },
})

conversations.openapi(getRoute, async (c) => {
	const { state } = await ownConversation(c, c.req.valid('param').id)
	return c.json(state, 200)
})

const messagesRoute = createRoute({
	method: 'get',
	path: '/{id}/messages',
	operationId: 'listConversationMessages',
	tags: ['Conversations'],
	summary: 'Messages of a conversation',
	description: 'Inbound and outbound messages in sequence order, with their status and the delivery state of the events they caused.',
	request: {
		params: IdParam,
		query: z.object({
			limit: z.coerce.number().int().min(1).max(200).default(50),
			cursor: z.coerce
				.number()
				.int()
				.min(0)
				.optional()
				.meta({ description: 'A sequence to continue after (`asc`) or before (`desc`): `nextCursor` of the previous page.' }),
			order: z.enum(['asc', 'desc']).default('asc'),
		}),
	},
	responses: { 200: json(MessagePageSchema, 'A page of messages'), 400: badQuery, ...authErrors, 404: unknownConversation },
})

conversations.openapi(messagesRoute, async (c) => {
	const q = c.req.valid('query')
	const { stub } = await ownConversation(c, c.req.valid('param').id)
	const page = JSON.parse(
		await stub.messages({
			limit: q.limit,
			after: q.order === 'asc' ? (q.cursor ?? null) : null,
			before: q.order === 'desc' ? (q.cursor ?? null) : null,
			order: q.order,
		}),
	) as MessagePage
	const last = page.data[page.data.length - 1]
	return c.json({ data: page.data, nextCursor: page.hasMore && last ? String(last.sequence) : null }, 200)
})
