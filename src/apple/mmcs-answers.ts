/**
 * Reading Apple's answers to MMCS calls: status classification (network errors, timeouts, 429
 * and 5xx are retryable; any other 4xx is final, docs/apple-protocol.md §1.6) and capped, zod-validated JSON.
 */
import { z } from 'zod'
import { gunzipCapped, isGzip, readCapped } from './body'
import { MmcsError, type MmcsOperation, type UploadReceipt } from './mmcs-types'

/** Cap on any JSON answer we read (they are a few hundred bytes; decodePayload a few MB at most). */
export const MAX_JSON_RESPONSE_BYTES = 16 * 1024 * 1024
/** How much of an error body we keep for logs and `message.failed`. */
const ERROR_EXCERPT_CHARS = 300

export const PreUploadResponse = z.object({ 'upload-url': z.string().min(1), 'mmcs-url': z.string().min(1), 'mmcs-owner': z.string().min(1) }).passthrough()

export const UploadResponse = z
	.object({
		singleFile: z
			.object({
				fileChecksum: z.string().min(1),
				size: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
				receipt: z.string().optional(),
			})
			.passthrough(),
	})
	.passthrough()

export const PreDownloadResponse = z.object({ 'download-url': z.string().min(1) }).passthrough()

export const JsonObject = z.record(z.string(), z.unknown())

export async function receiptOf(res: Response): Promise<UploadReceipt> {
	await ensureOk('upload', res)
	const receipt = (await readJson('upload', res, UploadResponse)).singleFile
	return { fileChecksum: receipt.fileChecksum, size: receipt.size ?? null, receipt: receipt.receipt ?? null }
}

export async function ensureOk(op: MmcsOperation, res: Response): Promise<void> {
	if (res.status >= 200 && res.status < 300) return
	const text = await res.text().catch(() => '')
	const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, ERROR_EXCERPT_CHARS)
	const retryable = res.status === 429 || res.status >= 500 || (res.status >= 300 && res.status < 400)
	const ra = res.headers.get('retry-after')
	throw new MmcsError(op, res.status, retryable, `Apple answered ${res.status}${excerpt ? `: ${excerpt}` : ''}`, ra && /^\d+$/.test(ra) ? Number(ra) : null)
}

/**
 * Read a small JSON answer with a cap, gunzipping when the bytes are gzip (we advertise
 * `accept-encoding: gzip` on decodePayload, docs/apple-protocol.md §1.4), and validate it with zod. An answer we
 * cannot use is treated as transient: a proxy's error page or a cut body, not Apple's verdict.
 */
export async function readJson<S extends z.ZodType>(op: MmcsOperation, res: Response, schema: S): Promise<z.output<S>> {
	let bytes: Uint8Array
	try {
		bytes = res.body ? await readCapped(res.body, MAX_JSON_RESPONSE_BYTES) : new Uint8Array()
		if (isGzip(bytes)) bytes = await gunzipCapped(bytes, MAX_JSON_RESPONSE_BYTES)
	} catch (err) {
		throw new MmcsError(op, res.status, true, `unreadable answer: ${describe(err)}`)
	}
	let json: unknown
	try {
		json = JSON.parse(new TextDecoder().decode(bytes))
	} catch {
		throw new MmcsError(op, res.status, true, 'answer is not JSON')
	}
	const parsed = schema.safeParse(json)
	if (!parsed.success) {
		const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
		throw new MmcsError(op, res.status, true, `unexpected answer (${issues.join('; ')})`)
	}
	return parsed.data
}

export function assertSize(size: number, op: MmcsOperation): void {
	if (!Number.isSafeInteger(size) || size < 0) throw new MmcsError(op, null, false, `invalid size ${size}`)
}

export function describe(err: unknown): string {
	return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
