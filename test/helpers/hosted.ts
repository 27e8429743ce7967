/**
 * Hosted pages and endpoints for workerd tests: the hosted sub-app behind the platform's
 * own error boundary, a cookie jar for page flows, and Apple's side of the legacy token.
 */
import { createExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { x963Kdf } from '../../src/apple/ecies'
import { base64ToBytes, bytesToBase64 } from '../../src/apple/encoding'
import { getConfig, type AppBindings, type Config } from '../../src/context'
import { handleError } from '../../src/routes/error-handler'
import { hosted } from '../../src/routes/hosted'

export const ORIGIN = 'https://msp.test'

const app = new Hono<AppBindings>().onError(handleError).route('/', hosted)

/** A request to the hosted routes as the platform serves them (`env` may be overridden). */
export async function hostedFetch(path: string, init: RequestInit = {}, envOverride?: Partial<Cloudflare.Env>): Promise<Response> {
	const req = new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init })
	return app.fetch(req, envOverride ? { ...env, ...envOverride } : env, createExecutionContext())
}

export const config = (over: Partial<Config> = {}): Config => ({ ...getConfig(env), ...over })

/** Cookies as a browser keeps them for one origin (names and values only). */
export class CookieJar {
	readonly cookies = new Map<string, string>()
	readonly raw: string[] = []

	take(res: Response): Response {
		for (const c of res.headers.getAll('set-cookie')) {
			this.raw.push(c)
			const [pair] = c.split(';')
			const eq = pair!.indexOf('=')
			const name = pair!.slice(0, eq).trim()
			const value = pair!.slice(eq + 1).trim()
			if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name)
			else this.cookies.set(name, value)
		}
		return res
	}

	header(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
	}
}

/** A browser-like client: keeps cookies, sends Origin on POST (overridable). */
export class PageClient {
	readonly jar = new CookieJar()
	constructor(private readonly envOverride?: Partial<Cloudflare.Env>) {}

	async get(path: string): Promise<Response> {
		return this.jar.take(await hostedFetch(path, { headers: { cookie: this.jar.header() } }, this.envOverride))
	}

	async post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
		const body = new URLSearchParams()
		for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one)
		return this.jar.take(
			await hostedFetch(
				path,
				{
					method: 'POST',
					headers: { cookie: this.jar.header(), origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', ...headers },
					body: body.toString(),
				},
				this.envOverride,
			),
		)
	}

	/** Sign in through the login form; returns the final response of the POST. */
	async login(credential: string, next = '/hosted'): Promise<Response> {
		const page = await (await this.get(`/hosted/login?next=${encodeURIComponent(next)}`)).text()
		return this.post('/hosted/login', { _csrf: csrfOf(page), next, credential })
	}
}

/** The synchronizer token of the first form on a page. */
export function csrfOf(html: string): string {
	const m = /name="_csrf" value="([^"]+)"/.exec(html)
	if (!m) throw new Error('no CSRF field on the page')
	return m[1]!
}

/** Apple's side of the legacy flow: encrypt the access token to responseEncryptionKey (§5.6). */
export async function appleEncryptToken(publicKeyB64: string, plaintext: string): Promise<string> {
	const recipient = await crypto.subtle.importKey('raw', base64ToBytes(publicKeyB64), { name: 'ECDH', namedCurve: 'P-384' }, false, [])
	const eph = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits'])) as CryptoKeyPair
	const point = new Uint8Array((await crypto.subtle.exportKey('raw', eph.publicKey)) as ArrayBuffer)
	const params = { name: 'ECDH', public: recipient }
	const z = new Uint8Array(await crypto.subtle.deriveBits(params, eph.privateKey, 384))
	const k = await x963Kdf(z, point, 48)
	const aes = await crypto.subtle.importKey('raw', k.subarray(0, 32), 'AES-GCM', false, ['encrypt'])
	const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: k.subarray(32) }, aes, new TextEncoder().encode(plaintext)))
	const out = new Uint8Array(point.length + sealed.length)
	out.set(point)
	out.set(sealed, point.length)
	return bytesToBase64(out)
}

/** A conversation id of the right shape (the Durable Object id of a conversation). */
export const fakeConversationId = () => env.CONVERSATION.newUniqueId().toString()

export { env }
