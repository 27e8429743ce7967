/**
 * What a customer can do on the simulated device, each turned into the Apple → MSP messages
 * Apple would send (docs/apple-protocol.md §1.3, §3.1, §4): texts preceded by `typing_start`
 * (§1.3), typing indicators, tapbacks as text (§4.9), attachments encrypted and stored in
 * MMCS (§5), interactive replies inline or, above 10 KB, by reference (docs/apple-interactive.md §3.2),
 * `close` (§4.6). The first message after a start link carries `intent`/`group` (§3.1).
 * Every message is recorded, posted, and the MSP's answer recorded with it.
 */
import type { SimEnv } from '../env'
import { simState } from '../env'
import { isObject } from '../gateway/zod-check'
import { aesCtrStream, newAttachmentKey, formatAttachmentKey } from '../lib/platform-primitives'
import { storeBlob } from '../mmcs/blob-store'
import { encodeIdrPayload, encryptFresh } from '../mmcs/idr-payload'
import type { Customer, StoredMessage } from '../state/types'
import { DEVICES } from './devices'
import { deviceHeaders, postToMsp } from './msp-client'
import { deviceFetch } from './outbound-fetch'
import { buildReply, ReplyError, SIMULATED_CARD, type ReplySelection } from './replies'
import { tapbackText, type Tapback, type TapbackTarget } from './tapback'

export interface SentMessage {
	id: string
	type: string
	seq: number
	mspStatus: number
	mspResponse: string
	/** Interactive replies: sent as interactiveDataRef. */
	viaDataRef?: boolean
	/** The duplicate of an interactive reply (new id, same session/request identifiers). */
	duplicateOf?: string
}

export class ActionError extends Error {
	constructor(
		readonly status: 400 | 404 | 409 | 502,
		message: string,
	) {
		super(message)
	}
}

type Fields = Record<string, unknown>

export async function dispatch(
	env: SimEnv,
	customer: Customer,
	businessId: string,
	type: string,
	fields: Fields,
	extra: Partial<SentMessage> = {},
	resolvedInteractive: Record<string, unknown> | null = null,
): Promise<SentMessage> {
	const state = simState(env)
	const conv =
		(await state.getConversation(customer.id, businessId)) ??
		// Typing urn:biz:<id> as a recipient opens a chat without a link (docs/apple-protocol.md §3.1).
		(await state.startConversation({ customerId: customer.id, businessId }))
	const first = conv && !conv.firstSent && type !== 'close'
	const body: Fields = {
		v: 1,
		id: crypto.randomUUID(),
		type,
		sourceId: customer.id,
		destinationId: businessId,
		locale: customer.locale,
		...(first && conv.intent ? { intent: conv.intent } : {}),
		...(first && conv.group ? { group: conv.group } : {}),
		...fields,
	}
	// The device headers are kept with the message: they are what the MSP knows of the device.
	const headers = deviceHeaders(DEVICES[customer.device])
	const { seq } = await state.storeCustomerMessage({ id: String(body.id), customerId: customer.id, businessId, type, body, resolvedInteractive, headers })
	const res = await postToMsp(env, body, DEVICES[customer.device])
	await state.recordMspResult(seq, res.status, res.body)
	return { id: String(body.id), type, seq, mspStatus: res.status, mspResponse: res.body, ...extra }
}

export async function sendText(env: SimEnv, customer: Customer, businessId: string, text: string, typing = true): Promise<SentMessage[]> {
	const out: SentMessage[] = []
	// "by default you will receive at least two messages": typing_start, then the text (docs/apple-protocol.md §1.3).
	if (typing) out.push(await dispatch(env, customer, businessId, 'typing_start', {}))
	out.push(await dispatch(env, customer, businessId, 'text', { body: text }))
	return out
}

export const sendTyping = (env: SimEnv, customer: Customer, businessId: string, active: boolean) =>
	dispatch(env, customer, businessId, active ? 'typing_start' : 'typing_end', {})

export async function sendTapback(
	env: SimEnv,
	customer: Customer,
	businessId: string,
	reaction: Tapback,
	o: { targetMessageId?: string; targetText?: string; emoji?: string },
): Promise<SentMessage> {
	let target: TapbackTarget
	if (o.targetMessageId) {
		const msg = await simState(env).getMessage(customer.id, o.targetMessageId)
		if (!msg) throw new ActionError(404, `no message ${o.targetMessageId} in this customer's thread`)
		target = tapbackTargetOf(msg)
	} else if (o.targetText !== undefined) {
		target = { kind: 'text', text: o.targetText }
	} else {
		throw new ActionError(400, 'give targetMessageId or targetText')
	}
	return dispatch(env, customer, businessId, 'text', { body: tapbackText(reaction, target, o.emoji) })
}

function tapbackTargetOf(msg: StoredMessage): TapbackTarget {
	if (msg.type !== 'text') return { kind: 'business-message' }
	const text = String(msg.body.body ?? '')
	const words = text.replace(/\uFFFC/g, '').trim()
	const attachments = Array.isArray(msg.body.attachments) ? msg.body.attachments.filter(isObject) : []
	if (!words && attachments.length > 0) {
		return String(attachments[0]?.mimeType ?? '').startsWith('image/') ? { kind: 'image' } : { kind: 'attachment' }
	}
	return { kind: 'text', text }
}

/**
 * Encrypt (fresh AES-256-CTR key, zero IV) and store the file as the device's upload, then send
 * a text with one U+FFFC and the inbound attachment dictionary: `size` a number, `key` and
 * `signature` hex (docs/apple-protocol.md §4.4, §5.3) in upper case, as Apple sends them — Apple's own
 * download sample depends on it (Python's b16decode takes upper case only), so the MSP must too.
 */
export async function sendAttachment(
	env: SimEnv,
	customer: Customer,
	businessId: string,
	file: { name: string; mimeType: string; size: number; body: ReadableStream<Uint8Array> | Uint8Array; text?: string },
): Promise<SentMessage> {
	const raw = newAttachmentKey()
	const plain = file.body instanceof Uint8Array ? new Blob([file.body]).stream() : file.body
	const blob = await storeBlob(env, {
		businessId,
		origin: 'device-upload',
		body: plain.pipeThrough(aesCtrStream(raw)),
		size: file.size,
		meta: { name: file.name, mimeType: file.mimeType, key: formatAttachmentKey(raw) },
	})
	const attachment = {
		name: file.name,
		mimeType: file.mimeType,
		size: blob.size,
		key: formatAttachmentKey(raw).toUpperCase(),
		url: blob.url,
		owner: blob.owner,
		signature: blob.checksumHex.toUpperCase(),
	}
	const text = file.text ? `${file.text} \uFFFC` : '\uFFFC'
	return dispatch(env, customer, businessId, 'text', { body: text, attachments: [attachment] })
}

export async function sendClose(env: SimEnv, customer: Customer, businessId: string, block: boolean): Promise<SentMessage> {
	const sent = await dispatch(env, customer, businessId, 'close', {})
	await simState(env).setConversationClosed(customer.id, businessId, true, block)
	return sent
}

/** The interactiveData a business message shows, resolving a data ref. */
export function interactiveOf(msg: StoredMessage): Record<string, unknown> | null {
	if (msg.sender !== 'business' || msg.type !== 'interactive') return null
	if (msg.resolvedInteractive) return msg.resolvedInteractive
	return isObject(msg.body.interactiveData) ? msg.body.interactiveData : null
}

/**
 * Answer an interactive message. Apple Pay first posts the payment to the business's
 * `paymentGatewayUrl` (§5.5); the new authentication flow first sends the browser to the
 * `redirectURI` with `code` and `state` (§5.6). Replies above the IDR threshold go as
 * `interactiveDataRef`; the duplicate switch sends each reply twice (docs/apple-protocol.md §1.6).
 */
export async function sendReply(
	env: SimEnv,
	customer: Customer,
	toMessageId: string,
	selection: ReplySelection,
): Promise<{ sent: SentMessage[]; sideEffects: Array<{ url: string; status: number }> }> {
	const state = simState(env)
	const msg = await state.getMessage(customer.id, toMessageId)
	if (!msg) throw new ActionError(404, `no message ${toMessageId} in this customer's thread`)
	const request = interactiveOf(msg)
	if (!request) throw new ActionError(400, `message ${toMessageId} is not an interactive message from the business`)
	const data = isObject(request.data) ? request.data : {}
	const sideEffects: Array<{ url: string; status: number }> = []
	let paymentStatus: string | undefined

	if (isObject(data.authenticate) && (selection.outcome ?? 'authenticated') === 'authenticated') {
		const oauth2 = isObject(data.authenticate.oauth2) ? data.authenticate.oauth2 : {}
		const redirect = (oauth2.redirectURI ?? oauth2.redirectUri) as string | undefined
		if (redirect) {
			const url = new URL(redirect)
			url.searchParams.set('code', `sim-code-${crypto.randomUUID()}`)
			url.searchParams.set('state', String(oauth2.state ?? ''))
			const res = await deviceFetch(env, new Request(url, { redirect: 'manual' })).catch(() => null)
			sideEffects.push({ url: url.toString(), status: res?.status ?? 0 })
		}
	}
	if (isObject(data.payment)) {
		const endpoints = isObject(data.payment.endpoints) ? data.payment.endpoints : {}
		const gateway = String(endpoints.paymentGatewayUrl ?? '')
		paymentStatus = 'STATUS_FAILURE'
		if (selection.outcome !== 'failure' && gateway) {
			const res = await deviceFetch(
				env,
				new Request(gateway, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({
						requestIdentifier: data.requestIdentifier,
						payment: {
							paymentToken: {
								paymentMethod: SIMULATED_CARD,
								paymentData: { version: 'EC_v1', data: btoa('simulated payment data'), signature: 'c2ltdWxhdGVk', header: {} },
								transactionIdentifier: crypto.randomUUID().replace(/-/g, '').toUpperCase(),
							},
						},
						version: 1,
					}),
				}),
			).catch(() => null)
			sideEffects.push({ url: gateway, status: res?.status ?? 0 })
			const answer = res?.ok ? ((await res.json().catch(() => null)) as { status?: unknown } | null) : null
			paymentStatus = answer?.status === 'STATUS_SUCCESS' ? 'STATUS_SUCCESS' : 'STATUS_FAILURE'
		}
	}

	let reply: Record<string, unknown>
	try {
		reply = await buildReply({ request, selection, ...(paymentStatus ? { paymentStatus } : {}) })
	} catch (err) {
		if (err instanceof ReplyError) throw new ActionError(400, err.message)
		throw err
	}
	const switches = await state.getSwitches()
	const json = new TextEncoder().encode(JSON.stringify(reply))
	let fields: Fields
	let viaDataRef = false
	if (json.byteLength > switches.idrThresholdBytes) {
		fields = { interactiveDataRef: await storeReplyAsRef(env, msg.businessId, request, reply) }
		viaDataRef = true
	} else {
		fields = { interactiveData: reply }
	}
	const resolved = viaDataRef ? reply : null
	const sent = [await dispatch(env, customer, msg.businessId, 'interactive', fields, { viaDataRef }, resolved)]
	if (switches.duplicateInteractiveReplies) {
		const first = sent[0] as SentMessage
		sent.push(await dispatch(env, customer, msg.businessId, 'interactive', fields, { viaDataRef, duplicateOf: first.id }, resolved))
	}
	return { sent, sideEffects }
}

/** interactiveDataRef fields as Apple sends them (docs/apple-interactive.md §3.2; docs/apple-protocol.md §4.8). */
async function storeReplyAsRef(env: SimEnv, businessId: string, request: Record<string, unknown>, reply: Record<string, unknown>) {
	const { ciphertext, key } = await encryptFresh(await encodeIdrPayload(reply))
	const blob = await storeBlob(env, { businessId, origin: 'device-upload', body: ciphertext, size: ciphertext.byteLength, meta: { key, idr: true } })
	const received = isObject(request.receivedMessage) ? request.receivedMessage : {}
	return {
		bid: reply.bid,
		url: blob.url,
		owner: blob.owner,
		key,
		size: blob.size,
		signature: blob.checksumHex,
		'signature-base64': blob.checksumBase64,
		title: typeof received.title === 'string' ? received.title : '',
	}
}
