/**
 * Image references in business messages (`image`, `imageUrl`, `appIcon`, bubble and form
 * images): an http(s) URL that the platform fetches, or inline base64 — a `data:` URI or raw
 * base64. Apple's wire format carries only base64 bytes (docs/apple-interactive.md §2.3,
 * §5.4), so URLs are resolved before rendering and the renderer stays synchronous and pure.
 * This module classifies and measures references; it fetches nothing.
 */
import { z } from 'zod'
import { base64ToBytes } from '../encoding'

/** An image the platform fetched (or decoded) for a URL reference: base64 bytes plus type. */
export interface ResolvedImage {
	data: string
	mimeType: string
}

/** URL reference → resolved image, filled by the platform before rendering. */
export type ResolvedImages = ReadonlyMap<string, ResolvedImage>

export type ImageRef =
	| { kind: 'url'; url: string }
	/**
	 * `data` is normalised standard base64; `mimeType` from the data URI or sniffed (null only for
	 * a data URI without a type whose bytes are not a known image).
	 */
	| { kind: 'inline'; data: string; mimeType: string | null }

const DATA_URI = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64,(.*)$/is
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

function normaliseBase64(raw: string): string | null {
	const s = raw.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/')
	if (s.length === 0 || !BASE64.test(s)) return null
	const unpadded = s.replace(/=+$/, '')
	if (unpadded.length % 4 === 1) return null
	return unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, '=')
}

/** Magic bytes of the image types Messages shows; null when unknown. */
export function sniffImageType(base64: string): string | null {
	let head: Uint8Array
	try {
		head = base64ToBytes(base64.slice(0, 16))
	} catch {
		return null
	}
	const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to))
	if (head[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png'
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg'
	if (ascii(0, 4) === 'GIF8') return 'image/gif'
	if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp'
	if (ascii(4, 8) === 'ftyp' && /^(heic|heix|mif1|msf1)$/.test(ascii(8, 12))) return 'image/heic'
	return null
}

function isUrl(s: string): boolean {
	try {
		new URL(s)
		return true
	} catch {
		return false
	}
}

export function parseImageRef(ref: string): ImageRef | null {
	if (/^https?:\/\//i.test(ref)) return isUrl(ref) ? { kind: 'url', url: ref } : null
	const uri = DATA_URI.exec(ref)
	const data = normaliseBase64(uri ? (uri[3] ?? '') : ref)
	if (data === null) return null
	if (uri) return { kind: 'inline', data, mimeType: uri[1]?.toLowerCase() ?? sniffImageType(data) }
	// Bare base64 must look like an image: otherwise any short word ("logo1") would pass as data.
	const mimeType = sniffImageType(data)
	return mimeType === null ? null : { kind: 'inline', data, mimeType }
}

/** Bytes that a base64 string decodes to, without decoding it. */
export function base64ByteLength(base64: string): number {
	const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0
	return Math.floor((base64.length * 3) / 4) - padding
}

/**
 * The image a reference stands for: inline data directly, URLs from the platform's map.
 * null when a URL was not resolved.
 */
export function resolveImage(ref: string, images: ResolvedImages): ResolvedImage | null {
	const parsed = parseImageRef(ref)
	if (parsed === null) return null
	if (parsed.kind === 'url') return images.get(ref) ?? null
	return { data: parsed.data, mimeType: parsed.mimeType ?? 'application/octet-stream' }
}

/**
 * Plain http is accepted here because development deployments may serve images over it;
 * the platform's fetch guard decides what it will actually fetch (docs/product.md "Configuration").
 */
export const ImageRefSchema = z
	.string()
	.min(1)
	.refine((s) => parseImageRef(s) !== null, {
		message: 'must be an http(s) URL, a data: URI with base64 data, or base64 of a PNG, JPEG, GIF, WebP or HEIC image',
	})
	.meta({
		id: 'ImageRef',
		description: 'An image: an http(s) URL the platform fetches, a `data:` URI with base64 data, or base64 of a PNG, JPEG, GIF, WebP or HEIC image.',
		examples: ['https://example.com/images/latte.png'],
	})
