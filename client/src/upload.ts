/**
 * `POST /v1/attachments`: the bytes go out as the request body, streamed, never buffered by
 * the client. A size known before sending (a Blob, a buffer, or `length` for a stream) above
 * 100 MiB is refused before any request; a stream of unknown length is counted on the way
 * and the upload aborted once it passes the limit (the server would refuse it too).
 */
import { AmbAttachmentTooLargeError, AmbConnectionError } from './errors.ts'
import { readJson, type Transport } from './http.ts'
import type { Attachment } from './types/api.ts'

/** The platform's limit (100 MiB). */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024

export type UploadData = ReadableStream<Uint8Array> | Blob | ArrayBuffer | ArrayBufferView<ArrayBuffer>

export interface UploadOptions {
	/** The file's type; defaults to a Blob's `type`, else the server sniffs it. */
	contentType?: string
	/** The file name shown to the customer. */
	name?: string
	/** The size of a stream, when known: checked before sending and sent as Content-Length. */
	length?: number
	signal?: AbortSignal
}

/** The byte count of `data` if it can be known without reading it. */
export function knownLength(data: UploadData, declared?: number): number | null {
	if (declared !== undefined) return declared
	if (data instanceof ArrayBuffer) return data.byteLength
	if (ArrayBuffer.isView(data)) return data.byteLength
	if (typeof Blob !== 'undefined' && data instanceof Blob) return data.size
	return null
}

export async function uploadAttachment(http: Transport, data: UploadData, options: UploadOptions = {}): Promise<Attachment> {
	const length = knownLength(data, options.length)
	if (length !== null && (!Number.isSafeInteger(length) || length < 0)) throw new RangeError(`length must be a non-negative integer, not ${length}`)
	if (length !== null && length > MAX_ATTACHMENT_BYTES) throw new AmbAttachmentTooLargeError(length, MAX_ATTACHMENT_BYTES)

	const headers: Record<string, string> = {}
	const contentType = options.contentType ?? (typeof Blob !== 'undefined' && data instanceof Blob && data.type ? data.type : undefined)
	if (contentType) headers['content-type'] = contentType
	let body: BodyInit
	const counter = { bytes: 0, over: false }
	if (data instanceof ReadableStream) {
		// Where the runtime lets us (Node, Workers), a declared length lets the server take the stream as is.
		if (length !== null) headers['content-length'] = String(length)
		body = data.pipeThrough(countingStream(counter))
	} else {
		body = data
	}
	try {
		return await http.call(
			{ method: 'POST', path: '/v1/attachments', query: { name: options.name }, headers, body, signal: options.signal },
			readJson<Attachment>,
		)
	} catch (err) {
		if (counter.over || (err instanceof AmbConnectionError && err.cause instanceof AmbAttachmentTooLargeError)) {
			throw new AmbAttachmentTooLargeError(counter.bytes, MAX_ATTACHMENT_BYTES)
		}
		throw err
	}
}

/** Passes bytes through, erroring the stream once more than the limit went by. */
function countingStream(counter: { bytes: number; over: boolean }): TransformStream<Uint8Array, Uint8Array> {
	return new TransformStream({
		transform(chunk, controller) {
			counter.bytes += chunk.byteLength
			if (counter.bytes > MAX_ATTACHMENT_BYTES) {
				counter.over = true
				controller.error(new AmbAttachmentTooLargeError(counter.bytes, MAX_ATTACHMENT_BYTES))
				return
			}
			controller.enqueue(chunk)
		},
	})
}
