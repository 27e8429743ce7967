/**
 * Signed, expiring download links for staged attachments, carried in `message.received`
 * instead of the bytes (docs/product.md "Data flow" 1, "Business API"). A link names the business
 * and the attachment and its expiry, and carries an HMAC-SHA256 over them with a key derived
 * by HKDF from DATA_ENCRYPTION_KEY, so it needs no storage, cannot be retargeted at another
 * tenant's file, and is checked in constant time (crypto.subtle.verify).
 *
 * Token: `<base64url("v1:<expiry s>:<attachmentId>:<businessId>")>.<base64url(hmac)>`.
 */
import { base64ToBytes, bytesToBase64Url, utf8 } from '../apple/encoding'
import { getConfig, type Env } from '../context'
import { ATTACHMENT_ID_RE } from './attachment-meta'

/** Links outlive webhook retries (hours) but not a retention period; replays can use the API. */
export const DEFAULT_LINK_TTL_MS = 7 * 86_400_000
/** Path the public handler serves (routes/attachments.ts `signedAttachments`). */
export const SIGNED_PATH_PREFIX = '/attachments/signed/'
const MAX_TOKEN_CHARS = 600
const HKDF_INFO = 'amb-edge attachment links v1'

const keyCache = new Map<string, Promise<CryptoKey>>()

/** HKDF-SHA256(DATA_ENCRYPTION_KEY, info) → an HMAC key used for nothing else. */
function linkKey(dekB64: string): Promise<CryptoKey> {
	let key = keyCache.get(dekB64)
	if (!key) {
		key = (async () => {
			const base = await crypto.subtle.importKey('raw', base64ToBytes(dekB64), 'HKDF', false, ['deriveKey'])
			return crypto.subtle.deriveKey(
				{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8.encode(HKDF_INFO) },
				base,
				{ name: 'HMAC', hash: 'SHA-256', length: 256 },
				false,
				['sign', 'verify'],
			)
		})()
		keyCache.set(dekB64, key)
	}
	return key
}

export interface LinkTarget {
	businessId: string
	attachmentId: string
	/** Unix ms; rounded up to whole seconds in the token. */
	expiresAt: number
}

export async function signDownloadToken(env: Env, target: LinkTarget): Promise<string> {
	if (!ATTACHMENT_ID_RE.test(target.attachmentId)) throw new Error('invalid attachment id')
	const payload = `v1:${Math.ceil(target.expiresAt / 1000)}:${target.attachmentId}:${target.businessId}`
	const payloadB64 = bytesToBase64Url(utf8.encode(payload))
	const key = await linkKey(getConfig(env).DATA_ENCRYPTION_KEY)
	const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(payloadB64)))
	return `${payloadB64}.${bytesToBase64Url(sig)}`
}

/**
 * The full link. `origin` is the MSP's public origin, e.g. that of the inbound `/message`
 * request (the URL registered with Apple), since a Durable Object has no URL of its own.
 */
export async function signedDownloadUrl(env: Env, origin: string, target: LinkTarget): Promise<string> {
	return new URL(SIGNED_PATH_PREFIX + (await signDownloadToken(env, target)), origin).toString()
}

export type LinkCheck = ({ ok: true } & LinkTarget) | { ok: false; reason: 'malformed' | 'signature' | 'expired' }

export async function verifyDownloadToken(env: Env, token: string, now = Date.now()): Promise<LinkCheck> {
	if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' }
	const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token)
	if (!m) return { ok: false, reason: 'malformed' }
	const [, payloadB64, sigB64] = m as unknown as [string, string, string]
	let sig: Uint8Array
	try {
		sig = base64ToBytes(sigB64)
	} catch {
		return { ok: false, reason: 'malformed' }
	}
	// Signature first, in constant time; nothing of the payload is trusted before it passes.
	const key = await linkKey(getConfig(env).DATA_ENCRYPTION_KEY)
	if (!(await crypto.subtle.verify('HMAC', key, sig, utf8.encode(payloadB64)))) return { ok: false, reason: 'signature' }
	let payload: string
	try {
		payload = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(base64ToBytes(payloadB64))
	} catch {
		return { ok: false, reason: 'malformed' }
	}
	const p = /^v1:(\d{1,12}):(att_[A-Za-z0-9_-]{22}):(.+)$/s.exec(payload)
	if (!p) return { ok: false, reason: 'malformed' }
	const expiresAt = Number(p[1]) * 1000
	if (expiresAt <= now) return { ok: false, reason: 'expired' }
	return { ok: true, attachmentId: p[2]!, businessId: p[3]!, expiresAt }
}
