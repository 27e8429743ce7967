/**
 * The business console's JSON endpoints in workerd (docs/console.md): session and business
 * isolation, CSRF token + Origin on every state-changing request (refused with 4xx and
 * nothing stored), the inbox fed by the conversation objects, the thread, the composer's
 * check (same preflight as the API, device fallback), sends with an Idempotency-Key, closed
 * conversations, and the live WebSocket. Chromium drives the page in test/browser/console.e2e.ts.
 */
import { exports } from 'cloudflare:workers'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { signToken } from '../../src/hosted/tokens'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'
import { FakeApple } from '../helpers/fake-apple'
import { CookieJar, config } from '../helpers/hosted'
import { ADMIN_TOKEN, createBusiness, env, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

const ORIGIN = 'https://msp.test'
let hooks: WebhookReceiver
let apple: FakeApple
beforeEach(() => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
})
afterEach(() => hooks.restore())

class Agent {
	readonly jar = new CookieJar()
	csrf = ''
	constructor(readonly businessId: string) {}

	async fetch(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers)
		if (this.jar.cookies.size > 0) headers.set('cookie', this.jar.header())
		return this.jar.take(await exports.default.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init, headers })))
	}

	async login(credential: string): Promise<void> {
		const page = await (await this.fetch('/hosted/login?next=%2Fconsole')).text()
		const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!
		const body = new URLSearchParams({ _csrf: csrf, next: '/console', credential })
		const res = await this.fetch('/hosted/login', {
			method: 'POST',
			headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
			body: body.toString(),
		})
		expect(res.status).toBe(303)
		expect(res.headers.get('location')).toBe('/console')
		const html = await (await this.fetch(`/console?business=${encodeURIComponent(this.businessId)}`)).text()
		this.csrf = /data-csrf="([^"]+)"/.exec(html)![1]!
	}

	api(path: string, init: { method?: string; json?: unknown; headers?: Record<string, string>; body?: BodyInit; business?: string } = {}): Promise<Response> {
		const headers: Record<string, string> = { origin: ORIGIN, 'x-csrf-token': this.csrf, ...init.headers }
		if (init.json !== undefined) headers['content-type'] = 'application/json'
		return this.fetch(`/console/api/b/${encodeURIComponent(init.business ?? this.businessId)}${path}`, {
			method: init.method ?? 'GET',
			headers,
			body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
		})
	}
}

type Row = { conversationId: string; customerId: string; unread: number; status: string; last: { preview: string } | null; inboundCount: number }

async function inbox(agent: Agent, query = ''): Promise<Row[]> {
	const res = await agent.api(`/inbox${query}`)
	expect(res.status).toBe(200)
	return ((await res.json()) as { data: Row[] }).data
}

let a: CreatedBusiness
let b: CreatedBusiness
let agentA: Agent
let customerA: string
let customerB: string
let convA: string
let convB: string

beforeAll(async () => {
	a = await createBusiness({ name: 'Console A' })
	b = await createBusiness({ name: 'Console B' })
	customerA = customerId()
	customerB = customerId()
	expect((await postApple(textMessage(a.businessId, customerA, 'hello <script>alert(1)</script>'))).status).toBe(200)
	expect((await postApple(textMessage(b.businessId, customerB, 'secret of B'))).status).toBe(200)
	convA = (await conversationOf(a.businessId, customerA).state())!.conversationId
	convB = (await conversationOf(b.businessId, customerB).state())!.conversationId
	agentA = new Agent(a.businessId)
	await agentA.login(a.apiKey)
})

describe('sign-in and isolation', () => {
	it('the page needs a session; the API answers 401 without one', async () => {
		const anon = new Agent(a.businessId)
		const page = await anon.fetch('/console')
		expect(page.status).toBe(303)
		expect(page.headers.get('location')).toBe('/hosted/login?next=%2Fconsole')
		expect((await anon.api('/inbox')).status).toBe(401)
	})

	it('the page is served with a strict CSP and no third-party script', async () => {
		const res = await agentA.fetch('/console')
		expect(res.status).toBe(200)
		expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
		const html = await res.text()
		expect(html).toContain('<script src="/console/app.js"')
		expect(html).not.toMatch(/https?:\/\/(?!msp\.test)/)
	})

	it('a business sees only its own conversations; another business answers 403, a foreign conversation 404', async () => {
		await vi.waitFor(async () => expect((await inbox(agentA)).map((r) => r.conversationId)).toContain(convA), { timeout: 5000 })
		const rows = await inbox(agentA)
		expect(rows.map((r) => r.conversationId)).not.toContain(convB)
		expect(rows.every((r) => r.customerId !== customerB)).toBe(true)
		expect((await agentA.api('/inbox', { business: b.businessId })).status).toBe(403)
		const foreign = await agentA.api(`/conversations/${convB}`)
		expect(foreign.status).toBe(404)
		expect(await foreign.text()).not.toContain('secret of B')
		const check = await agentA.api('/check', { method: 'POST', json: { conversationId: convB, message: { type: 'text', text: 'x' } } })
		expect(check.status).toBe(404)
		// Sending goes by customer id within the session's business: B's customer has no conversation with A.
		const send = await agentA.api('/messages', { method: 'POST', json: { customerId: customerB, message: { type: 'text', text: 'hi' } } })
		expect(send.status).toBe(404)
		expect((await conversationOf(b.businessId, customerB).state())!.lastSequence).toBe(1)
	})

	it('the operator may open any business', async () => {
		const op = new Agent(b.businessId)
		await op.login(ADMIN_TOKEN)
		await vi.waitFor(async () => expect((await inbox(op)).map((r) => r.conversationId)).toEqual([convB]), { timeout: 5000 })
	})

	it('the operator without a business gets the chooser; the inbox row carries intent, group and device', async () => {
		const op = new Agent(a.businessId)
		await op.login(ADMIN_TOKEN)
		const chooser = await op.fetch('/console')
		expect(chooser.status).toBe(200)
		expect(await chooser.text()).toContain('data-testid="choose-business"')
		const c = customerId()
		await postApple(textMessage(a.businessId, c, 'billing question', { intent: 'billing', group: 'vip' }))
		await vi.waitFor(
			async () => {
				const row = (await inbox(op)).find((r) => r.customerId === c) as (Row & { intent: string; group: string; deviceAgent: string }) | undefined
				expect(row).toMatchObject({ intent: 'billing', group: 'vip', deviceAgent: 'iPhone OS', status: 'open', unread: 1 })
			},
			{ timeout: 5000 },
		)
	})

	it('an expired session is refused', async () => {
		const cfg = config()
		const stale = new Agent(a.businessId)
		const sessionToken = await signToken(cfg.DATA_ENCRYPTION_KEY, 'session', {
			v: 1,
			sid: 'x'.repeat(24),
			sub: 'business',
			bid: a.businessId,
			fp: '00',
			exp: Math.floor(Date.now() / 1000) - 5,
		})
		stale.jar.cookies.set('amb_session', sessionToken)
		expect((await stale.api('/inbox')).status).toBe(401)
		expect((await stale.fetch('/console')).status).toBe(303)
	})
})

describe('CSRF and Origin', () => {
	it('a send without the token, with a wrong token or from another origin is refused and stores nothing', async () => {
		const json = { customerId: customerA, message: { type: 'text', text: 'forged' } }
		const before = (await conversationOf(a.businessId, customerA).state())!.lastSequence
		const attempts: Record<string, string>[] = [
			{ 'x-csrf-token': '' },
			{ 'x-csrf-token': 'guessed' },
			{ origin: 'https://evil.test' },
			{ origin: 'http://msp.test:8080' },
		]
		for (const headers of attempts) {
			const res = await agentA.api('/messages', { method: 'POST', json, headers })
			expect(res.status).toBe(403)
		}
		expect((await conversationOf(a.businessId, customerA).state())!.lastSequence).toBe(before)
		expect(apple.calls).toHaveLength(0)
	})

	it('an upload without the token is refused before a byte is stored', async () => {
		const listed = async () => (await env.ATTACHMENTS.list({ prefix: '' })).objects.length
		const count = await listed()
		const res = await agentA.api('/attachments?name=x.txt', {
			method: 'POST',
			body: 'forged bytes',
			headers: { 'x-csrf-token': 'nope', 'content-type': 'text/plain' },
		})
		expect(res.status).toBe(403)
		expect(await listed()).toBe(count)
		const marked = await agentA.api(`/conversations/${convA}/read`, { method: 'POST', json: { inboundCount: 1 }, headers: { origin: 'https://evil.test' } })
		expect(marked.status).toBe(403)
	})

	it('a cross-origin WebSocket is refused', async () => {
		const res = await agentA.api('/live', { headers: { upgrade: 'websocket', origin: 'https://evil.test' } })
		expect(res.status).toBe(403)
	})
})

describe('inbox, thread and live updates', () => {
	it('shows unread count and last message; reading clears it; the thread keeps customer text as data', async () => {
		const row = (await inbox(agentA)).find((r) => r.conversationId === convA)!
		expect(row.unread).toBe(1)
		expect(row.last?.preview).toBe('hello <script>alert(1)</script>')
		const thread = (await (await agentA.api(`/conversations/${convA}`)).json()) as {
			thread: { data: { direction: string; eventData: { type: string; data: { text?: string } }[] }[] }
		}
		expect(thread.thread.data[0]!.eventData.find((e) => e.type === 'message.received')?.data.text).toBe('hello <script>alert(1)</script>')
		expect((await agentA.api(`/conversations/${convA}/read`, { method: 'POST', json: { inboundCount: 1 } })).status).toBe(200)
		expect((await inbox(agentA)).find((r) => r.conversationId === convA)!.unread).toBe(0)
		expect((await inbox(agentA, '?status=closed')).find((r) => r.conversationId === convA)).toBeUndefined()
		expect((await inbox(agentA, `?q=${encodeURIComponent(customerA.slice(-12))}`)).map((r) => r.conversationId)).toEqual([convA])
	})

	it('pushes a new customer message to an open console socket', async () => {
		const res = await agentA.api('/live', { headers: { upgrade: 'websocket' } })
		expect(res.status).toBe(101)
		const ws = res.webSocket!
		const seen: string[] = []
		ws.addEventListener('message', (e) => seen.push(String(e.data)))
		ws.accept()
		await postApple(textMessage(a.businessId, customerA, 'are you there?'))
		await vi.waitFor(() => expect(seen.some((s) => s.includes('are you there?'))).toBe(true), { timeout: 5000 })
		const update = JSON.parse(seen.find((s) => s.includes('are you there?'))!) as { type: string; conversation: Row }
		expect(update.type).toBe('conversation')
		expect(update.conversation.unread).toBe(1)
		ws.close()
	})
})

describe('live socket and session expiry', () => {
	it('a socket whose session has ended is closed with 4001 at the next update', async () => {
		const hub = env.CONSOLE_HUB.getByName(`expiry-${crypto.randomUUID()}`)
		const res = await hub.fetch(
			new Request('https://hub.internal/', { headers: { upgrade: 'websocket', 'x-amb-session-expires': String(Math.floor(Date.now() / 1000) - 1) } }),
		)
		expect(res.status).toBe(101)
		const ws = res.webSocket!
		const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
		ws.accept()
		const at = new Date().toISOString()
		await hub.note({
			conversationId: 'a'.repeat(64),
			customerId: 'urn:mbid:x',
			status: 'open',
			intent: null,
			group: null,
			deviceAgent: null,
			capabilities: null,
			lastSequence: 1,
			last: null,
			inboundCount: 1,
			customerTyping: false,
			updatedAt: at,
		})
		expect(await closed).toBe(4001)
	})
})

describe('composer', () => {
	it('check: per-field preflight errors, the preview per device with the fallback and its reason', async () => {
		const listPicker = {
			type: 'listPicker',
			title: 'Pick',
			sections: [
				{
					title: 'S',
					items: [
						{ id: 'a', title: '' },
						{ id: 'b', title: 'B' },
					],
				},
			],
		}
		const bad = (await (await agentA.api('/check', { method: 'POST', json: { conversationId: convA, message: listPicker } })).json()) as {
			ok: boolean
			errors: { path: string }[]
		}
		expect(bad.ok).toBe(false)
		expect(bad.errors.map((e) => e.path)).toContain('message.sections.0.items.0.title')
		const quick = {
			type: 'quickReply',
			prompt: 'Which?',
			items: [
				{ id: 'x', title: 'X' },
				{ id: 'y', title: 'Y' },
			],
		}
		const good = (await (await agentA.api('/check', { method: 'POST', json: { conversationId: convA, message: quick } })).json()) as {
			ok: boolean
			devices: { key: string; rendered: string; reason: { code: string; detail?: string } | null; appleBody: { type: string } | null }[]
		}
		expect(good.ok).toBe(true)
		const by = Object.fromEntries(good.devices.map((d) => [d.key, d]))
		expect(by.customer!.rendered).toBe('original')
		expect(by.customer!.appleBody?.type).toBe('interactive')
		expect(by['iphone-old']!.rendered).toBe('text')
		expect(by['iphone-old']!.reason).toEqual({ code: 'device_lacks_capability', detail: 'QUICK' })
		const link = (await (
			await agentA.api('/check', { method: 'POST', json: { conversationId: convA, message: { type: 'text', text: 'see https://example.com/a' } } })
		).json()) as { richLinks: string[] }
		expect(link.richLinks).toEqual(['https://example.com/a'])
	})

	it('a double send with one Idempotency-Key sends once', async () => {
		const json = { customerId: customerA, message: { type: 'text', text: 'once only' } }
		const headers = { 'idempotency-key': 'console-double-click-1' }
		const [r1, r2] = await Promise.all([agentA.api('/messages', { method: 'POST', json, headers }), agentA.api('/messages', { method: 'POST', json, headers })])
		expect([r1.status, r2.status]).toEqual([202, 202])
		expect(((await r1.json()) as { id: string }).id).toBe(((await r2.json()) as { id: string }).id)
		await vi.waitFor(() => expect(apple.calls.filter((c) => c.body.body === 'once only')).toHaveLength(1), { timeout: 5000 })
	})

	it("a message Apple refuses shows as failed with Apple's status in the thread", async () => {
		apple.answer = () => new Response(JSON.stringify({ error: 'bad destination' }), { status: 400 })
		const res = await agentA.api('/messages', { method: 'POST', json: { customerId: customerA, message: { type: 'text', text: 'doomed' } } })
		expect(res.status).toBe(202)
		const { id } = (await res.json()) as { id: string }
		await vi.waitFor(
			async () => {
				const body = (await (await agentA.api(`/conversations/${convA}`)).json()) as {
					thread: { data: { id: string; status: string; eventData: { type: string; data: { appleStatus?: number } }[] }[] }
				}
				const msg = body.thread.data.find((m) => m.id === id)!
				expect(msg.status).toBe('failed')
				expect(msg.eventData.find((e) => e.type === 'message.failed')?.data.appleStatus).toBe(400)
			},
			{ timeout: 5000 },
		)
	})

	it('a message Apple answers 503 shows as retrying with its next attempt time', async () => {
		const c = customerId()
		await postApple(textMessage(a.businessId, c, 'hello again'))
		const conv = (await conversationOf(a.businessId, c).state())!.conversationId
		apple.answer = () => new Response('busy', { status: 503 })
		const res = await agentA.api('/messages', { method: 'POST', json: { customerId: c, message: { type: 'text', text: 'patience' } } })
		const { id } = (await res.json()) as { id: string }
		await vi.waitFor(
			async () => {
				const body = (await (await agentA.api(`/conversations/${conv}`)).json()) as {
					thread: { data: { id: string; status: string; send?: { attempts: number; nextAttemptAt: string } }[] }
				}
				const msg = body.thread.data.find((m) => m.id === id)!
				expect(msg.status).toBe('retrying')
				expect(msg.send?.attempts).toBeGreaterThanOrEqual(1)
				expect(Date.parse(msg.send!.nextAttemptAt)).toBeGreaterThan(Date.now() - 1000)
			},
			{ timeout: 10_000, interval: 200 },
		)
	}, 15_000)

	it('saves a template and lists it for "start from a template"', async () => {
		const message = {
			type: 'quickReply',
			prompt: 'Size?',
			items: [
				{ id: 's', title: 'Small' },
				{ id: 'l', title: 'Large' },
			],
		}
		expect((await agentA.api('/templates', { method: 'POST', json: { name: 'sizes' }, headers: { 'x-csrf-token': 'nope' } })).status).toBe(403)
		const saved = await agentA.api('/templates', { method: 'POST', json: { name: 'sizes', message } })
		expect(saved.status).toBe(201)
		const list = (await (await agentA.api('/templates')).json()) as { data: { name: string; message: unknown }[] }
		expect(list.data.find((t) => t.name === 'sizes')?.message).toEqual(message)
	})

	it('sending to a closed conversation is refused with the reason', async () => {
		const c = customerId()
		await postApple(textMessage(a.businessId, c, 'bye'))
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: c, destinationId: a.businessId })
		const res = await agentA.api('/messages', { method: 'POST', json: { customerId: c, message: { type: 'text', text: 'wait' } } })
		expect(res.status).toBe(409)
		expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/closed/)
	})
})
