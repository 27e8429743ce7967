/**
 * Plays Apple towards the MSP in tests: HS256 tokens minted independently with jose's
 * SignJWT from the test secret (so the product's verifier is checked, not reused), and
 * gzipped `/message` requests with Apple's headers.
 */
import { SignJWT } from 'jose'
import { env, exports } from 'cloudflare:workers'

export const MSP_ID = 'msp-test-0001'

function b64decode(s: string): Uint8Array {
	return Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
}

export interface TokenOptions {
	secret?: string
	aud?: string | null
	iat?: number | null
	alg?: string
	extra?: Record<string, unknown>
}

export async function appleToken(o: TokenOptions = {}): Promise<string> {
	const claims: Record<string, unknown> = { ...o.extra }
	if (o.aud !== null) claims.aud = o.aud ?? MSP_ID
	if (o.iat !== null) claims.iat = o.iat ?? Math.floor(Date.now() / 1000)
	const key = b64decode(o.secret ?? (env as unknown as { APPLE_API_SECRET: string }).APPLE_API_SECRET)
	return new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' }).sign(key)
}

export async function gzip(text: string | Uint8Array): Promise<Uint8Array> {
	const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
	return new Uint8Array(await new Response(stream).arrayBuffer())
}

export interface AppleMessageOptions {
	token?: string | null
	headers?: Record<string, string>
	gzip?: boolean
	contentEncodingHeader?: boolean
	rawBody?: BodyInit
}

let n = 0
export const customerId = () => `urn:mbid:AQAAY-test-${crypto.randomUUID()}-${++n}`

/** POST /message as Apple would: JWT, gzip, `id`/`source-id`/`destination-id` headers. */
export async function postApple(body: Record<string, unknown>, o: AppleMessageOptions = {}): Promise<Response> {
	const token = o.token === undefined ? await appleToken() : o.token
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		id: String(body.id ?? ''),
		'source-id': String(body.sourceId ?? ''),
		'destination-id': String(body.destinationId ?? ''),
		'capability-list': 'LIST,TIME,QUICK,FORM,AUTH2',
		'device-agent': 'iPhone OS',
		...o.headers,
	}
	if (token !== null) headers.authorization = `Bearer ${token}`
	const zip = o.gzip ?? true
	if (zip && (o.contentEncodingHeader ?? true)) headers['content-encoding'] = 'gzip'
	const payload = o.rawBody ?? (zip ? await gzip(JSON.stringify(body)) : JSON.stringify(body))
	return exports.default.fetch('https://msp.test/message', { method: 'POST', headers, body: payload })
}

export function textMessage(businessId: string, customer: string, text: string, extra: Record<string, unknown> = {}) {
	return {
		v: 1,
		id: crypto.randomUUID(),
		type: 'text',
		sourceId: customer,
		destinationId: businessId,
		body: text,
		...extra,
	}
}
