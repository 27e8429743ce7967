/**
 * The OpenAPI document is the routes (docs/api.md): every operation named, summarised and
 * described, components referenced instead of inlined, an example per message type (each a
 * valid send) and per error, webhooks per event type with the Standard Webhooks headers; and
 * the template preview answers like a send (400/422 with the same per-field details).
 */
import { exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { SendMessageSchema } from '../../src/messaging/schemas'
import { SEND_EXAMPLES } from '../../src/messaging/examples'
import { ADMIN_TOKEN, businessFetch, createBusiness } from '../helpers/platform'

type Op = {
	operationId?: string
	summary?: string
	description?: string
	tags?: string[]
	security?: unknown[]
	responses: Record<string, { content?: Record<string, { examples?: Record<string, unknown>; schema?: unknown }> }>
	requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }>; schema: unknown }> }
	parameters?: { name: string; in: string }[]
}
type Doc = {
	openapi: string
	info: { license?: unknown }
	servers?: unknown[]
	paths: Record<string, Record<string, Op>>
	webhooks: Record<string, { post: Op }>
	components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
}

async function document(): Promise<{ doc: Doc; size: number }> {
	const res = await exports.default.fetch('https://msp.test/openapi.json')
	expect(res.status).toBe(200)
	const text = await res.text()
	return { doc: JSON.parse(text) as Doc, size: text.length }
}

describe('OpenAPI document', () => {
	// The first request generates the document (once per isolate); give it room on a busy machine.
	beforeAll(async () => {
		await document()
	}, 60_000)

	it('is small and references its components', async () => {
		const { doc, size } = await document()
		expect(doc.openapi).toBe('3.1.0')
		expect(size).toBeLessThan(200_000)
		expect(doc.servers?.length).toBeGreaterThan(0)
		expect(doc.info.license).toBeTruthy()
		const send = doc.paths['/v1/messages']!.post!.requestBody!.content['application/json']!
		expect(send.schema).toEqual({ $ref: '#/components/schemas/SendMessageRequest' })
		for (const name of [
			'BusinessMessage',
			'FallbackMessage',
			'TextMessage',
			'ListPickerMessage',
			'FormPage',
			'ImageRef',
			'Error',
			'SendResponse',
			'AppleRawPayload',
		]) {
			expect(doc.components.schemas[name], name).toBeTruthy()
		}
		expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminToken', 'apiKey'])
	})

	it('names, summarises and describes every operation, with an example for every error', async () => {
		const { doc } = await document()
		const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, op })))
		expect(ops.map((o) => o.at).sort()).toEqual(
			[
				'delete /admin/businesses/{businessId}',
				'delete /admin/businesses/{businessId}/invitation-opt-outs/{phoneNumber}',
				'get /admin/businesses/{businessId}/invitation-opt-outs',
				'get /v1/invitations',
				'get /v1/invitations/opt-outs',
				'get /v1/invitations/{id}',
				'post /v1/invitations',
				'delete /v1/templates/{id}',
				'get /admin/businesses/{businessId}',
				'get /attachments/signed/{token}',
				'get /v1/attachments/{id}',
				'get /v1/conversations',
				'get /v1/conversations/{id}',
				'get /v1/conversations/{id}/messages',
				'get /v1/deliveries/failed',
				'get /v1/templates',
				'get /v1/templates/{id}',
				'patch /admin/businesses/{businessId}',
				'post /admin/businesses',
				'post /admin/businesses/{businessId}/rotate-api-key',
				'post /admin/businesses/{businessId}/rotate-webhook-secret',
				'post /v1/attachments',
				'post /v1/deliveries/{id}/replay',
				'post /v1/messages',
				'post /v1/templates',
				'post /v1/templates/{id}/preview',
				'put /v1/templates/{id}',
			].sort(),
		)
		const ids = new Set<string>()
		for (const { at, op } of ops) {
			expect(op.operationId, at).toBeTruthy()
			expect(op.summary, at).toBeTruthy()
			expect(op.description, at).toBeTruthy()
			ids.add(op.operationId!)
			for (const [status, response] of Object.entries(op.responses)) {
				if (Number(status) >= 400) expect(Object.keys(response.content!['application/json']!.examples ?? {}).length, `${at} ${status}`).toBeGreaterThan(0)
			}
			if (at.includes('/admin/')) {
				expect(op.tags).toEqual(['Admin'])
				expect(op.security).toEqual([{ adminToken: [] }])
			}
		}
		expect(ids.size).toBe(ops.length)
		expect(doc.paths['/attachments/signed/{token}']!.get!.security).toEqual([])
	})

	it('declares the invitation routes: operationIds, tags, the Idempotency-Key, every refusal', async () => {
		const { doc } = await document()
		const op = (path: string, method: string) => doc.paths[path]?.[method]
		const expected: [string, string, string, string[]][] = [
			['/v1/invitations', 'post', 'createInvitation', ['202', '400', '401', '409', '413', '422', '429']],
			['/v1/invitations', 'get', 'listInvitations', ['200', '400', '401']],
			['/v1/invitations/opt-outs', 'get', 'listInvitationOptOuts', ['200', '400', '401']],
			['/v1/invitations/{id}', 'get', 'getInvitation', ['200', '401', '404']],
			['/admin/businesses/{businessId}/invitation-opt-outs', 'get', 'adminListInvitationOptOuts', ['200', '400', '401', '403', '404']],
			['/admin/businesses/{businessId}/invitation-opt-outs/{phoneNumber}', 'delete', 'adminClearInvitationOptOut', ['204', '400', '401', '403', '404']],
		]
		for (const [path, method, operationId, statuses] of expected) {
			const o = op(path, method)
			expect(o?.operationId, `${method} ${path}`).toBe(operationId)
			expect(Object.keys(o!.responses).sort(), operationId).toEqual(statuses)
			if (path.startsWith('/v1/')) expect(o!.tags, operationId).toEqual(['Invitations'])
		}
		const create = op('/v1/invitations', 'post')!
		expect(create.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['header:idempotency-key'])
		expect(create.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/CreateInvitationRequest' })
		expect(Object.keys(create.responses['409']!.content!['application/json']!.examples!).sort()).toEqual(['conflict_1', 'opted_out'])
		expect((create.responses['429'] as { headers?: Record<string, unknown> }).headers?.['Retry-After']).toBeTruthy()
		for (const name of [
			'Invitation',
			'InvitationPage',
			'CreatedInvitation',
			'InvitationOptOut',
			'InvitationOptOutPage',
			'InvitationStatus',
			'RateLimitedError',
			'InvitationUpdatedEvent',
		])
			expect(doc.components.schemas[name], name).toBeTruthy()
	})

	it('shows an example for every message type, each a valid send', async () => {
		const { doc } = await document()
		const examples = doc.paths['/v1/messages']!.post!.requestBody!.content['application/json']!.examples!
		const types = new Set(Object.values(examples).map((e) => (e.value as { message: { type: string } }).message.type))
		expect([...types].sort()).toEqual([
			'apple',
			'applePay',
			'authenticate',
			'form',
			'iMessageApp',
			'listPicker',
			'quickReply',
			'richLink',
			'template',
			'text',
			'timePicker',
			'typing',
		])
		for (const [name, example] of Object.entries(SEND_EXAMPLES)) expect(SendMessageSchema.safeParse(example.value).success, name).toBe(true)
	})

	it('documents every webhook event with the Standard Webhooks headers', async () => {
		const { doc } = await document()
		expect(Object.keys(doc.webhooks).sort()).toEqual([
			'conversation.closed',
			'conversation.started',
			'interactive.received',
			'invitation.updated',
			'message.failed',
			'message.received',
			'message.sent',
			'reaction.received',
			'typing.started',
			'typing.stopped',
		])
		for (const [type, { post }] of Object.entries(doc.webhooks)) {
			expect(
				post.parameters
					?.filter((p) => p.in === 'header')
					.map((p) => p.name)
					.sort(),
				type,
			).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp'])
			expect(JSON.stringify(post.requestBody!.content['application/json']!.schema), type).toMatch(/#\/components\/schemas\/\w+Event/)
		}
	})
})

describe('validation through the declared routes keeps the error envelope', () => {
	it('400 invalid query with details; 400 for a bad Idempotency-Key; 404 for a malformed template id; 400 for a bad delivery id', async () => {
		const biz = await createBusiness()
		const q = await businessFetch(biz.apiKey, '/v1/conversations?limit=0')
		expect(q.status).toBe(400)
		expect(((await q.json()) as { error: { code: string; message: string; details: { path: string }[] } }).error).toMatchObject({
			code: 'bad_request',
			message: 'invalid query',
			details: [{ path: 'limit' }],
		})
		const key = await businessFetch(biz.apiKey, '/v1/messages', {
			method: 'POST',
			headers: { 'idempotency-key': 'has space' },
			json: { customerId: 'urn:mbid:x', message: { type: 'text', text: 'hi' } },
		})
		expect(key.status).toBe(400)
		expect(((await key.json()) as { error: { message: string } }).error.message).toBe('Idempotency-Key must be 1–255 visible ASCII characters')
		expect((await businessFetch(biz.apiKey, '/v1/templates/not-a-template')).status).toBe(404)
		expect((await businessFetch(biz.apiKey, '/v1/deliveries/bad%20id/replay', { method: 'POST' })).status).toBe(400)
		expect((await businessFetch(biz.apiKey, '/v1/deliveries/failed?includeReplayed=maybe')).status).toBe(400)
		expect((await businessFetch('amb_wrong', '/v1/conversations?limit=0')).status).toBe(401)
	})

	it('every declared query and path rule answers its 4xx', async () => {
		const biz = await createBusiness()
		const status = async (path: string, init: RequestInit & { json?: unknown } = {}) => (await businessFetch(biz.apiKey, path, init)).status
		expect(await status('/v1/conversations?cursor=nothex')).toBe(400)
		expect(await status('/v1/conversations/any/messages?order=sideways')).toBe(400)
		expect(await status('/v1/conversations/any/messages?limit=201')).toBe(400)
		expect(await status('/v1/conversations/unknown')).toBe(404)
		expect(await status('/v1/templates?limit=101')).toBe(400)
		expect(await status('/v1/templates/tpl_bad-id', { method: 'PUT', json: { name: 'x', message: { type: 'quickReply', prompt: 'p', items: [] } } })).toBe(404)
		expect(await status('/v1/templates/tpl_bad-id', { method: 'DELETE' })).toBe(404)
		expect(await status('/v1/templates/tpl_bad-id/preview', { method: 'POST', json: {} })).toBe(404)
		expect(await status('/v1/deliveries/failed?limit=0')).toBe(400)
		expect(await status('/v1/deliveries/failed?cursor=%%%')).toBe(400)
		const admin = (path: string, token = ADMIN_TOKEN) =>
			exports.default.fetch(`https://msp.test/admin${path}`, { headers: { authorization: `Bearer ${token}` } })
		expect((await admin('/businesses/bad%20id')).status).toBe(400)
		expect((await admin('/businesses/unknown-business')).status).toBe(404)
		expect((await admin('/businesses/unknown-business', 'wrong-token')).status).toBe(403)
		expect((await exports.default.fetch('https://msp.test/admin/businesses/x')).status).toBe(401)
	})

	it('invitations answer as before they were declared: invalid query with details, a bad Idempotency-Key without, 404 for a malformed id', async () => {
		const biz = await createBusiness()
		const q = await businessFetch(biz.apiKey, '/v1/invitations?limit=0&status=nope')
		expect(q.status).toBe(400)
		expect(((await q.json()) as { error: { code: string; message: string; details: { path: string }[] } }).error).toMatchObject({
			code: 'bad_request',
			message: 'invalid query',
			details: [{ path: 'limit' }, { path: 'status' }],
		})
		const key = await businessFetch(biz.apiKey, '/v1/invitations', {
			method: 'POST',
			headers: { 'idempotency-key': 'has space' },
			json: { phoneNumber: '+15551234567', templateId: 'binaryChoice.engage.noImage' },
		})
		expect(key.status).toBe(400)
		expect(await key.json()).toEqual({ error: { code: 'bad_request', message: 'Idempotency-Key must be 1–255 visible ASCII characters' } })
		const id = await businessFetch(biz.apiKey, '/v1/invitations/inv_nope')
		expect([id.status, await id.json()]).toEqual([404, { error: { code: 'not_found', message: 'unknown invitation' } }])
	})
})

describe('template preview answers like a send', () => {
	const picker = {
		type: 'listPicker',
		title: 'Pick',
		sections: [
			{
				title: 'S',
				items: [
					{ id: '{{itemId}}', title: 'A' },
					{ id: 'b', title: 'B' },
				],
			},
		],
	}

	async function previewOf(message: unknown, variables: Record<string, string>) {
		const biz = await createBusiness()
		const created = await businessFetch(biz.apiKey, '/v1/templates', { method: 'POST', json: { name: 't', message } })
		expect(created.status).toBe(201)
		const { id } = (await created.json()) as { id: string }
		return businessFetch(biz.apiKey, `/v1/templates/${id}/preview`, { method: 'POST', json: { variables } })
	}

	it('a 300-character list item id: 400 with the field path, as a send answers', async () => {
		const res = await previewOf(picker, { itemId: 'x'.repeat(300) })
		expect(res.status).toBe(400)
		const body = (await res.json()) as { error: { code: string; details: { path: string }[] } }
		expect(body.error.code).toBe('bad_request')
		expect(body.error.details.map((d) => d.path)).toEqual(['message.sections.0.items.0.id'])
	})

	it("what Apple would reject: 422 per field, as a send's preflight answers", async () => {
		const res = await previewOf({ type: 'quickReply', prompt: '{{q}}', items: [{ id: 'a', title: 'Only one' }] }, { q: 'Pick?' })
		expect(res.status).toBe(422)
		const body = (await res.json()) as { error: { code: string; message: string; details: { path: string }[] } }
		expect(body.error).toMatchObject({ code: 'unprocessable', message: 'Apple would reject this message' })
		expect(body.error.details[0]!.path).toMatch(/^message\.items/)
	})

	it('a valid message: 200 with the filled message and the Apple body', async () => {
		const res = await previewOf(picker, { itemId: 'a' })
		expect(res.status).toBe(200)
		const body = (await res.json()) as { valid: boolean; problems: unknown[]; apple: { type: string } }
		expect([body.valid, body.problems, body.apple.type]).toEqual([true, [], 'interactive'])
	})

	it('missing variables 422, unknown template 404, malformed body 400', async () => {
		expect((await previewOf(picker, {})).status).toBe(422)
		const biz = await createBusiness()
		expect((await businessFetch(biz.apiKey, '/v1/templates/tpl_nothing/preview', { method: 'POST', json: { variables: {} } })).status).toBe(404)
		const created = (await (await businessFetch(biz.apiKey, '/v1/templates', { method: 'POST', json: { name: 't', message: picker } })).json()) as {
			id: string
		}
		expect((await businessFetch(biz.apiKey, `/v1/templates/${created.id}/preview`, { method: 'POST', json: { variables: { itemId: 5 } } })).status).toBe(400)
	})
})
