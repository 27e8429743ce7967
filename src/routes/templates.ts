/**
 * The rich-object library (PRODUCT.md "Business API", templates): list pickers, time
 * pickers, quick replies, forms and rich links with `{{variables}}`, stored per business.
 * `POST /:id/preview` fills the variables and runs the same preflight and rendering a send
 * would, without sending: `problems` are what Apple rejects, `warnings` what it accepts but
 * hurts the customer (the same warnings a send carries).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { BusinessMessageSchema, preflight, renderAppleBody, RenderError, type ResolvedMessage } from '../apple/outbound'
import { businessStub } from '../business/directory'
import { badRequest, notFound, unprocessable } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { readQuery } from '../lib/query'
import { sendWarnings } from '../messaging/warnings'
import { parseTemplate } from '../templates/stored'
import { MissingVariablesError, substitute, templateVariables } from '../templates/substitute'
import type { BusinessBindings } from './business-auth'

export const TEMPLATE_TYPES = ['listPicker', 'timePicker', 'quickReply', 'form', 'richLink'] as const

export const TemplateBodySchema = z.strictObject({
	name: z.string().min(1).max(200),
	/** A business message of a rich type; strings may contain `{{variable}}` placeholders. */
	message: z.looseObject({ type: z.enum(TEMPLATE_TYPES) }),
})

export const PreviewBodySchema = z.strictObject({
	variables: z.record(z.string(), z.string()).default({}),
})

export const templates = new Hono<BusinessBindings>()

const idOf = (raw: string) => {
	if (!/^tpl_[A-Za-z0-9]{1,64}$/.test(raw)) throw notFound('unknown template')
	return raw
}

/** Check a template's shape: with every placeholder filled by a sample, it must be a valid message. */
function validateTemplate(message: unknown): void {
	const sample = Object.fromEntries(templateVariables(message).map((n) => [n, `sample-${n}`]))
	const filled = substitute(message, sample)
	const parsed = BusinessMessageSchema.safeParse(filled)
	if (!parsed.success) {
		throw badRequest('template message failed validation', parsed.error.issues.slice(0, 20).map((i) => ({ path: `message.${i.path.join('.')}`, message: i.message })))
	}
}

templates.post('/', async (c) => {
	const body = await readJson(c, TemplateBodySchema)
	validateTemplate(body.message)
	const id = `tpl_${crypto.randomUUID().replace(/-/g, '')}`
	const row = await businessStub(c.env, c.var.business.settings.businessId).putTemplate(id, body.name, JSON.stringify(body.message), true)
	return c.json(parseTemplate(row!), 201)
})

templates.get('/', async (c) => {
	const q = readQuery(c, z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(80).optional() }))
	const rows = await businessStub(c.env, c.var.business.settings.businessId).listTemplates(q.limit, q.cursor ?? null)
	return c.json({ data: rows.map(parseTemplate), nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null })
})

templates.get('/:id', async (c) => {
	const row = await businessStub(c.env, c.var.business.settings.businessId).getTemplate(idOf(c.req.param('id')))
	if (!row) throw notFound('unknown template')
	return c.json(parseTemplate(row))
})

templates.put('/:id', async (c) => {
	const id = idOf(c.req.param('id'))
	const body = await readJson(c, TemplateBodySchema)
	validateTemplate(body.message)
	const row = await businessStub(c.env, c.var.business.settings.businessId).putTemplate(id, body.name, JSON.stringify(body.message), false)
	if (!row) throw notFound('unknown template')
	return c.json(parseTemplate(row))
})

templates.delete('/:id', async (c) => {
	const deleted = await businessStub(c.env, c.var.business.settings.businessId).deleteTemplate(idOf(c.req.param('id')))
	if (!deleted) throw notFound('unknown template')
	return c.body(null, 204)
})

templates.post('/:id/preview', async (c) => {
	const row = await businessStub(c.env, c.var.business.settings.businessId).getTemplate(idOf(c.req.param('id')))
	if (!row) throw notFound('unknown template')
	const { variables } = await readJson(c, PreviewBodySchema)
	let filled: unknown
	try {
		filled = substitute(parseTemplate(row).message, variables)
	} catch (err) {
		if (err instanceof MissingVariablesError) {
			throw unprocessable('template variables missing', err.missing.map((n) => ({ path: `variables.${n}`, message: 'required by the template' })))
		}
		throw err
	}
	const message = BusinessMessageSchema.parse(filled)
	const problems = preflight(message, { now: Date.now() })
	let apple: unknown = null
	if (problems.length === 0) {
		try {
			apple = renderAppleBody(message as ResolvedMessage, {
				messageId: '00000000-0000-4000-8000-000000000000',
				businessId: c.var.business.settings.businessId,
				customerId: 'urn:mbid:preview',
				requestIdentifier: '00000000-0000-4000-8000-000000000001',
				images: new Map(),
			})
		} catch (err) {
			if (!(err instanceof RenderError)) throw err
			problems.push({ path: err.path, message: err.message })
		}
	}
	return c.json({ valid: problems.length === 0, problems, warnings: sendWarnings(message, Date.now()), message, apple })
})
