/**
 * What the benchmarks share (bench/run.mjs, bench/instructions.mjs): the baseline and product
 * Miniflare options, Apple's HS256 token and a gzip'd Apple text message, and a loopback
 * gateway that accepts every send.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import { gzipSync } from 'node:zlib'
import { PRODUCT_DURABLE_OBJECTS } from './bundle.mjs'

export const OUT = 'bench/.build'
export const MSP_ID = 'bench-msp'
export const BUSINESS_ID = 'bench-business'
const COMPAT = { compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] }

/** The floors (bench/baseline-worker.ts). */
export const baselineOptions = (secret) => ({
	...COMPAT,
	modules: true,
	scriptPath: `${OUT}/baseline.js`,
	bindings: { APPLE_API_SECRET: secret, MSP_ID },
	durableObjects: { LOG: { className: 'Log', useSQLite: true } },
	queueProducers: { QUEUE: 'bench-queue' },
	port: 0,
})

/** The product as deployed, but with Apple's gateway on loopback. */
export const productOptions = ({ secret, adminToken, appleUrl }) => ({
	...COMPAT,
	modules: true,
	scriptPath: `${OUT}/worker.js`,
	bindings: {
		MSP_ID,
		APPLE_API_SECRET: secret,
		ADMIN_TOKEN: adminToken,
		DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
		ENVIRONMENT: 'development',
		APPLE_GATEWAY_URL: appleUrl,
	},
	durableObjects: PRODUCT_DURABLE_OBJECTS,
	// Producer only: the benchmarks measure the inbound path up to the durable enqueue, like
	// the DO + Queue baseline; webhook delivery is not part of Apple's round trip.
	queueProducers: { WEBHOOK_QUEUE: 'amb-webhooks' },
	r2Buckets: ['ATTACHMENTS'],
	port: 0,
})

/** Apple's bearer token, as Apple signs it (docs/apple-protocol.md §1.2). */
export function appleToken(secret) {
	const b64url = (b) => Buffer.from(b).toString('base64url')
	const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
	const body = b64url(JSON.stringify({ aud: MSP_ID, iat: Math.floor(Date.now() / 1000) }))
	const sig = createHmac('sha256', Buffer.from(secret, 'base64')).update(`${head}.${body}`).digest('base64url')
	return `${head}.${body}.${sig}`
}

/** A gzip'd Apple text message from `sourceId`, headers included. */
export function appleMessage(token, sourceId) {
	const id = randomUUID()
	const body = gzipSync(JSON.stringify({ v: 1, id, type: 'text', sourceId, destinationId: BUSINESS_ID, body: 'Hello from the benchmark 👋', locale: 'en_US' }))
	return {
		headers: {
			authorization: `Bearer ${token}`,
			'content-type': 'application/json',
			'content-encoding': 'gzip',
			id,
			'source-id': sourceId,
			'destination-id': BUSINESS_ID,
			'capability-list': 'LIST,TIME,QUICK,FORM,AUTH2',
			'device-agent': 'iPhone OS',
		},
		body,
	}
}

/** Apple's gateway for outbound sends: a loopback server that accepts everything. Returns its URL. */
export async function acceptingGateway() {
	const server = http.createServer((req, res) => {
		req.resume()
		req.on('end', () => res.writeHead(200).end())
	})
	await new Promise((r) => server.listen(0, '127.0.0.1', r))
	return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }
}

/** Creates the bench business through the admin API; returns its API key. */
export async function createBenchBusiness(base, adminToken) {
	const created = await fetch(new URL('/admin/businesses', base), {
		method: 'POST',
		headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
		body: JSON.stringify({ businessId: BUSINESS_ID, name: 'Bench', webhookUrl: 'http://127.0.0.1:9/hook' }),
	})
	if (created.status !== 201) throw new Error(`setup failed: ${created.status} ${await created.text()}`)
	return (await created.json()).apiKey
}
