/**
 * What the OpenAPI document holds beside the routes (docs/api.md "How the document is made"):
 * `info`, `servers`, tags, the two security schemes and the webhook events. The paths come
 * from the routes themselves (`createRoute`), through `app.getOpenAPI31Document`.
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Env } from 'hono'
import { z } from 'zod'
import { WEBHOOK_EVENTS } from '../conversation/event-schemas'

export const DOCUMENT_CONFIG: Parameters<OpenAPIHono['getOpenAPI31Document']>[0] = {
	openapi: '3.1.0',
	info: {
		title: 'amb-edge API',
		version: '0.1.0',
		description:
			'The business API of an amb-edge Messaging Service Provider for Apple Messages for Business: send every message type, invite customers by phone number, read conversations, manage templates, attachments and webhook deliveries. Events arrive as Standard Webhooks (see `webhooks`). The admin API is for the operator of the MSP.',
		license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
	},
	servers: [{ url: '/', description: 'This MSP (the origin serving this document)' }],
	tags: [
		{ name: 'Messages', description: 'Send messages to customers.' },
		{ name: 'Conversations', description: 'Conversations and their history.' },
		{ name: 'Templates', description: 'Stored rich messages with `{{variables}}`.' },
		{ name: 'Attachments', description: 'Files to send, and files customers sent.' },
		{ name: 'Invitations', description: 'Reach a customer first, by phone number, with an Apple notification template; opt-outs.' },
		{ name: 'Deliveries', description: 'Webhook deliveries that failed for good, and their replay.' },
		{ name: 'Webhooks', description: 'Events sent to your webhook URL, signed per Standard Webhooks.' },
		{ name: 'Admin', description: "The operator API: businesses and their keys. Authenticated with the MSP's `ADMIN_TOKEN`." },
	],
	security: [{ apiKey: [] }],
}

const StandardWebhookHeaders = z.object({
	'webhook-id': z.string().meta({
		description: 'The event id: the same on every retry and replay, so a receiver can drop duplicates.',
		example: 'evt_2f1a0b3c4d5e6f708192a3b4c5d6e7f8',
	}),
	'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt; refuse old ones to stop replays.', example: '1767225600' }),
	'webhook-signature': z.string().meta({
		description: 'Space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the `whsec_` secret; two during a secret rotation.',
		example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
	}),
})

/** Security schemes and webhooks, registered once on the root app. */
export function registerDocumentParts<E extends Env>(app: OpenAPIHono<E>): void {
	const registry = app.openAPIRegistry
	registry.registerComponent('securitySchemes', 'apiKey', {
		type: 'http',
		scheme: 'bearer',
		description: 'The business API key (`amb_…`), from the admin API.',
	})
	registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: "The MSP's `ADMIN_TOKEN` (operator only)." })
	for (const { type, description, schema } of WEBHOOK_EVENTS) {
		registry.registerWebhook({
			method: 'post',
			path: type,
			operationId: `on_${type.replace('.', '_')}`,
			tags: ['Webhooks'],
			summary: type,
			description: `${description} Answer 2xx within 15 seconds; anything else is retried with backoff, then dead-lettered (\`GET /v1/deliveries/failed\`).`,
			security: [],
			request: { headers: StandardWebhookHeaders, body: { required: true, content: { 'application/json': { schema } } } },
			responses: {
				200: { description: 'Received (any 2xx).' },
				410: { description: 'Gone: deliveries to this URL stop until the business changes it.' },
			},
		})
	}
}
