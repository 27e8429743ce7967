/**
 * Plays the MSP towards the simulated gateway in tests: tokens minted here with jose (not
 * with the simulator's own code), requests sent through the Worker's default export.
 */
import { SignJWT } from 'jose'
import { env, exports } from 'cloudflare:workers'
import { expect } from 'vitest'
import { simState } from '../../src/env'

export const MSP_ID = env.MSP_ID
export const BUSINESS_ID = 'b1f0c0de-0000-4000-8000-00000000b12'
export const SIM = 'http://sim.test'

export const state = () => simState(env)

function secretBytes(secret = env.APPLE_API_SECRET): Uint8Array {
	return Uint8Array.from(atob(secret), (c) => c.charCodeAt(0))
}

export interface TokenOptions {
	iss?: string | null
	iat?: number | null
	key?: Uint8Array
	alg?: 'HS256' | 'HS384'
}

export async function mspToken(o: TokenOptions = {}): Promise<string> {
	const claims: Record<string, unknown> = {}
	if (o.iss !== null) claims.iss = o.iss ?? MSP_ID
	if (o.iat !== null) claims.iat = o.iat ?? Math.floor(Date.now() / 1000)
	return new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' }).sign(o.key ?? secretBytes())
}

let n = 0
/** A customer known to the simulator, with a conversation open with BUSINESS_ID. */
export async function knownCustomer(businessId = BUSINESS_ID): Promise<string> {
	const id = `urn:mbid:AQAAY-sim-test-${crypto.randomUUID()}-${++n}`
	await state().createCustomer({ id, name: `Customer ${n}`, device: 'iphone', locale: 'en_US' })
	await state().startConversation({ customerId: id, businessId })
	return id
}

export function envelope(customer: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return { v: 1, id: crypto.randomUUID(), type, sourceId: BUSINESS_ID, destinationId: customer, ...extra }
}

export interface SendOptions {
	token?: string | null
	headers?: Record<string, string>
	path?: string
	rawBody?: string
}

/** POST /v1/message exactly as Apple's samples do, unless told otherwise. */
export async function send(body: Record<string, unknown>, o: SendOptions = {}): Promise<Response> {
	const token = o.token === undefined ? await mspToken() : o.token
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		id: String(body.id ?? ''),
		'Source-Id': String(body.sourceId ?? ''),
		'Destination-Id': String(body.destinationId ?? ''),
		...o.headers,
	}
	if (token !== null) headers.authorization = `Bearer ${token}`
	return exports.default.fetch(`${SIM}${o.path ?? '/v1/message'}`, {
		method: 'POST',
		headers,
		body: o.rawBody ?? JSON.stringify(body),
	})
}

export async function gatewayGet(path: string, headers: Record<string, string>, token: string | null = null): Promise<Response> {
	const h = { ...headers, authorization: `Bearer ${token ?? (await mspToken())}` }
	return exports.default.fetch(`${SIM}${path}`, { headers: h })
}

export const fetchSim = (input: string, init?: RequestInit) => exports.default.fetch(input.startsWith('http') ? input : `${SIM}${input}`, init)

/** The response is the refusal `rule`, it is in the log, and nothing reached the customer. */
export async function expectRejected(res: Response, status: number, rule: string, customer?: string): Promise<void> {
	const body = (await res.json()) as { rule: string; message: string; code: number }
	expect({ status: res.status, rule: body.rule }, body.message).toEqual({ status, rule })
	const log = await state().listRejections()
	expect(log.at(-1)).toMatchObject({ status, rule })
	expect(log.at(-1)?.request.headers.authorization ?? 'Bearer <redacted>').toMatch(/<redacted>$/)
	if (customer) expect(await state().listMessages({ customerId: customer })).toEqual([])
}

export async function expectAccepted(res: Response): Promise<void> {
	if (res.status !== 200) expect.fail(`expected 200, got ${res.status}: ${await res.text()}`)
}

export const appleBid = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'

/** 1×1 transparent PNG. */
export const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

/** `yyyy-MM-dd'T'HH:mm+0000` for now + `minutes`. */
export function slotTime(minutes: number): string {
	const d = new Date(Date.now() + minutes * 60_000)
	const p = (x: number) => String(x).padStart(2, '0')
	return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}+0000`
}
