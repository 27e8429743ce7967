/**
 * `POST /v1/messages` (PRODUCT.md "Business API"): validate, fit to the device, preflight,
 * render, and hand the job to the customer's conversation object, which serialises sends.
 * `Idempotency-Key`: the same key with the same body answers the original result; with a
 * different body, 409. A closed conversation answers 409 until the customer writes again;
 * a customer who never wrote has no conversation (users initiate; spec core §1.6) → 404.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { BusinessMessageSchema } from '../apple/outbound'
import { conversationByCustomer } from '../conversation/directory'
import { sha256Hex } from '../lib/crypto'
import { AppError, badRequest, conflict, notFound, unprocessable } from '../lib/errors'
import { readJson } from '../lib/json-body'
import type { BusinessBindings } from './business-auth'

export const SendMessageSchema = z.strictObject({
	customerId: z.string().min(1).max(512),
	message: BusinessMessageSchema,
})

export const messages = new Hono<BusinessBindings>()

/**
 * A well-formed message with a key Apple does not know (e.g. `listPickerItem` for `items`)
 * is one of Apple's known rejections: 422 naming the key, like the rest of preflight.
 */
function wrongKeysAre422(issues: z.core.$ZodIssue[]) {
	if (issues.length === 0 || !issues.every((i) => i.code === 'unrecognized_keys' || (i.code === 'invalid_union' && i.errors.length > 0 && i.errors.some((branch) => branch.length > 0 && branch.every((b) => b.code === 'unrecognized_keys'))))) return null
	const keys = issues.flatMap((i) =>
		i.code === 'unrecognized_keys'
			? i.keys.map((k) => `${[...i.path, k].join('.')}`)
			: i.code === 'invalid_union'
				? i.errors.flat().flatMap((b) => (b.code === 'unrecognized_keys' ? b.keys.map((k) => [...i.path, ...b.path, k].join('.')) : []))
				: [],
	)
	return unprocessable('Apple would reject this message', [...new Set(keys)].map((path) => ({ path, message: 'unknown key; check the spelling against the API' })))
}

/** Messages carry base64 images; 2 MB leaves room under the DO row limit (workers-limits.md §4). */
const SEND_BODY_LIMIT = 2 * 1024 * 1024

messages.post('/', async (c) => {
	const idempotencyKey = c.req.header('idempotency-key') ?? null
	if (idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) throw badRequest('Idempotency-Key must be 1–255 visible ASCII characters')
	const raw = c.req.raw.clone()
	const input = await readJson(c, SendMessageSchema, SEND_BODY_LIMIT, wrongKeysAre422)
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
