/**
 * `/sim/api/*`: the simulator's own API, used by end-to-end tests and the device page.
 * Customers and their devices, conversations, what a customer does (text, typing, tapback,
 * attachment, interactive reply, close), the rendered thread, the rejection log, switches,
 * business names, blob metadata and the webhook inbox. JSON in and out; errors `{ error: { code, message } }`.
 */
import { Hono, type Context } from 'hono'
import type { SimBindings, SimEnv } from '../env'
import { simState } from '../env'
import { ActionError, sendAttachment, sendClose, sendReply, sendTapback, sendText, sendTyping } from '../device/customer-actions'
import { DEVICES } from '../device/devices'
import { renderThread } from '../device/render'
import { decodeBase64Strict, randomHex } from '../lib/bytes'
import type { Customer } from '../state/types'
import { ApiError, apiErrorResponse, jsonBody, parseApi } from './api-errors'
import { downloadAttachment } from './attachment-download'
import { answerInvitation } from '../device/invitations'
import {
	AnswerInvitation,
	CreateCustomer,
	PutBusiness,
	SendAttachmentJson,
	SendAttachmentQuery,
	SendClose,
	SendReply,
	SendTapback,
	SendText,
	SendTyping,
	SinceQuery,
	StartConversation,
	SwitchesPatch,
	UpdateCustomer,
} from './schemas'

export const simApi = new Hono<SimBindings>()

simApi.onError((err, c) => {
	if (err instanceof ApiError) return apiErrorResponse(c, err)
	if (err instanceof ActionError) return apiErrorResponse(c, new ApiError(err.status, 'action_failed', err.message))
	throw err
})

async function customerOr404(env: SimEnv, id: string): Promise<Customer> {
	const customer = await simState(env).getCustomer(id)
	if (!customer) throw new ApiError(404, 'not_found', `no customer ${id}`)
	return customer
}

const withProfile = (c: Customer) => ({ ...c, capabilities: DEVICES[c.device].capabilities, deviceAgent: DEVICES[c.device].deviceAgent })

/** An opaque `urn:mbid:` id like Apple's (`urn:mbid:AQAAY…`, docs/apple-protocol.md §4.3). */
const newCustomerId = () =>
	`urn:mbid:AQAAY${btoa(randomHex(24))
		.replace(/[^A-Za-z0-9]/g, '')
		.slice(0, 40)}`

// ── customers & conversations ─────────────────────────────────────────────────────────────

simApi.post('/customers', async (c) => {
	const input = parseApi(CreateCustomer, await jsonBody(c))
	const state = simState(c.env)
	const id = input.id ?? newCustomerId()
	if (await state.getCustomer(id)) throw new ApiError(409, 'conflict', `customer ${id} exists`)
	if (input.phoneNumber && (await state.getCustomerByPhone(input.phoneNumber)))
		throw new ApiError(409, 'conflict', `phone number ${input.phoneNumber} is taken`)
	const n = (await state.listCustomers()).length + 1
	const phoneNumber = input.phoneNumber ?? (await freePhoneNumber(c.env))
	const customer = await state.createCustomer({ id, name: input.name ?? `Customer ${n}`, device: input.device, locale: input.locale, phoneNumber })
	return c.json(withProfile(customer), 201)
})

/** A US test number (555 exchange) nobody in the directory has. */
async function freePhoneNumber(env: SimEnv): Promise<string> {
	for (;;) {
		const digits = Array.from(crypto.getRandomValues(new Uint8Array(7)), (b) => String(b % 10)).join('')
		const phone = `+1555${digits}`
		if (!(await simState(env).getCustomerByPhone(phone))) return phone
	}
}

/** The phone directory: which simulated customer an invitation to a number reaches. */
simApi.get('/phone-directory', async (c) => {
	const customers = await simState(c.env).listCustomers()
	return c.json({ entries: customers.filter((cu) => cu.phoneNumber).map((cu) => ({ phoneNumber: cu.phoneNumber, customerId: cu.id, name: cu.name })) })
})

simApi.get('/customers', async (c) => {
	const state = simState(c.env)
	const customers = await state.listCustomers()
	const out = []
	for (const cu of customers) out.push({ ...withProfile(cu), conversations: await state.listConversations(cu.id) })
	return c.json({ customers: out })
})

simApi.get('/customers/:id', async (c) => {
	const customer = await customerOr404(c.env, c.req.param('id'))
	return c.json({ ...withProfile(customer), conversations: await simState(c.env).listConversations(customer.id) })
})

simApi.patch('/customers/:id', async (c) => {
	const patch = parseApi(UpdateCustomer, await jsonBody(c))
	await customerOr404(c.env, c.req.param('id'))
	const updated = await simState(c.env).updateCustomer(c.req.param('id'), patch)
	return c.json(withProfile(updated as Customer))
})

simApi.post('/customers/:id/conversations', async (c) => {
	const input = parseApi(StartConversation, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	const conversation = await simState(c.env).startConversation({
		customerId: customer.id,
		businessId: input.businessId,
		...(input.intent ? { intent: input.intent } : {}),
		...(input.group ? { group: input.group } : {}),
	})
	const sent = input.text ? await sendText(c.env, customer, input.businessId, input.text) : []
	return c.json({ conversation, sent }, 201)
})

// ── what the customer does ───────────────────────────────────────────────────────────────

simApi.post('/customers/:id/messages', async (c) => {
	const input = parseApi(SendText, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	return c.json({ sent: await sendText(c.env, customer, input.businessId, input.text, input.typing) })
})

simApi.post('/customers/:id/typing', async (c) => {
	const input = parseApi(SendTyping, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	return c.json({ sent: [await sendTyping(c.env, customer, input.businessId, input.active)] })
})

simApi.post('/customers/:id/tapbacks', async (c) => {
	const input = parseApi(SendTapback, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	const sent = await sendTapback(c.env, customer, input.businessId, input.reaction, {
		...(input.targetMessageId ? { targetMessageId: input.targetMessageId } : {}),
		...(input.targetText !== undefined ? { targetText: input.targetText } : {}),
		...(input.emoji ? { emoji: input.emoji } : {}),
	})
	return c.json({ sent: [sent] })
})

/**
 * JSON `{businessId, name, mimeType, dataBase64, text?}`, or the raw file as the body with
 * `?businessId=&name=&mimeType=&text=` and a Content-Length (streamed, up to 100 MB).
 */
simApi.post('/customers/:id/attachments', async (c) => {
	const customer = await customerOr404(c.env, c.req.param('id'))
	if (/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
		const input = parseApi(SendAttachmentJson, await jsonBody(c))
		let bytes: Uint8Array
		try {
			bytes = decodeBase64Strict(input.dataBase64)
		} catch {
			throw new ApiError(400, 'bad_request', 'dataBase64 is not base64')
		}
		const sent = await sendAttachment(c.env, customer, input.businessId, {
			name: input.name,
			mimeType: input.mimeType,
			size: bytes.byteLength,
			body: bytes,
			...(input.text ? { text: input.text } : {}),
		})
		return c.json({ sent: [sent] })
	}
	const q = parseApi(SendAttachmentQuery, c.req.query())
	const size = Number(c.req.header('content-length'))
	if (!Number.isSafeInteger(size) || size < 1) throw new ApiError(411, 'length_required', 'send the file with a Content-Length')
	if (size > 100 * 1024 * 1024) throw new ApiError(413, 'too_large', 'attachments are limited to 100 MB (docs/apple-protocol.md §1.5)')
	if (!c.req.raw.body) throw new ApiError(400, 'bad_request', 'empty body')
	const sent = await sendAttachment(c.env, customer, q.businessId, {
		name: q.name,
		mimeType: q.mimeType,
		size,
		body: c.req.raw.body,
		...(q.text ? { text: q.text } : {}),
	})
	return c.json({ sent: [sent] })
})

simApi.post('/customers/:id/replies', async (c) => {
	const input = parseApi(SendReply, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	return c.json(await sendReply(c.env, customer, input.toMessageId, input.selection))
})

/** Accept or decline an invitation shown on the device (device/invitations.ts). */
simApi.post('/customers/:id/invitations/:messageId/:answer{accept|decline}', async (c) => {
	const input = parseApi(AnswerInvitation, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	const answer = c.req.param('answer') === 'accept' ? 'accept' : 'decline'
	return c.json({ sent: [await answerInvitation(c.env, customer, c.req.param('messageId'), answer, input.title)] })
})

simApi.post('/customers/:id/close', async (c) => {
	const input = parseApi(SendClose, await jsonBody(c))
	const customer = await customerOr404(c.env, c.req.param('id'))
	return c.json({ sent: [await sendClose(c.env, customer, input.businessId, input.block)] })
})

// ── what the customer sees ───────────────────────────────────────────────────────────────

simApi.get('/customers/:id/messages', async (c) => {
	const q = parseApi(SinceQuery, c.req.query())
	const customer = await customerOr404(c.env, c.req.param('id'))
	const messages = await simState(c.env).listMessages({ customerId: customer.id, ...(q.businessId ? { businessId: q.businessId } : {}) })
	const rendered = renderThread(customer.id, messages, customer.device).filter((m) => m.seq > (q.since ?? 0))
	return c.json({ messages: rendered })
})

simApi.get('/customers/:id/messages/:messageId/attachments/:index', async (c) => {
	const index = Number(c.req.param('index'))
	if (!Number.isSafeInteger(index) || index < 0) throw new ApiError(400, 'bad_request', 'index must be a number')
	const res = await downloadAttachment(c.env, c.req.param('id'), c.req.param('messageId'), index)
	if (!res) throw new ApiError(404, 'not_found', 'no such attachment')
	return res
})

// ── gateway state ────────────────────────────────────────────────────────────────────────

simApi.get('/rejections', async (c) => {
	const q = parseApi(SinceQuery, c.req.query())
	const rejections = await simState(c.env).listRejections({
		...(q.since !== undefined ? { sinceSeq: q.since } : {}),
		...(q.customerId ? { customerId: q.customerId } : {}),
	})
	return c.json({ rejections })
})

simApi.delete('/rejections', async (c) => {
	await simState(c.env).clearRejections()
	return c.body(null, 204)
})

// Business names, as Apple Business Register holds them (the device shows the name).
simApi.get('/businesses', async (c) => c.json({ businesses: await simState(c.env).listBusinesses() }))

simApi.put('/businesses/:id', async (c) => {
	const input = parseApi(PutBusiness, await jsonBody(c))
	return c.json(await simState(c.env).putBusiness({ id: c.req.param('id'), name: input.name, webhookUrl: input.webhookUrl }))
})

simApi.get('/switches', async (c) => c.json(await simState(c.env).getSwitches()))

async function patchSwitches(c: Context<SimBindings>) {
	const patch = parseApi(SwitchesPatch, await jsonBody(c))
	return c.json(await simState(c.env).setSwitches(patch))
}
simApi.put('/switches', patchSwitches)
simApi.patch('/switches', patchSwitches)

simApi.get('/blobs', async (c) => c.json({ blobs: await simState(c.env).listBlobs() }))

simApi.get('/inbox', async (c) => {
	const q = parseApi(SinceQuery, c.req.query())
	return c.json({ events: await simState(c.env).listInbox(q.since ?? 0) })
})

simApi.get('/business-messages', async (c) => {
	const q = parseApi(SinceQuery, c.req.query())
	const messages = await simState(c.env).listMessages({
		sender: 'business',
		...(q.since !== undefined ? { sinceSeq: q.since } : {}),
		...(q.businessId ? { businessId: q.businessId } : {}),
		...(q.customerId ? { customerId: q.customerId } : {}),
	})
	return c.json({ messages })
})
