/**
 * Stands in for the MSP (and any other outside URL the device calls) by replacing
 * globalThis.fetch: the simulator's Worker runs in the tests' isolate, so its `fetch` calls
 * land here and never reach the network. Apple → MSP requests are decoded (gunzip, JSON, JWT
 * claims) for assertions.
 */
import { decodeJwt, jwtVerify } from 'jose'
import { env } from 'cloudflare:workers'
import { vi } from 'vitest'

export interface MspCall {
	url: string
	method: string
	headers: Record<string, string>
	/** `/message` calls: the gunzipped JSON body. */
	json: Record<string, unknown> | null
	raw: Uint8Array
	claims: Record<string, unknown> | null
	/** Whether the bearer token verifies with the base64-decoded secret. */
	tokenVerifies: boolean | null
}

export type Responder = (req: Request, call: MspCall) => Response | Promise<Response>

export function mockOutside(responder: Responder = () => new Response('ok')) {
	const calls: MspCall[] = []
	const key = Uint8Array.from(atob(env.APPLE_API_SECRET), (ch) => ch.charCodeAt(0))
	const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
		const req = new Request(input as RequestInfo, init)
		const raw = new Uint8Array(await req.clone().arrayBuffer())
		const headers: Record<string, string> = {}
		req.headers.forEach((v, k) => {
			headers[k] = v
		})
		let json: Record<string, unknown> | null = null
		let claims: Record<string, unknown> | null = null
		let tokenVerifies: boolean | null = null
		if (new URL(req.url).pathname.endsWith('/message')) {
			const text = await new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'))).text()
			json = JSON.parse(text) as Record<string, unknown>
			const token = headers.authorization?.replace(/^Bearer /, '') ?? ''
			claims = decodeJwt(token) as Record<string, unknown>
			tokenVerifies = await jwtVerify(token, key, { algorithms: ['HS256'] }).then(
				() => true,
				() => false,
			)
		}
		const call = { url: req.url, method: req.method, headers, json, raw, claims, tokenVerifies }
		calls.push(call)
		return responder(req, call)
	})
	return {
		calls,
		/** Only the Apple → MSP `/message` posts. */
		messages: () => calls.filter((c) => c.json !== null).map((c) => c.json as Record<string, unknown>),
		restore: () => spy.mockRestore(),
	}
}
