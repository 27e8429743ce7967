/** Base64 without Buffer (atob/btoa exist on Node 20+, Workers, Deno and browsers). */

export function bytesToBase64(bytes: Uint8Array): string {
	let bin = ''
	for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
	return btoa(bin)
}

/** Standard or URL-safe base64, padded or not; throws on anything else. */
export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
	const std = b64.replace(/-/g, '+').replace(/_/g, '/')
	const bin = atob(std.padEnd(std.length + ((4 - (std.length % 4)) % 4), '='))
	const out = new Uint8Array(bin.length)
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
	return out
}
