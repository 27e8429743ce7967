/**
 * The rich-object library (docs/product.md "Business API", templates): list pickers, time
 * pickers, quick replies, forms and rich links with `{{variables}}`, stored per business.
 * `POST /{id}/preview` fills the variables and answers like a send of the result, without
 * sending (docs/api.md "Preview answers like a send"). Declared with `createRoute`.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { BusinessMessageSchema } from '../apple/outbound'
import { businessStub } from '../business/directory'
import { getConfig } from '../context'
import { badRequest, notFound, unprocessable } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { authErrors, bodySchema, errorResponse, hookWith, json, served, validationHook } from '../lib/openapi'
import { previewMessage } from '../messaging/preview'
import { PreviewBodySchema, PreviewSchema, TemplateBodySchema, TemplateIdSchema, TemplatePageSchema, TemplateSchema } from '../templates/schemas'
import { parseTemplate } from '../templates/stored'
import { MissingVariablesError, substitute, templateVariables } from '../templates/substitute'
import type { BusinessBindings } from './business-auth'

export const templates = new OpenAPIHono<BusinessBindings>({ defaultHook: validationHook })

const TAG = 'Templates'
const unknownTemplate = errorResponse("Unknown template, or another business's", { code: 'not_found', message: 'unknown template' })
const badTemplate = errorResponse('The body, or the message with every placeholder filled by a sample, fails validation', {
	code: 'bad_request',
	message: 'template message failed validation',
	details: [{ path: 'message.items', message: 'Invalid input: expected array, received string' }],
})
const tooLarge = errorResponse('Body over 256 kB', { code: 'payload_too_large', message: 'body exceeds 262144 bytes' })
const IdParam = z.object({ id: TemplateIdSchema.meta({ param: { name: 'id', in: 'path' } }) })
// A malformed id is as unknown as a well-formed one nobody created.
const idHook = hookWith({ param: () => notFound('unknown template') })
const templateBody = { required: true, content: { 'application/json': { schema: TemplateBodySchema } } }
const store = (c: { env: BusinessBindings['Bindings']; var: BusinessBindings['Variables'] }) => businessStub(c.env, c.var.business.settings.businessId)

/** Check a template's shape: with every placeholder filled by a sample, it must be a valid message. */
function validateTemplate(message: unknown): void {
	const sample = Object.fromEntries(templateVariables(message).map((n) => [n, `sample-${n}`]))
	const parsed = BusinessMessageSchema.safeParse(substitute(message, sample))
	if (!parsed.success) {
		throw badRequest(
			'template message failed validation',
			parsed.error.issues.slice(0, 20).map((i) => ({ path: `message.${i.path.join('.')}`, message: i.message })),
		)
	}
}

const createTemplate = createRoute({
	method: 'post',
	path: '/',
	operationId: 'createTemplate',
	tags: [TAG],
	summary: 'Create a template',
	description: 'Stores a rich message with `{{variable}}` placeholders; send it with a `template` message.',
	request: { body: templateBody },
	responses: { 201: json(TemplateSchema, 'Created'), 400: badTemplate, ...authErrors, 413: tooLarge },
})

templates.openapi(served(templates, createTemplate), async (c) => {
	const body = await readJson(c, bodySchema(createTemplate))
	validateTemplate(body.message)
	const id = `tpl_${crypto.randomUUID().replace(/-/g, '')}`
	const row = await store(c).putTemplate(id, body.name, JSON.stringify(body.message), true)
	return c.json(parseTemplate(row!), 201)
})

const listTemplates = createRoute({
	method: 'get',
	path: '/',
	operationId: 'listTemplates',
	tags: [TAG],
	summary: 'List templates',
	description: "The business's templates, a page at a time.",
	request: {
		query: z.object({
			limit: z.coerce.number().int().min(1).max(100).default(50),
			cursor: z.string().max(80).optional().meta({ description: '`nextCursor` of the previous page.' }),
		}),
	},
	responses: {
		200: json(TemplatePageSchema, 'A page of templates'),
		400: errorResponse('A query parameter is out of range', {
			code: 'bad_request',
			message: 'invalid query',
			details: [{ path: 'limit', message: 'Too big: expected number to be <=100' }],
		}),
		...authErrors,
	},
})

templates.openapi(listTemplates, async (c) => {
	const q = c.req.valid('query')
	const rows = await store(c).listTemplates(q.limit, q.cursor ?? null)
	return c.json({ data: rows.map(parseTemplate), nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null }, 200)
})

const getTemplate = createRoute({
	method: 'get',
	path: '/{id}',
	operationId: 'getTemplate',
	tags: [TAG],
	summary: 'Read a template',
	description: 'One template with the variables it uses.',
	request: { params: IdParam },
	responses: { 200: json(TemplateSchema, 'The template'), ...authErrors, 404: unknownTemplate },
})

templates.openapi(
	getTemplate,
	async (c) => {
		const row = await store(c).getTemplate(c.req.valid('param').id)
		if (!row) throw notFound('unknown template')
		return c.json(parseTemplate(row), 200)
	},
	idHook,
)

const replaceTemplate = createRoute({
	method: 'put',
	path: '/{id}',
	operationId: 'replaceTemplate',
	tags: [TAG],
	summary: 'Replace a template',
	description: "Replaces name and message; Apple's stored reference (`dataRef`) is dropped with the old message.",
	request: { params: IdParam, body: templateBody },
	responses: { 200: json(TemplateSchema, 'Replaced'), 400: badTemplate, ...authErrors, 404: unknownTemplate, 413: tooLarge },
})

templates.openapi(
	served(templates, replaceTemplate),
	async (c) => {
		const id = c.req.valid('param').id
		const body = await readJson(c, bodySchema(replaceTemplate))
		validateTemplate(body.message)
		const row = await store(c).putTemplate(id, body.name, JSON.stringify(body.message), false)
		if (!row) throw notFound('unknown template')
		return c.json(parseTemplate(row), 200)
	},
	idHook,
)

const deleteTemplate = createRoute({
	method: 'delete',
	path: '/{id}',
	operationId: 'deleteTemplate',
	tags: [TAG],
	summary: 'Delete a template',
	description: 'Later sends of this template answer 422 `unknown template`.',
	request: { params: IdParam },
	responses: { 204: { description: 'Deleted' }, ...authErrors, 404: unknownTemplate },
})

templates.openapi(
	deleteTemplate,
	async (c) => {
		if (!(await store(c).deleteTemplate(c.req.valid('param').id))) throw notFound('unknown template')
		return c.body(null, 204)
	},
	idHook,
)

const previewTemplate = createRoute({
	method: 'post',
	path: '/{id}/preview',
	operationId: 'previewTemplate',
	tags: [TAG],
	summary: 'Preview a template as a send',
	description:
		'Fills the variables and answers like `POST /v1/messages` with the result, without sending: the same checks, the same 400 and 422 with per-field `details` (`message.…` paths), and the same `warnings`. On success, the filled message and the body that would go to Apple.',
	request: {
		params: IdParam,
		body: { required: true, content: { 'application/json': { schema: PreviewBodySchema, example: { variables: { name: 'Ann', storeA: 'Uptown' } } } } },
	},
	responses: {
		200: json(PreviewSchema, 'What a send would carry and what would go to Apple'),
		400: errorResponse("The body, or the filled message, fails the send's validation", {
			code: 'bad_request',
			message: 'body failed validation',
			details: [{ path: 'message.sections.0.items.0.id', message: 'Too big: expected string to have <=256 characters' }],
		}),
		...authErrors,
		404: unknownTemplate,
		422: errorResponse(
			'Variables missing, or Apple would reject the filled message',
			{ code: 'unprocessable', message: 'template variables missing', details: [{ path: 'variables.storeA', message: 'required by the template' }] },
			{ code: 'unprocessable', message: 'Apple would reject this message', details: [{ path: 'message.items', message: 'a quick reply needs 2 to 5 items' }] },
		),
	},
})

templates.openapi(
	served(templates, previewTemplate),
	async (c) => {
		const row = await store(c).getTemplate(c.req.valid('param').id)
		if (!row) throw notFound('unknown template')
		const { variables } = await readJson(c, bodySchema(previewTemplate))
		let filled: unknown
		try {
			filled = substitute(parseTemplate(row).message, variables)
		} catch (err) {
			if (err instanceof MissingVariablesError) {
				throw unprocessable(
					'template variables missing',
					err.missing.map((n) => ({ path: `variables.${n}`, message: 'required by the template' })),
				)
			}
			throw err
		}
		const preview = await previewMessage(filled, { businessId: c.var.business.settings.businessId, environment: getConfig(c.env).ENVIRONMENT })
		return c.json(preview, 200)
	},
	idHook,
)
