/** Admin and business API calls for tests, through the real Worker entry. */
import { env, exports } from 'cloudflare:workers'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123'

export async function adminFetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
	const headers = new Headers(init.headers)
	if (!headers.has('authorization')) headers.set('authorization', `Bearer ${ADMIN_TOKEN}`)
	if (init.json !== undefined) headers.set('content-type', 'application/json')
	return exports.default.fetch(`https://msp.test/admin${path}`, {
		...init,
		headers,
		body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
	})
}

export interface CreatedBusiness {
	businessId: string
	apiKey: string
	webhookSecret: string
}

export async function createBusiness(overrides: Record<string, unknown> = {}): Promise<CreatedBusiness> {
	const businessId = (overrides.businessId as string | undefined) ?? crypto.randomUUID()
	const res = await adminFetch('/businesses', {
		method: 'POST',
		json: { businessId, name: 'Test Business', webhookUrl: 'http://hooks.localhost/default', ...overrides },
	})
	if (res.status !== 201) throw new Error(`create business failed: ${res.status} ${await res.text()}`)
	return (await res.json()) as CreatedBusiness
}

export async function businessFetch(apiKey: string, path: string, init: RequestInit & { json?: unknown } = {}) {
	const headers = new Headers(init.headers)
	headers.set('authorization', `Bearer ${apiKey}`)
	if (init.json !== undefined) headers.set('content-type', 'application/json')
	return exports.default.fetch(`https://msp.test${path}`, {
		...init,
		headers,
		body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
	})
}

export { env }
