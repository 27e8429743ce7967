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
import { getConfig } from '../context'
import { sha256Hex } from '../lib/crypto'
import { badRequest, conflict, notFound } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { prepareSend } from '../messaging/prepare-send'
import type { BusinessBindings } from './business-auth'

export const SendMessageSchema = z.strictObject({
	customerId: z.string().min(1).max(512),
	message: BusinessMessageSchema,
})

export const messages = new Hono<BusinessBindings>()

/** Messages carry base64 images; 2 MB leaves room under the DO row limit (workers-limits.md §4). */
const SEND_BODY_LIMIT = 2 * 1024 * 1024

messages.post('/', async (c) => {
	const config = getConfig(c.env)
	const idempotencyKey = c.req.header('idempotency-key') ?? null
	if (idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) throw badRequest('Idempotency-Key must be 1–255 visible ASCII characters')
	const raw = c.req.raw.clone()
	const input = await readJson(c, SendMessageSchema, SEND_BODY_LIMIT)
	const requestHash = await sha256Hex(await raw.text())
	const business = c.var.business
	const stub = conversationByCustomer(c.env, business.settings.businessId, input.customerId)
	const state = await stub.state()
	if (!state) throw notFound('no conversation with this customer; customers start conversations')
	const prepared = await prepareSend(c.env, config, business, state, input.message)
	const outcome = await stub.send({
		businessId: business.settings.businessId,
		idempotencyKey,
		requestHash,
		messageType: prepared.messageType,
		rendered: prepared.rendered,
		request: JSON.stringify(input.message),
		job: prepared.job,
	})
	switch (outcome.kind) {
		case 'accepted':
			return c.json(outcome.response, 202)
		case 'replayed':
			return c.json(outcome.response, 202, { 'idempotent-replayed': 'true' })
		case 'idempotency_conflict':
			throw conflict('Idempotency-Key was used with a different request body')
		case 'closed':
			throw conflict('the customer closed this conversation; it reopens when they write again')
		case 'no_conversation':
			throw notFound('no conversation with this customer; customers start conversations')
	}
})
