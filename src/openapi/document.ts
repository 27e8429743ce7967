/**
 * The OpenAPI 3.1 document of the business API, generated from the same zod schemas that
 * validate requests (zod 4's JSON Schema output is 2020-12, which OpenAPI 3.1 uses), so the
 * document cannot drift from what the server accepts.
 */
import { z } from 'zod'
import { BusinessMessageSchema } from '../apple/outbound'
import { invitationPaths } from '../invitations/openapi'
import { SendMessageSchema } from '../routes/messages'
import { PreviewBodySchema, TemplateBodySchema } from '../routes/templates'

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })

const ErrorSchema = z.object({
	error: z.object({ code: z.string(), message: z.string(), details: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
})
const SendResponseSchema = z.object({
	id: z.string(),
	conversationId: z.string(),
	sequence: z.number().int(),
	status: z.literal('queued'),
	rendered: z.enum(['original', 'fallback', 'text']),
	/** Why `rendered` is not `original` (e.g. `device_lacks_capability` / `LIST`, `rich_link_unreachable`). */
	renderReason: z.object({ code: z.string(), detail: z.string().optional() }).optional(),
	/** What Apple accepts but hurts the customer (`time_slot_past`, `app_icon_missing`); sent anyway. */
	warnings: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
})

const json = (s: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: schema(s) } } })
const errors = {
	'400': json(ErrorSchema, 'Malformed request'),
	'401': json(ErrorSchema, 'Missing or invalid API key'),
	'404': json(ErrorSchema, 'Not found (or another business’s resource)'),
}

let cached: object | undefined

export function openApiDocument(): object {
	cached ??= {
		openapi: '3.1.0',
		info: {
			title: 'amb-edge business API',
			version: '0.1.0',
			description: 'Send every Apple Messages for Business message type; read conversations; manage templates and webhook deliveries. Events arrive as Standard Webhooks.',
		},
		components: {
			securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'The business API key (amb_…)' } },
			schemas: { BusinessMessage: schema(BusinessMessageSchema), Error: schema(ErrorSchema) },
		},
		security: [{ apiKey: [] }],
		paths: {
			'/v1/messages': {
				post: {
					summary: 'Send a message to a customer',
					parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
					requestBody: { required: true, content: { 'application/json': { schema: schema(SendMessageSchema) } } },
					responses: {
						'202': json(SendResponseSchema, 'Accepted; the outcome arrives as message.sent or message.failed'),
						...errors,
						'409': json(ErrorSchema, 'Idempotency-Key reused with another body, or the customer closed the conversation'),
						'422': json(ErrorSchema, 'Apple would reject this message (reason per field)'),
					},
				},
			},
			'/v1/conversations': { get: { summary: 'List conversations', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }, { name: 'cursor', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'A page of conversations' }, ...errors } } },
			'/v1/conversations/{id}': { get: { summary: 'One conversation’s state', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'State: status, capabilities, locale, intent, group, device' }, ...errors } } },
			'/v1/conversations/{id}/messages': {
				get: {
					summary: 'Messages in sequence order, with status',
					parameters: [
						{ name: 'id', in: 'path', required: true, schema: { type: 'string' } },
						{ name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
						{ name: 'cursor', in: 'query', schema: { type: 'integer' } },
						{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 200 } },
					],
					responses: { '200': { description: 'A page of messages' }, ...errors },
				},
			},
			'/v1/templates': {
				get: { summary: 'List templates', responses: { '200': { description: 'A page of templates' }, ...errors } },
				post: { summary: 'Create a template', requestBody: { required: true, content: { 'application/json': { schema: schema(TemplateBodySchema) } } }, responses: { '201': { description: 'Created' }, ...errors } },
			},
			'/v1/templates/{id}': {
				get: { summary: 'Read a template', responses: { '200': { description: 'The template' }, ...errors } },
				put: { summary: 'Replace a template', requestBody: { required: true, content: { 'application/json': { schema: schema(TemplateBodySchema) } } }, responses: { '200': { description: 'Updated' }, ...errors } },
				delete: { summary: 'Delete a template', responses: { '204': { description: 'Deleted' }, ...errors } },
			},
			'/v1/templates/{id}/preview': {
				post: { summary: 'Fill variables, run preflight, render Apple JSON without sending', requestBody: { content: { 'application/json': { schema: schema(PreviewBodySchema) } } }, responses: { '200': { description: '{ valid, problems, warnings, message, apple }' }, ...errors, '422': json(ErrorSchema, 'Variables missing') } },
			},
			'/v1/deliveries/failed': { get: { summary: 'Webhook deliveries that failed for good (dead letters)', responses: { '200': { description: 'A page of dead letters' }, ...errors } } },
			'/v1/deliveries/{id}/replay': { post: { summary: 'Replay a dead letter (same webhook-id)', responses: { '202': { description: 'Re-queued' }, ...errors } } },
			...invitationPaths(),
		},
	}
	return cached
}

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>amb-edge API</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f4f4f6;border-radius:4px}pre{padding:1rem;overflow:auto;max-height:30rem}h2{margin-top:2rem}.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}</style></head>
<body><h1>amb-edge business API</h1>
<p>Authenticate with <code>Authorization: Bearer &lt;apiKey&gt;</code>. The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  const root = document.getElementById('ops'); root.textContent = ''
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const h = document.createElement('h2'); const m = document.createElement('span'); m.className = 'm'; m.textContent = method
    h.append(m, document.createTextNode(path)); root.append(h)
    const p = document.createElement('p'); p.textContent = op.summary; root.append(p)
    const body = op.requestBody && op.requestBody.content['application/json']
    if (body) { const pre = document.createElement('pre'); pre.textContent = JSON.stringify(body.schema, null, 2); root.append(pre) }
    const codes = document.createElement('p'); codes.textContent = 'Responses: ' + Object.entries(op.responses).map(([c, r]) => c + ' ' + r.description).join(' · '); root.append(codes)
  }
})
</script></body></html>`
