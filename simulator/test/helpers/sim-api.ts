/** Thin typed calls to /sim/api for tests. */
import { expect } from 'vitest'
import { fetchSim } from './gateway'

export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T> {
	const res = await fetchSim(`/sim/api${path}`, {
		method,
		...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
	})
	const text = await res.text()
	if (expectStatus !== undefined) expect(res.status, text).toBe(expectStatus)
	else if (!res.ok) expect.fail(`${method} ${path} → ${res.status}: ${text}`)
	return (text ? JSON.parse(text) : {}) as T
}

export interface Sent {
	id: string
	type: string
	seq: number
	mspStatus: number
	mspResponse: string
	viaDataRef?: boolean
	duplicateOf?: string
}

export const enc = encodeURIComponent

export async function newCustomer(device = 'iphone', locale = 'en_US'): Promise<{ id: string; capabilities: string[] }> {
	return api('POST', '/customers', { device, locale })
}
