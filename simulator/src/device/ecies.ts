/**
 * The legacy authentication token as Apple's service hands it to the MSP (see
 * docs/apple-interactive.md §5.6, Apple's `eciesEncryptionCofactorVariableIVX963SHA256AESGCM`):
 * ephemeral P-384 ECDH with the MSP's `responseEncryptionKey`, ANSI X9.63 KDF with SHA-256
 * (shared info = the 97-byte ephemeral point) → 48 bytes = AES-256 key ‖ 16-byte GCM IV;
 * token = base64(ephemeral point ‖ ciphertext ‖ 16-byte tag). The simulator encrypts so the
 * MSP's decryption is exercised.
 */
import { bytesToBase64 } from '../lib/platform-primitives'
import { decodeBase64Strict } from '../lib/bytes'

async function x963Kdf(z: Uint8Array, sharedInfo: Uint8Array, length: number): Promise<Uint8Array> {
	const out = new Uint8Array(length)
	let filled = 0
	for (let counter = 1; filled < length; counter++) {
		const block = new Uint8Array(z.length + 4 + sharedInfo.length)
		block.set(z, 0)
		new DataView(block.buffer).setUint32(z.length, counter)
		block.set(sharedInfo, z.length + 4)
		const h = new Uint8Array(await crypto.subtle.digest('SHA-256', block))
		out.set(h.subarray(0, Math.min(h.length, length - filled)), filled)
		filled += h.length
	}
	return out
}

export async function eciesEncryptToken(responseEncryptionKeyB64: string, plaintext: string): Promise<string> {
	const recipient = await crypto.subtle.importKey('raw', decodeBase64Strict(responseEncryptionKeyB64), { name: 'ECDH', namedCurve: 'P-384' }, false, [])
	const eph = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits'])) as CryptoKeyPair
	const ephPoint = new Uint8Array((await crypto.subtle.exportKey('raw', eph.publicKey)) as ArrayBuffer)
	// workers-types spells the member `$public`; the runtime reads the standard `public`.
	const ecdh = { name: 'ECDH', public: recipient } as unknown as SubtleCryptoDeriveKeyAlgorithm
	const z = new Uint8Array(await crypto.subtle.deriveBits(ecdh, eph.privateKey, 384))
	const k = await x963Kdf(z, ephPoint, 48)
	const aesKey = await crypto.subtle.importKey('raw', k.subarray(0, 32), { name: 'AES-GCM' }, false, ['encrypt'])
	const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: k.subarray(32, 48) }, aesKey, new TextEncoder().encode(plaintext)))
	const token = new Uint8Array(ephPoint.length + sealed.length)
	token.set(ephPoint, 0)
	token.set(sealed, ephPoint.length)
	return bytesToBase64(token)
}
