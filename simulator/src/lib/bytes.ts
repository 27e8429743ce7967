/** Small byte helpers: strict base64, gzip, digests, random tokens. */

/** Strict standard base64 (what Apple's JSON carries); throws on anything else. */
export function decodeBase64Strict(s: string): Uint8Array {
	if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error('not base64')
	const bin = atob(s)
	const out = new Uint8Array(bin.length)
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
	return out
}

export const isHex = (s: string) => s.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(s)

export async function gzip(data: Uint8Array | string): Promise<Uint8Array> {
	const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'))
	return new Uint8Array(await new Response(stream).arrayBuffer())
}

export async function gunzip(data: Uint8Array): Promise<Uint8Array> {
	const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('gzip'))
	return new Uint8Array(await new Response(stream).arrayBuffer())
}

export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
	const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
	return [...d].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Random lowercase hex of `n` bytes. */
export function randomHex(n: number): string {
	return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false
	let diff = 0
	for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
	return diff === 0
}

export const utf8Bytes = (s: string) => new TextEncoder().encode(s)
