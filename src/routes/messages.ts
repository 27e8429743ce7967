/**
 * `POST /v1/messages` (docs/product.md "Business API"): validate, fit to the device, preflight,
 * render, and hand the job to the customer's conversation object, which serialises sends.
 * `Idempotency-Key`: the same key with the same body answers the original result; with a
 * different body, 409. A closed conversation answers 409 until the customer writes again;
 * a customer who never wrote has no conversation (users initiate; docs/apple-protocol.md §1.6) → 404.
 * Declared with `createRoute`, so the document is this route (docs/api.md).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { conversationByCustomer } from '../conversation/directory'
import { sha256Hex } from '../lib/crypto'
import { AppError, conflict, notFound } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { authErrors, bodySchema, errorResponse, json, served, validationHook } from '../lib/openapi'
import { SEND_EXAMPLES } from '../messaging/examples'
import { SendMessageSchema, SendResponseSchema, wrongKeysAre422 } from '../messaging/schemas'
import type { BusinessBindings } from './business-auth'

export const messages = new OpenAPIHono<BusinessBindings>({ defaultHook: validationHook })

/** Messages carry base64 images; 2 MB leaves room under the DO row limit (docs/api.md "Bodies"). */
const SEND_BODY_LIMIT = 2 * 1024 * 1024

const sendRoute = createRoute({
	method: 'post',
	path: '/',
	operationId: 'sendMessage',
	tags: ['Messages'],
	summary: 'Send a message to a customer',
	description:
		"Validates the message, fits it to the customer's device (your `fallback`, or a derived text, when the device cannot show the type), runs preflight (what Apple would reject is a 422 naming the field; what Apple accepts but hurts the customer is sent with `warnings`), and queues it behind earlier sends of the conversation. The outcome arrives as `message.sent` or `message.failed`. Customers start conversations: a customer who never wrote answers 404.",
	request: {
		headers: z.object({
			'idempotency-key': z
				.string()
				.regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1–255 visible ASCII characters')
				.optional()
				.meta({
					description:
						'Retry safely: the same key with the same body answers the original result (with `idempotent-replayed: true`) for 24 hours; with another body, 409.',
					example: 'order-1042-ready',
				}),
		}),
		body: { required: true, content: { 'application/json': { schema: SendMessageSchema, examples: SEND_EXAMPLES } } },
	},
	responses: {
		202: {
			...json(SendResponseSchema, 'Accepted and queued', {
				queued: {
					value: {
						id: '6b0f8c1e-4a57-4c1b-9d6e-2f1a0b3c4d5e',
						conversationId: 'c2f6e1d0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2',
						sequence: 7,
						status: 'queued',
						rendered: 'original',
						richLinks: [],
					},
				},
			}),
			headers: {
				'idempotent-replayed': {
					description: '`true` when this answers an earlier request with the same Idempotency-Key.',
					schema: { type: 'string', enum: ['true'] },
				},
			},
		},
		400: errorResponse('The body does not match the schema (`details` per field)', {
			code: 'bad_request',
			message: 'body failed validation',
			details: [{ path: 'message.sections.0.items.0.id', message: 'Too big: expected string to have <=256 characters' }],
		}),
		...authErrors,
		404: errorResponse('No conversation with this customer', {
			code: 'not_found',
			message: 'no conversation with this customer; customers start conversations',
		}),
		409: errorResponse(
			'Idempotency-Key reused with another body, or the customer closed the conversation',
			{ code: 'conflict', message: 'Idempotency-Key was used with a different request body' },
			{ code: 'conflict', message: 'the customer closed this conversation; it reopens when they write again' },
		),
		413: errorResponse('Body over 2 MB', { code: 'payload_too_large', message: 'body exceeds 2097152 bytes' }),
		422: errorResponse(
			'Apple would reject this message (reason per field)',
			{ code: 'unprocessable', message: 'Apple would reject this message', details: [{ path: 'message.items', message: 'a quick reply needs 2 to 5 items' }] },
			{ code: 'unprocessable', message: 'image could not be fetched', details: [{ path: 'message.imageUrl', message: 'the image URL answered 404' }] },
		),
	},
})

messages.openapi(served(messages, sendRoute), async (c) => {
	const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null
	const raw = c.req.raw.clone()
	const input = await readJson(c, bodySchema(sendRoute), SEND_BODY_LIMIT, wrongKeysAre422)
	const requestHash = await sha256Hex(await raw.text())
	const business = c.var.business
	// One call: the conversation checks the key, prepares and accepts (docs/ARCHITECTURE.md "Life of a send").
	const outcome = await conversationByCustomer(c.env, business.settings.businessId, input.customerId).sendMessage({
		business,
		customerId: input.customerId,
		idempotencyKey,
		requestHash,
		message: input.message,
		origin: new URL(c.req.url).origin,
	})
	switch (outcome.kind) {
		case 'accepted':
			return c.json(outcome.response, 202)
		case 'replayed':
			return c.json(outcome.response, 202, { 'idempotent-replayed': 'true' })
		case 'refused':
			throw new AppError(outcome.status, outcome.code, outcome.message, outcome.details)
		case 'idempotency_conflict':
			throw conflict('Idempotency-Key was used with a different request body')
		case 'closed':
			throw conflict('the customer closed this conversation; it reopens when they write again')
		case 'no_conversation':
			throw notFound('no conversation with this customer; customers start conversations')
	}
})
