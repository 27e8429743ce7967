/**
 * Reading Apple's request bodies safely (docs/apple-protocol.md §1.4–1.5): a cap on the
 * bytes on the wire, checked before and while (or right after) reading, and gunzip — when
 * the header says gzip or the body starts with the gzip magic bytes — with its own cap on the
 * inflated size (zlib's `maxOutputLength`), so a zip bomb stops at the cap instead of filling
 * the isolate's memory.
 */
import { gunzipSync } from 'node:zlib'
import { concatBytes } from './encoding'

export class BodyError extends Error {
	constructor(
		readonly kind: 'too_large' | 'inflated_too_large' | 'bad_gzip' | 'bad_json',
		message: string,
	) {
		super(message)
		this.name = 'BodyError'
	}
}

/** Read at most `cap` bytes of a stream; throws BodyError('too_large') beyond it. */
export async function readCapped(stream: ReadableStream<Uint8Array>, cap: number, kind: 'too_large' | 'inflated_too_large' = 'too_large'): Promise<Uint8Array> {
	const reader = stream.getReader()
	const chunks: Uint8Array[] = []
	let total = 0
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		total += value.byteLength
		if (total > cap) {
			await reader.cancel().catch(() => {})
			throw new BodyError(kind, `body exceeds ${cap} bytes`)
		}
		chunks.push(value)
	}
	return concatBytes(chunks, total)
}

export const isGzip = (b: Uint8Array) => b.byteLength >= 2 && b[0] === 0x1f && b[1] === 0x8b

/**
 * Inflate a gzip buffer, stopping at `inflatedCap` bytes: zlib's `maxOutputLength` aborts the
 * inflation there instead of producing the rest (about twice as fast as a
 * DecompressionStream for Apple's small bodies; docs/performance.md "Where the time goes").
 */
export async function gunzipCapped(gz: Uint8Array, inflatedCap: number): Promise<Uint8Array> {
	try {
		return new Uint8Array(gunzipSync(gz, { maxOutputLength: inflatedCap }))
	} catch (err) {
		if (err instanceof RangeError || (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
			throw new BodyError('inflated_too_large', `body exceeds ${inflatedCap} bytes`)
		}
		throw new BodyError('bad_gzip', 'body is not valid gzip')
	}
}

export interface BodyLimits {
	maxBytes: number
	maxInflatedBytes: number
}

/**
 * The JSON body of an Apple request: checks Content-Length first, reads with the cap,
 * gunzips when flagged or detected, parses JSON. Throws BodyError.
 */
export async function readAppleJson(req: Request, limits: BodyLimits): Promise<unknown> {
	const header = req.headers.get('content-length')
	const declared = header !== null && /^\d{1,15}$/.test(header) ? Number(header) : null
	if (declared !== null && declared > limits.maxBytes) {
		throw new BodyError('too_large', `body exceeds ${limits.maxBytes} bytes`)
	}
	if (!req.body) throw new BodyError('bad_json', 'empty body')
	// A well-formed declared length is what the runtime delivers (HTTP framing), already checked
	// against the cap: one read, checked again after. Otherwise (chunked, or a header that is not
	// a number) read with the cap as the bytes come.
	let bytes = declared !== null ? new Uint8Array(await req.arrayBuffer()) : await readCapped(req.body, limits.maxBytes)
	if (bytes.byteLength > limits.maxBytes) throw new BodyError('too_large', `body exceeds ${limits.maxBytes} bytes`)
	const encoding = req.headers.get('content-encoding')?.toLowerCase()
	if (encoding === 'gzip' || isGzip(bytes)) {
		bytes = await gunzipCapped(bytes, limits.maxInflatedBytes)
	}
	try {
		return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
	} catch {
		throw new BodyError('bad_json', 'body is not valid UTF-8 JSON')
	}
}
