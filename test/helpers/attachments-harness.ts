/**
 * Shared setup of the attachments integration tests (attachments-api.test.ts,
 * attachments-mmcs.test.ts): the API under test, a business, a fresh FakeMmcs per test, and
 * upload/R2 helpers. `biz` and `fake` are live bindings, set by the hooks that
 * useAttachmentsHarness() registers.
 */
import { env, exports } from 'cloudflare:workers'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { afterEach, beforeAll, beforeEach } from 'vitest'
import { bytesToHex, base64ToBytes } from '../../src/apple/encoding'
import { InboundAttachmentSchema } from '../../src/apple/inbound'
import { mmcsClientFor } from '../../src/attachments/client'
import type { AppBindings } from '../../src/context'
import { AppError, errorBody } from '../../src/lib/errors'
import { requireBusiness } from '../../src/routes/business-auth'
import { attachments, signedAttachments } from '../../src/routes/attachments'
import { FakeMmcs, fixedLengthBody, prngStream, sha256OfStream } from './fake-mmcs'
import { createBusiness, type CreatedBusiness } from './platform'

export const MiB = 1024 * 1024
export const ORIGIN = 'https://msp.test'

// --- the API under test: the Worker entry once the lead mounts the routes, else the same
// composition (error boundary, API-key middleware, these routers) in a local app. -----------

const local = new Hono<AppBindings>()
local.onError((err, c) => {
	if (err instanceof AppError) return c.json(errorBody(err), err.status)
	if (err instanceof HTTPException) return c.json({ error: { code: 'http_error', message: err.message } }, err.status)
	return c.json({ error: { code: 'internal', message: String(err) } }, 500)
})
const v1 = new Hono<AppBindings>()
v1.use('*', requireBusiness)
v1.route('/attachments', attachments)
local.route('/v1', v1)
local.route('/', signedAttachments)

let viaEntry = false
export async function api(path: string, init: RequestInit = {}): Promise<Response> {
	const url = `${ORIGIN}${path}`
	return viaEntry ? exports.default.fetch(url, init) : local.request(url, init, env)
}

export let biz: CreatedBusiness
export let fake: FakeMmcs

/** Registers the hooks: one business per file, a fresh FakeMmcs per test. */
export function useAttachmentsHarness(): void {
	beforeAll(async () => {
		biz = await createBusiness()
		// Mounted in the Worker entry? An unmounted path answers the app's "no such route" 404.
		const probe = await exports.default.fetch(`${ORIGIN}/v1/attachments/att_AAAAAAAAAAAAAAAAAAAAAA`, {
			headers: { authorization: `Bearer ${biz.apiKey}` },
		})
		viaEntry = !(probe.status === 404 && ((await probe.json()) as { error: { message: string } }).error.message === 'no such route')
		console.info(`attachments tests go through ${viaEntry ? 'the Worker entry' : 'a local app (routes not mounted yet)'}`)
	})

	beforeEach(() => {
		fake = new FakeMmcs().install()
	})
	afterEach(() => fake.restore())
}

export const auth = () => ({ authorization: `Bearer ${biz.apiKey}` })

export async function upload(size: number, seed: number, opts: { known?: boolean; type?: string; name?: string } = {}) {
	const headers: Record<string, string> = { ...auth() }
	if (opts.type) headers['content-type'] = opts.type
	let body: ReadableStream<Uint8Array> | null = prngStream(size, seed)
	if (opts.known ?? true) {
		headers['content-length'] = String(size)
		body = size === 0 ? null : fixedLengthBody(size, body)
	}
	const q = opts.name ? `?name=${encodeURIComponent(opts.name)}` : ''
	return api(`/v1/attachments${q}`, { method: 'POST', headers, body })
}

export async function r2Keys(prefix: string): Promise<string[]> {
	const keys: string[] = []
	let cursor: string | undefined
	for (;;) {
		const page = await env.ATTACHMENTS.list({ prefix, ...(cursor ? { cursor } : {}) })
		keys.push(...page.objects.map((o) => o.key))
		if (!page.truncated) return keys
		cursor = page.cursor
	}
}

export const expected = (size: number, seed: number) => sha256OfStream(prngStream(size, seed))
export const client = (businessId = biz.businessId) => mmcsClientFor(env, businessId)
export const inbound = (raw: unknown) => InboundAttachmentSchema.parse(raw)

export const hexToB64 = (hex: string) => btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => parseInt(h, 16))))

/** Apple delivers the uploader's checksum as hex `signature` on the receiving side. */
export function asReceived(att: { name: string; mimeType: string; size: string; key: string; url: string; owner: string; 'signature-base64': string }) {
	return inbound({ ...att, size: Number(att.size), signature: bytesToHex(base64ToBytes(att['signature-base64'])) })
}
