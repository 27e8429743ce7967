/**
 * The fault suite's stack: the MSP Worker bundled and served by Miniflare's API (real
 * workerd, Durable Objects, Queues and R2, state persisted in a temp dir), configured like
 * wrangler.toml; a business webhook endpoint and Apple's gateway as loopback HTTP servers in
 * this process whose behaviour each test programs; and a hard kill of workerd (SIGKILL) with
 * a restart on the same state. Loopback only.
 */
import { execSync } from 'node:child_process'
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Miniflare } from 'miniflare'
import { bundleWorker, PRODUCT_DURABLE_OBJECTS } from '../../bench/bundle.mjs'

const BUNDLE = 'node_modules/.cache/amb-edge-fault/worker.js'
export const MSP_ID = 'fault-msp'
const SECRET = randomBytes(32).toString('base64')
export const ADMIN_TOKEN = randomBytes(24).toString('hex')
const DATA_KEY = randomBytes(32).toString('base64')

/** A loopback HTTP server whose answer is programmable; it can also refuse connections. */
export class Endpoint {
	/** Requests answered 2xx, in arrival order: `{ path, headers, body, json }`. */
	delivered = []
	/** Every request received, answered or not. */
	seen = []
	/** `(req, body) => { status, headers?, body? } | 'hang'` */
	answer = () => ({ status: 200 })
	#server
	#sockets = new Set()
	#hung = new Set()
	port = 0

	async start(port = 0) {
		this.#server = http.createServer((req, res) => {
			const chunks = []
			req.on('data', (c) => chunks.push(c))
			req.on('end', () => {
				const body = Buffer.concat(chunks).toString()
				const entry = { path: req.url, headers: req.headers, body, json: safeJson(body), at: Date.now() % 100000 }
				this.seen.push(entry)
				const a = this.answer(entry)
				if (a === 'hang') {
					this.#hung.add(res)
					return
				}
				if (a.status >= 200 && a.status < 300) this.delivered.push(entry)
				res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '')
			})
		})
		this.#server.keepAliveTimeout = 1000
		this.#server.on('connection', (s) => {
			this.#sockets.add(s)
			s.on('close', () => this.#sockets.delete(s))
		})
		await new Promise((r) => this.#server.listen(port, '127.0.0.1', r))
		this.port = this.#server.address().port
		return this
	}

	get url() {
		return `http://127.0.0.1:${this.port}`
	}

	/** Stop listening and drop every connection: the next connect is refused. */
	async refuse() {
		await new Promise((r) => {
			this.#server.close(() => r())
			for (const s of this.#sockets) s.destroy()
		})
	}

	/** Listen again on the same port. */
	async resume() {
		await this.start(this.port)
	}

	async stop() {
		for (const res of this.#hung) res.destroy()
		await this.refuse().catch(() => {})
	}
}

const safeJson = (s) => {
	try {
		return JSON.parse(s)
	} catch {
		return null
	}
}

let built = false

/** Start workerd on `stateDir` (a new temp dir when omitted). */
export async function startMsp({ stateDir, gatewayUrl }) {
	if (!built) {
		mkdirSync('node_modules/.cache/amb-edge-fault', { recursive: true })
		await bundleWorker('src/index.ts', BUNDLE)
		built = true
	}
	const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'amb-fault-'))
	const mf = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: BUNDLE,
		bindings: {
			MSP_ID,
			APPLE_API_SECRET: SECRET,
			ADMIN_TOKEN,
			DATA_ENCRYPTION_KEY: DATA_KEY,
			ENVIRONMENT: 'development',
			APPLE_GATEWAY_URL: gatewayUrl,
			APPLE_PAY_GATEWAY_URL: gatewayUrl,
		},
		durableObjects: PRODUCT_DURABLE_OBJECTS,
		// As in wrangler.toml.
		queueProducers: { WEBHOOK_QUEUE: 'amb-webhooks' },
		queueConsumers: {
			'amb-webhooks': { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 15, deadLetterQueue: 'amb-webhooks-dlq' },
			'amb-webhooks-dlq': { maxBatchSize: 10, maxBatchTimeout: 1 },
		},
		r2Buckets: ['ATTACHMENTS'],
		defaultPersistRoot: dir,
		port: 0,
	})
	const url = (await mf.ready).toString().replace(/\/$/, '')
	return {
		url,
		stateDir: dir,
		/** SIGKILL this workerd (no graceful anything), then let Miniflare clean up. */
		async kill() {
			for (const line of execSync(`pgrep -P ${process.pid} -l || true`).toString().trim().split('\n')) {
				const [pid, name] = line.split(' ')
				if (name?.startsWith('workerd')) process.kill(Number(pid), 'SIGKILL')
			}
			await mf.dispose().catch(() => {})
		},
		async stop() {
			await mf.dispose().catch(() => {})
		},
		removeState() {
			rmSync(dir, { recursive: true, force: true })
		},
	}
}

const b64url = (b) => Buffer.from(b).toString('base64url')

/** Apple's JWT for POST /message. */
export function appleJwt() {
	const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
	const body = b64url(JSON.stringify({ aud: MSP_ID, iat: Math.floor(Date.now() / 1000) }))
	const sig = createHmac('sha256', Buffer.from(SECRET, 'base64')).update(`${head}.${body}`).digest('base64url')
	return `${head}.${body}.${sig}`
}

/** Apple posts a customer's text; resolves to the HTTP status (0 when the connection failed). */
export async function postInbound(mspUrl, { businessId, customerId, text, id = randomUUID() }) {
	try {
		const res = await fetch(`${mspUrl}/message`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${appleJwt()}`,
				'content-type': 'application/json',
				'content-encoding': 'gzip',
				id,
				'source-id': customerId,
				'destination-id': businessId,
				'capability-list': 'LIST,TIME,QUICK,FORM,AUTH2',
				'device-agent': 'iPhone OS',
			},
			body: gzipSync(JSON.stringify({ v: 1, id, type: 'text', sourceId: customerId, destinationId: businessId, body: text, locale: 'en_US' })),
			signal: AbortSignal.timeout(20_000),
		})
		await res.arrayBuffer()
		return { status: res.status, id }
	} catch {
		return { status: 0, id }
	}
}

export async function createBusiness(mspUrl, webhookUrl) {
	const businessId = `fault-${randomUUID().slice(0, 8)}`
	const res = await fetch(`${mspUrl}/admin/businesses`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ businessId, name: 'Fault Co', webhookUrl }),
	})
	if (res.status !== 201) throw new Error(`create business: ${res.status} ${await res.text()}`)
	return res.json()
}

export async function businessCall(mspUrl, apiKey, path, { method = 'GET', json, headers = {} } = {}) {
	try {
		const res = await fetch(`${mspUrl}${path}`, {
			method,
			headers: { authorization: `Bearer ${apiKey}`, ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
			body: json ? JSON.stringify(json) : undefined,
			signal: AbortSignal.timeout(20_000),
		})
		const text = await res.text()
		return { status: res.status, headers: res.headers, json: safeJson(text) }
	} catch {
		return { status: 0, headers: new Headers(), json: null }
	}
}

export async function adminCall(mspUrl, path, { method = 'GET', json } = {}) {
	const res = await fetch(`${mspUrl}/admin${path}`, {
		method,
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(json ? { 'content-type': 'application/json' } : {}) },
		body: json ? JSON.stringify(json) : undefined,
	})
	return { status: res.status, json: safeJson(await res.text()) }
}

/** Poll `check` until it returns true; fails after `timeoutMs` with `what`. */
export async function waitFor(what, check, timeoutMs) {
	const end = Date.now() + timeoutMs
	for (;;) {
		if (await check()) return
		if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
		await new Promise((r) => setTimeout(r, 100))
	}
}
