/**
 * Baselines for the benchmark, measured in the same run as the product (docs/performance.md):
 * a bare Hono route; the same plus HS256 verify + gunzip + JSON/zod; the same plus one
 * Durable Object SQLite append and one Queue send.
 */
import { DurableObject } from 'cloudflare:workers'
import { Hono } from 'hono'
import { jwtVerify } from 'jose'
import { z } from 'zod'

interface Env {
	APPLE_API_SECRET: string
	MSP_ID: string
	LOG: DurableObjectNamespace<Log>
	QUEUE: Queue
}

export class Log extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT)')
	}
	append(id: string, body: string): number {
		this.ctx.storage.sql.exec('INSERT INTO log (id, body) VALUES (?, ?)', id, body)
		return 1
	}
}

const Body = z.object({ v: z.literal(1), id: z.string(), type: z.string(), sourceId: z.string(), destinationId: z.string(), body: z.string() }).passthrough()

let key: Promise<CryptoKey> | undefined
const hmac = (secret: string) =>
	(key ??= crypto.subtle.importKey(
		'raw',
		Uint8Array.from(atob(secret), (c) => c.charCodeAt(0)),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['verify'],
	))

async function verified(req: Request, env: Env) {
	const token = req.headers.get('authorization')!.slice(7)
	await jwtVerify(token, await hmac(env.APPLE_API_SECRET), { algorithms: ['HS256'], audience: env.MSP_ID })
	const text = await new Response(req.body!.pipeThrough(new DecompressionStream('gzip'))).text()
	return Body.parse(JSON.parse(text))
}

const app = new Hono<{ Bindings: Env }>()
app.post('/bare', (c) => c.text('ok'))
app.post('/verify', async (c) => {
	await verified(c.req.raw, c.env)
	return c.text('ok')
})
app.post('/verify-do-queue', async (c) => {
	const m = await verified(c.req.raw, c.env)
	await c.env.LOG.getByName(m.sourceId).append(m.id, JSON.stringify(m))
	await c.env.QUEUE.send({ id: m.id })
	return c.text('ok')
})

export default app
