/**
 * A business webhook endpoint for tests. The delivery consumer runs in the test's own
 * isolate, so replacing `globalThis.fetch` catches its requests without any network;
 * a request to a host nobody registered fails the test (like MSW's
 * `onUnhandledRequest: 'error'`). Arrivals are awaited by condition, never with fixed sleeps.
 */
import { vi } from 'vitest'

export interface Received {
	url: string
	headers: Record<string, string>
	body: string
	json: { type: string; timestamp: string; data: Record<string, unknown> }
}

/** Hosts that tests own; a request to one of them that nobody answers fails the test. */
const TEST_HOST = /(\.localhost|\.test|^localhost|^127\.0\.0\.1)$/

type Responder = (req: Request, body: string) => Response | Promise<Response>

export class WebhookReceiver {
	readonly received: Received[] = []
	readonly unhandled: string[] = []
	private responders = new Map<string, { respond: Responder; record: boolean }>()
	private original = globalThis.fetch

	install(): this {
		// Chained, not spied, so other fakes (e.g. FakeMmcs) can sit in front of it.
		this.original = globalThis.fetch
		globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
			const req = new Request(input as RequestInfo, init)
			const url = new URL(req.url)
			// The test runner itself loads modules over fetch; only test hosts are ours.
			if (!TEST_HOST.test(url.hostname)) return this.original(input as RequestInfo, init)
			const responder = this.responders.get(url.origin + url.pathname) ?? this.responders.get(url.origin)
			if (!responder) {
				this.unhandled.push(req.url)
				throw new TypeError(`unhandled test fetch: ${req.url}`)
			}
			const body = await req.text()
			const res = await responder.respond(req, body)
			if (responder.record && res.status >= 200 && res.status < 300) {
				this.received.push({
					url: req.url,
					headers: Object.fromEntries(req.headers),
					body,
					json: JSON.parse(body),
				})
			}
			return res
		}) as typeof fetch
		return this
	}

	/**
	 * Answer requests to `urlOrOrigin` (exact path or whole origin). Successful requests are
	 * recorded as webhook deliveries unless `record` is false (e.g. the fake Apple gateway).
	 */
	on(urlOrOrigin: string, responder: Responder = () => new Response('ok'), record = true): this {
		const u = new URL(urlOrOrigin)
		this.responders.set(u.pathname === '/' && !urlOrOrigin.endsWith('/') ? u.origin : u.origin + u.pathname, { respond: responder, record })
		return this
	}

	/**
	 * Resolves once `pred` holds over everything received so far. Deliveries arrive in the
	 * queue consumer's request context, and workerd does not wake a test awaiting a promise
	 * resolved from another context, so this polls the shared array (vi.waitFor) instead.
	 */
	async until(pred: (r: Received[]) => boolean, timeoutMs = 10_000): Promise<Received[]> {
		await vi.waitFor(
			() => {
				if (!pred(this.received)) {
					throw new Error(`still waiting; got ${this.received.map((r) => r.json.type).join(',') || 'nothing'}`)
				}
			},
			{ timeout: timeoutMs, interval: 5 },
		)
		return this.received
	}

	ofType(type: string): Received[] {
		return this.received.filter((r) => r.json.type === type)
	}

	restore(): void {
		globalThis.fetch = this.original
	}
}
