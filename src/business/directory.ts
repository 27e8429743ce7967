/**
 * Reading businesses without a global bottleneck (docs/product.md "Data flow" §4): each lives
 * in its own Durable Object, with a short per-isolate cache in front so the inbound path
 * and the delivery consumer do not pay an RPC per message. Writes through the admin API
 * invalidate this isolate's entry; other isolates see changes within CACHE_TTL_MS.
 */
import type { Env } from '../context'
import type { BusinessRecord } from './schema'

export const CACHE_TTL_MS = 10_000

const cache = new Map<string, { at: number; record: BusinessRecord | null }>()

export const businessStub = (env: Env, businessId: string) => env.BUSINESS.getByName(businessId)

/**
 * The business's conversation index lives in a second object of the same class, so a burst
 * of new conversations (one index write each) never queues in front of the settings reads
 * that the inbound path and the delivery consumer make (docs/product.md "Data flow" §4). `#` cannot
 * occur in a business id (business/schema.ts), so the name never collides with a business.
 */
export const conversationIndexStub = (env: Env, businessId: string) => env.BUSINESS.getByName(`${businessId}#conversations`)

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

const aliasCache = new Map<string, { at: number; businessId: string | null }>()

/**
 * The business a `destination-id` from Apple belongs to: the business itself, or the one a
 * linked Messages for Business account id was bound to on the landing page (docs/apple-protocol.md §6.2).
 * Cached per isolate like businesses.
 */
export async function businessForDestination(env: Env, destinationId: string): Promise<BusinessRecord | null> {
	const direct = await loadBusiness(env, destinationId)
	if (direct) return direct
	const hit = aliasCache.get(destinationId)
	const now = Date.now()
	let businessId: string | null
	if (hit && now - hit.at < CACHE_TTL_MS) businessId = hit.businessId
	else {
		businessId = (await businessStub(env, destinationId).accountAlias())?.businessId ?? null
		aliasCache.set(destinationId, { at: now, businessId })
		if (aliasCache.size > 10_000) aliasCache.delete(aliasCache.keys().next().value!)
	}
	return businessId ? loadBusiness(env, businessId) : null
}
