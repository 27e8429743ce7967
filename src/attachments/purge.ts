/**
 * Retention of staged attachments (docs/product.md "Data flow" 5, issue 4 "Retention"): every
 * object carries `expiresAt` (the business's `attachmentRetentionDays`, default 30); the
 * hourly cron deletes expired ones. A purge never breaks a message being sent:
 *
 * - A send pins its attachments first (`pinAttachment`): a marker object
 *   `pin/<businessId>/<attachmentId>/<holder>` with `pinnedUntil`. R2 cannot update an object's
 *   metadata in place, and rewriting 100 MB to flip a flag is out of the question, hence the
 *   marker. One marker per holder, so two sends of one file never undo each other.
 * - The purge reads all live pins first and skips every pinned object.
 * - The window between those two reads is closed by time: a pin is refused for an unpinned
 *   object that expires within PIN_GRACE_MS, and the purge deletes only objects already
 *   expired, so an object a purge is about to delete can no longer be pinned.
 *
 * Idempotent (cron may fire twice, docs/platform-limits.md §6): deleting what is gone is a no-op.
 */
import type { Env } from '../context'
import { ATTACHMENT_ID_RE, attachmentKey, decodeMeta, DEFAULT_RETENTION_DAYS, expiresAtFor } from './attachment-meta'

/** An unpinned object this close to expiry cannot be pinned (see above). */
export const PIN_GRACE_MS = 15 * 60_000
const LIST_LIMIT = 1000
/** R2's `delete(keys[])` takes up to 1,000 keys. */
const DELETE_BATCH = 1000

const pinPrefix = (businessId: string, attachmentId: string) => `pin/${businessId}/${attachmentId}/`
const holderPart = (holder: string) => encodeURIComponent(holder).slice(0, 200)

export interface PinRequest {
	businessId: string
	attachmentId: string
	/** Who holds the pin, e.g. the outbound message id; one pin per holder. */
	holder: string
	/** Unix ms until which the object must survive (longer than the send's retry window). */
	untilMs: number
	now?: number
}

/**
 * Keep an attachment alive until `untilMs` for a send. Returns false when the attachment does
 * not exist, or has expired (or is about to) without an earlier pin: the send must be refused.
 */
export async function pinAttachment(env: Env, req: PinRequest): Promise<boolean> {
	if (!ATTACHMENT_ID_RE.test(req.attachmentId)) return false
	const now = req.now ?? Date.now()
	const object = await env.ATTACHMENTS.head(attachmentKey(req.businessId, req.attachmentId))
	if (!object) return false
	const meta = decodeMeta(object.customMetadata)
	const expiresAt = meta?.expiresAt ?? expiresAtFor(object.uploaded.getTime(), DEFAULT_RETENTION_DAYS)
	if (expiresAt - now < PIN_GRACE_MS && (await livePinUntil(env, req.businessId, req.attachmentId, now)) === null) {
		return false
	}
	await env.ATTACHMENTS.put(pinPrefix(req.businessId, req.attachmentId) + holderPart(req.holder), null, {
		customMetadata: { pinnedUntil: String(req.untilMs) },
	})
	return true
}

/** Drop one holder's pin once its send is settled (sent or failed for good). */
export async function unpinAttachment(env: Env, ref: { businessId: string; attachmentId: string; holder: string }): Promise<void> {
	if (!ATTACHMENT_ID_RE.test(ref.attachmentId)) return
	await env.ATTACHMENTS.delete(pinPrefix(ref.businessId, ref.attachmentId) + holderPart(ref.holder))
}

/** The latest live `pinnedUntil` of an attachment, or null when nobody holds it. */
export async function livePinUntil(env: Env, businessId: string, attachmentId: string, now = Date.now()): Promise<number | null> {
	let latest: number | null = null
	for await (const o of listAll(env.ATTACHMENTS, pinPrefix(businessId, attachmentId))) {
		const until = Number(o.customMetadata?.pinnedUntil)
		if (Number.isFinite(until) && until > now) latest = Math.max(latest ?? 0, until)
	}
	return latest
}

export interface PurgeStats {
	scanned: number
	deleted: number
	keptPinned: number
	stalePinsRemoved: number
}

/** The cron task (`cronTasks.push((env, t) => purgeExpiredAttachments(env, t))`). */
export async function purgeExpiredAttachments(env: Env, now = Date.now()): Promise<PurgeStats> {
	const bucket = env.ATTACHMENTS
	const stats: PurgeStats = { scanned: 0, deleted: 0, keptPinned: 0, stalePinsRemoved: 0 }

	// 1. Live pins, keyed by the object they protect; expired pins are swept on the way.
	const pinned = new Set<string>()
	const stalePins: string[] = []
	for await (const o of listAll(bucket, 'pin/')) {
		const until = Number(o.customMetadata?.pinnedUntil)
		const target = /^pin\/(.+)\/(att_[A-Za-z0-9_-]{22})\/[^/]*$/.exec(o.key)
		if (target && Number.isFinite(until) && until > now) pinned.add(`att/${target[1]}/${target[2]}`)
		else stalePins.push(o.key)
	}

	// 2. Expired objects that nobody pins.
	const doomed: string[] = []
	for await (const o of listAll(bucket, 'att/')) {
		stats.scanned++
		const meta = decodeMeta(o.customMetadata)
		// An object without our metadata (a foreign or broken write) ages from its upload time.
		const expiresAt = meta?.expiresAt ?? expiresAtFor(o.uploaded.getTime(), DEFAULT_RETENTION_DAYS)
		if (expiresAt > now) continue
		if (pinned.has(o.key)) {
			stats.keptPinned++
			continue
		}
		doomed.push(o.key)
	}

	for (let i = 0; i < doomed.length; i += DELETE_BATCH) await bucket.delete(doomed.slice(i, i + DELETE_BATCH))
	for (let i = 0; i < stalePins.length; i += DELETE_BATCH) await bucket.delete(stalePins.slice(i, i + DELETE_BATCH))
	stats.deleted = doomed.length
	stats.stalePinsRemoved = stalePins.length
	return stats
}

/** Every object under `prefix`, following `truncated`/`cursor` (never the count; docs/platform-limits.md §5). */
export async function* listAll(bucket: R2Bucket, prefix: string): AsyncGenerator<R2Object> {
	let cursor: string | undefined
	for (;;) {
		const page = await bucket.list(listOptions({ prefix, limit: LIST_LIMIT, include: ['customMetadata'], ...(cursor ? { cursor } : {}) }))
		yield* page.objects
		if (!page.truncated) return
		cursor = page.cursor
	}
}

/**
 * `include` is honoured from compatibility date 2022-08-04 on (we are far past it), but the
 * package's default type entry predates it; this keeps the option typed without `any`.
 */
function listOptions(o: R2ListOptions & { include: ('httpMetadata' | 'customMetadata')[] }): R2ListOptions {
	return o
}
