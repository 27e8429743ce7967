/**
 * What identifies a staged attachment and what is stored with it (r2-staging.ts): ids, R2
 * keys `att/<businessId>/<attachmentId>`, the size and retention limits, file names, and the
 * customMetadata encoding.
 */
import { z } from 'zod'
import { randomBytes } from '../lib/crypto'
import { bytesToBase64Url } from '../apple/encoding'

/**
 * Apple's per-file limit, "100 MB" (docs/apple-protocol.md §1.5), read as 100 MiB = 104,857,600 bytes like
 * T-DJ's check; the simulator allows the same plus slack. Above it: 413 / failed.
 */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
export const DEFAULT_RETENTION_DAYS = 30
const DAY_MS = 86_400_000
/** Longest file name we keep (bytes of UTF-8 are capped again by R2's 8 KiB metadata limit). */
export const MAX_NAME_CHARS = 255

export type Direction = 'inbound' | 'outbound'

export interface AttachmentMeta {
	name: string
	mimeType: string
	size: number
	/** Unix ms. */
	createdAt: number
	/** Unix ms; after it the object is gone for the API and the purge may delete it. */
	expiresAt: number
	direction: Direction
	conversationId?: string
	messageId?: string
}

/** Attachment ids: `att_` + 128 random bits, base64url. */
export const ATTACHMENT_ID_RE = /^att_[A-Za-z0-9_-]{22}$/

export function newAttachmentId(): string {
	return `att_${bytesToBase64Url(randomBytes(16))}`
}

/** Business ids never contain `/` (BusinessIdSchema), so the prefix cannot bleed into another tenant. */
export function attachmentKey(businessId: string, attachmentId: string): string {
	if (!businessId || businessId.includes('/')) throw new Error('invalid business id for an attachment key')
	if (!ATTACHMENT_ID_RE.test(attachmentId)) throw new Error('invalid attachment id')
	return `att/${businessId}/${attachmentId}`
}

export const businessPrefix = (businessId: string) => `att/${businessId}/`

export function expiresAtFor(now: number, retentionDays = DEFAULT_RETENTION_DAYS): number {
	return now + retentionDays * DAY_MS
}

/**
 * A file name safe to store and show: no control characters or path separators, at most
 * MAX_NAME_CHARS, never empty.
 */
export function cleanName(raw: string | null | undefined, fallback = 'attachment'): string {
	const replaced = (raw ?? '')
		.normalize('NFC')
		.replace(/[\u0000-\u001f\u007f/\\]/g, '_')
		.trim()
	// Cut by code points and replace lone surrogates: they would break encodeURIComponent.
	const cleaned = Array.from(replaced.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))
		.slice(0, MAX_NAME_CHARS)
		.join('')
	return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : fallback
}

const StoredMeta = z.object({
	// Names may be any Unicode; stored URI-encoded so metadata stays ASCII on every R2 API.
	name: z.string().transform((s) => {
		try {
			return decodeURIComponent(s)
		} catch {
			return s
		}
	}),
	mimeType: z.string().min(1),
	size: z.string().regex(/^\d+$/).transform(Number),
	createdAt: z.string().regex(/^\d+$/).transform(Number),
	expiresAt: z.string().regex(/^\d+$/).transform(Number),
	direction: z.enum(['inbound', 'outbound']),
	conversationId: z.string().optional(),
	messageId: z.string().optional(),
})

export function encodeMeta(meta: AttachmentMeta): Record<string, string> {
	return {
		name: encodeURIComponent(meta.name),
		mimeType: meta.mimeType,
		size: String(meta.size),
		createdAt: String(meta.createdAt),
		expiresAt: String(meta.expiresAt),
		direction: meta.direction,
		...(meta.conversationId ? { conversationId: meta.conversationId } : {}),
		...(meta.messageId ? { messageId: meta.messageId } : {}),
	}
}

/** null for an object that is not ours or was written by a broken writer. */
export function decodeMeta(custom: Record<string, string> | undefined): AttachmentMeta | null {
	const parsed = StoredMeta.safeParse(custom ?? {})
	if (!parsed.success) return null
	const { conversationId, messageId, ...rest } = parsed.data
	return { ...rest, ...(conversationId ? { conversationId } : {}), ...(messageId ? { messageId } : {}) }
}
