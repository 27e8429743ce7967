/** Reading a staged attachment back from R2: its metadata, or its bytes while unexpired. */
import type { Env } from '../context'
import { ATTACHMENT_ID_RE, attachmentKey, decodeMeta, type AttachmentMeta } from './attachment-meta'

export interface StoredAttachment {
	id: string
	key: string
	meta: AttachmentMeta
}

/** Metadata of a business's attachment, or null when it does not exist (or is not one). */
export async function headAttachment(env: Env, businessId: string, attachmentId: string): Promise<StoredAttachment | null> {
	if (!ATTACHMENT_ID_RE.test(attachmentId)) return null
	const key = attachmentKey(businessId, attachmentId)
	const object = await env.ATTACHMENTS.head(key)
	const meta = object && decodeMeta(object.customMetadata)
	return meta ? { id: attachmentId, key, meta: { ...meta, size: object.size } } : null
}

/**
 * The bytes of a business's attachment, or null when missing or expired (an expired object
 * may linger until the hourly purge, but the API treats it as gone).
 */
export async function openAttachment(
	env: Env,
	businessId: string,
	attachmentId: string,
	now = Date.now(),
): Promise<{ body: ReadableStream<Uint8Array>; meta: AttachmentMeta } | null> {
	if (!ATTACHMENT_ID_RE.test(attachmentId)) return null
	const object = await env.ATTACHMENTS.get(attachmentKey(businessId, attachmentId))
	if (!object) return null
	const meta = decodeMeta(object.customMetadata)
	if (!meta || meta.expiresAt <= now) {
		await object.body.cancel().catch(() => {})
		return null
	}
	return { body: object.body, meta: { ...meta, size: object.size } }
}
