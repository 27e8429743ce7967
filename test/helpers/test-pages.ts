/**
 * Web pages "served on loopback" for link-preview tests: globalThis.fetch is replaced for test
 * hosts (`*.localhost`, `*.test`, `localhost`, `127.0.0.1`, private addresses) and every other
 * host passes through, because the runner loads its own modules over fetch.
 */
import { vi } from 'vitest'

const TEST_HOST = /(\.localhost|\.test|\.internal|^localhost|^127\.\d+\.\d+\.\d+|^10\.\d+\.\d+\.\d+|^192\.168\.\d+\.\d+|^169\.254\.\d+\.\d+|^\[.*\])$/
export const enc = new TextEncoder()

type Handler = (req: Request) => Response | Promise<Response>

/** Test pages by URL (origin + path); records every request to a test host. */
export class Pages {
	readonly hits: string[] = []
	private handlers = new Map<string, Handler>()
	private original = globalThis.fetch

	install(): this {
		vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
			const req = new Request(input as RequestInfo, init)
			const url = new URL(req.url)
			if (!TEST_HOST.test(url.hostname)) return this.original(input as RequestInfo, init)
			this.hits.push(req.url)
			const handler = this.handlers.get(url.origin + url.pathname)
			if (!handler) throw new TypeError(`unhandled test fetch: ${req.url}`)
			const res = await handler(req)
			// A real fetch reports the URL it fetched; relative og:image URLs resolve against it.
			Object.defineProperty(res, 'url', { value: req.url })
			return res
		})
		return this
	}

	on(url: string, handler: Handler): this {
		const u = new URL(url)
		this.handlers.set(u.origin + u.pathname, handler)
		return this
	}

	html(url: string, body: string, headers: Record<string, string> = {}): this {
		return this.on(url, () => new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', ...headers } }))
	}

	image(url: string, bytes: Uint8Array, type = 'image/png', headers: Record<string, string> = {}): this {
		return this.on(url, () => new Response(bytes, { headers: { 'content-type': type, ...headers } }))
	}

	redirect(from: string, to: string, status = 302): this {
		return this.on(from, () => new Response(null, { status, headers: { location: to } }))
	}

	count(prefix: string): number {
		return this.hits.filter((h) => h.startsWith(prefix)).length
	}

	restore(): void {
		vi.mocked(globalThis.fetch).mockRestore?.()
		globalThis.fetch = this.original
	}
}

/** PNG magic bytes then filler: enough for the sniffer, any size. */
export function png(size: number): Uint8Array {
	const b = new Uint8Array(size).fill(7)
	b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
	return b
}
export function jpeg(size: number): Uint8Array {
	const b = new Uint8Array(size).fill(1)
	b.set([0xff, 0xd8, 0xff, 0xe0])
	return b
}

export const page = (head: string, body = '<p>hello</p>') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`
