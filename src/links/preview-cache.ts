/**
 * Link previews cached in R2 so a popular URL is fetched once per TTL, not once per message
 * (issue 5; docs/webhooks.md "Security", link previews). Keys are
 * `unfurl/<sha256 hex of the normalised URL>`; expiry is `customMetadata.expiresAt` (RFC 3339),
 * checked on read, because R2 has no per-object TTL (a lifecycle rule on the `unfurl/` prefix
 * can purge old objects). Failures are cached too, for less time, so a broken or slow popular
 * URL does not cost a fetch per message either. The cache is best effort: any R2 error or
 * unreadable entry counts as a miss.
 */
import { listAll } from '../attachments/purge'
import { z } from 'zod'
import { sha256Hex } from '../lib/crypto'

export const PREVIEW_TTL_MS = 24 * 60 * 60 * 1000
export const FAILURE_TTL_MS = 10 * 60 * 1000

export const UNFURL_ERROR_CODES = ['unsafe-url', 'timeout', 'too-large', 'too-many-redirects', 'http-status', 'content-type', 'network'] as const
export type UnfurlErrorCode = (typeof UNFURL_ERROR_CODES)[number]

export const CachedPreviewSchema = z.object({
	url: z.string().min(1),
	title: z.string().min(1),
	siteName: z.string().optional(),
	description: z.string().optional(),
	imageUrl: z.string().optional(),
	imageData: z.string().optional(),
	imageMimeType: z.string().optional(),
})
export type CachedPreview = z.infer<typeof CachedPreviewSchema>

const EntrySchema = z.discriminatedUnion('ok', [
	z.object({ ok: z.literal(true), preview: CachedPreviewSchema }),
	z.object({ ok: z.literal(false), code: z.enum(UNFURL_ERROR_CODES), message: z.string() }),
])
export type CacheEntry = z.infer<typeof EntrySchema>

export const cacheKey = async (url: string) => `unfurl/${await sha256Hex(url)}`

export async function readCache(bucket: R2Bucket, url: string, now: number): Promise<CacheEntry | null> {
	try {
		const obj = await bucket.get(await cacheKey(url))
		if (obj === null) return null
		const expiresAt = Date.parse(obj.customMetadata?.expiresAt ?? '')
		if (!(expiresAt > now)) {
			// Drained rather than cancelled: entries are small, and a cancelled R2 body logs a pump error.
			await obj.arrayBuffer()
			return null
		}
		const parsed = EntrySchema.safeParse(await obj.json())
		return parsed.success ? parsed.data : null
	} catch {
		return null
	}
}

export async function writeCache(bucket: R2Bucket, url: string, entry: CacheEntry, now: number): Promise<void> {
	const ttl = entry.ok ? PREVIEW_TTL_MS : FAILURE_TTL_MS
	try {
		await bucket.put(await cacheKey(url), JSON.stringify(entry), {
			httpMetadata: { contentType: 'application/json' },
			customMetadata: { expiresAt: new Date(now + ttl).toISOString() },
		})
	} catch {
		// A preview that could not be cached is still a preview.
	}
}

/** Cron task: delete cached previews past their expiry (reads skip them anyway; this frees R2). */
export async function purgeExpiredPreviews(bucket: R2Bucket, now = Date.now()): Promise<number> {
	const doomed: string[] = []
	for await (const o of listAll(bucket, 'unfurl/')) {
		const at = Date.parse(o.customMetadata?.expiresAt ?? '')
		if (!Number.isFinite(at) || at <= now) doomed.push(o.key)
	}
	for (let i = 0; i < doomed.length; i += 1000) await bucket.delete(doomed.slice(i, i + 1000))
	return doomed.length
}
