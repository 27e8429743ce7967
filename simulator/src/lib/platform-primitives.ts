/**
 * The only place the simulator borrows code from the MSP: byte encodings and the AES-256-CTR
 * primitive (docs/apple-protocol.md §5.1). Everything that decides what Apple *accepts* is
 * written again in simulator/src/gateway from the spec, so a mistake in the platform's own
 * schemas or JWT handling cannot be mirrored here.
 */
export { bytesToBase64, bytesToHex, hexToBytes } from '../../../src/apple/encoding'
export {
	aesCtrOneShot,
	aesCtrStream,
	formatAttachmentKey,
	newAttachmentKey,
	parseAttachmentKey,
} from '../../../src/apple/attachment-cipher'
