/** Byte/text encodings used across the platform (base64, base64url, hex). */

export function bytesToBase64(bytes: Uint8Array): string {
	let s = ''
	for (let i = 0; i < bytes.length; i += 0x8000) {
		s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
	}
	return btoa(s)
}

/** Strict base64 (standard or url alphabet, padding optional); throws on garbage. */
export function base64ToBytes(b64: string): Uint8Array {
	const norm = b64.trim().replace(/-/g, '+').replace(/_/g, '/')
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(norm)) throw new Error('invalid base64')
	const bin = atob(norm.padEnd(Math.ceil(norm.length / 4) * 4, '='))
	const out = new Uint8Array(bin.length)
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
	return out
}

export const bytesToBase64Url = (bytes: Uint8Array) => bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

export function bytesToHex(bytes: Uint8Array): string {
	let s = ''
	for (const b of bytes) s += b.toString(16).padStart(2, '0')
	return s
}

/** Hex is compared case-insensitively everywhere (docs/product.md "Protocol decisions"). */
export function hexToBytes(hex: string): Uint8Array {
	if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('invalid hex')
	const out = new Uint8Array(hex.length / 2)
	for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
	return out
}

export const utf8 = new TextEncoder()

/** Join byte chunks whose total length is known. */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
	if (chunks.length === 1 && chunks[0]!.byteLength === total) return chunks[0]!
	const out = new Uint8Array(total)
	let off = 0
	for (const c of chunks) {
		out.set(c, off)
		off += c.byteLength
	}
	return out
}
