/**
 * The MMCS records that cross module boundaries: the operation names, the error every failed
 * step throws, and what each step hands back (mmcs.ts is the client).
 */
export type MmcsOperation = 'preUpload' | 'upload' | 'preDownload' | 'download' | 'decodePayload'

/** A failed MMCS step; `retryable` is false only when Apple answered with a final 4xx. */
export class MmcsError extends Error {
	constructor(
		readonly operation: MmcsOperation,
		/** HTTP status, or null for network errors, timeouts and unusable answers. */
		readonly status: number | null,
		readonly retryable: boolean,
		message: string,
		readonly retryAfterSeconds: number | null = null,
	) {
		super(`${operation}: ${message}`)
		this.name = 'MmcsError'
	}
}

export interface UploadSlot {
	uploadUrl: string
	/** Goes into the attachment dictionary as `url` (docs/apple-protocol.md §5.2 step 4). */
	mmcsUrl: string
	/** Goes into the attachment dictionary as `owner`. */
	mmcsOwner: string
}

export interface UploadReceipt {
	/** Base64; the attachment's `signature-base64` (docs/apple-protocol.md §5.2 step 4). The MSP never computes it. */
	fileChecksum: string
	size: number | null
	receipt: string | null
}

/** Where a received blob lives (attachment or interactiveDataRef, docs/apple-protocol.md §5.3 step 1). */
export interface BlobLocator {
	url: string
	owner: string
	/** Standard base64 of the checksum; see signatureHexToBase64. */
	signatureBase64: string
}

export interface Download {
	body: ReadableStream<Uint8Array>
	/** The answer's Content-Length, when it sent one. */
	contentLength: number | null
}

/**
 * Writes the whole ciphertext into `sink` and closes it; on failure aborts it and rejects. The
 * sink is the request's FixedLengthStream (a native stream that copies what it is written).
 */
export type CiphertextWriter = (sink: WritableStream<Uint8Array>) => Promise<unknown>
