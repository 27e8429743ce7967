/** Blob signatures as MMCS wants them (docs/apple-protocol.md §5.3): inbound hex becomes standard base64. */
import { bytesToBase64, hexToBytes } from './encoding'
import { MmcsError } from './mmcs-types'

/**
 * Inbound signatures arrive as hex; preDownload wants the same bytes as standard base64
 * (docs/apple-protocol.md §5.3 step 2, A-SMP `b64encode(b16decode(hex))`). Hex is decoded case-insensitively.
 * Sending the hex itself is the FAQ's classic pitfall: hex is valid base64 text, so the
 * request is well-formed and still fails (docs/apple-protocol.md §7).
 */
export function signatureHexToBase64(hex: string): string {
	const clean = hex.trim()
	if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) {
		throw new MmcsError('preDownload', null, false, 'signature is not hex')
	}
	return bytesToBase64(hexToBytes(clean))
}

/**
 * The base64 signature of a received blob: converted from the hex `signature` when present
 * (what Apple's sample does), else `signature-base64` as given (IDRs carry both, docs/apple-protocol.md §5.3).
 */
export function locatorSignature(sig: { signature?: string | undefined; signatureBase64?: string | undefined }): string {
	if (sig.signature) return signatureHexToBase64(sig.signature)
	const b64 = sig.signatureBase64?.trim()
	if (b64 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return b64
	throw new MmcsError('preDownload', null, false, 'blob has neither a hex signature nor a base64 signature-base64')
}
