/**
 * Reading businesses without a global bottleneck (PRODUCT.md "Data flow" §4): each lives
 * in its own Durable Object, with a short per-isolate cache in front so the inbound path
 * and the delivery consumer do not pay an RPC per message. Writes through the admin API
 * invalidate this isolate's entry; other isolates see changes within CACHE_TTL_MS.
 */
import type { Env } from '../context'
import type { BusinessRecord } from './schema'

export const CACHE_TTL_MS = 10_000

const cache = new Map<string, { at: number; record: BusinessRecord | null }>()

export const businessStub = (env: Env, businessId: string) => env.BUSINESS.getByName(businessId)

export async function loadBusiness(env: Env, businessId: string): Promise<BusinessRecord | null> {
	const hit = cache.get(businessId)
	const now = Date.now()
	if (hit && now - hit.at < CACHE_TTL_MS) return hit.record
	const record = (await businessStub(env, businessId).get()) as BusinessRecord | null
	cache.set(businessId, { at: now, record })
	if (cache.size > 10_000) cache.delete(cache.keys().next().value!)
	return record
}

export function invalidateBusiness(businessId: string): void {
	cache.delete(businessId)
}
