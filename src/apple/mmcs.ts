/**
 * Apple's blob transport (MMCS) as seen through the MSP gateway (spec apple-msp-core.md §1.2,
 * §5.2, §5.3; apple-msp-interactive.md §3.2):
 *
 * - `GET {gateway}/v1/preUpload` (JWT, `Source-Id`, `MMCS-Size`) → `{upload-url, mmcs-url, mmcs-owner}`
 * - `POST <upload-url>` (MMCS host, no JWT, `Content-Length`) → `{singleFile: {fileChecksum, …}}`
 * - `GET {gateway}/v1/preDownload` (JWT, `source-id`, `MMCS-Url`, `MMCS-Signature` = base64 of the
 *   hex signature, `MMCS-Owner`; on a 4xx once more with the bare `url`/`signature`/`owner` names
 *   that three independent implementations send, core §5.3 [U]) → `{download-url}`
 * - `GET <download-url>` (MMCS host, no JWT) → ciphertext
 * - `POST {gateway}/v1/decodePayload` (JWT, `source-id`, `bid`, body = decrypted IDR blob) → JSON
 *
 * Every call has a timeout, every JSON answer goes through zod, and every failure is an
 * MmcsError whose `retryable` says whether trying again can help: network errors, timeouts,
 * 429 and 5xx can; any other 4xx cannot (core §1.6, as the gateway client classifies /message).
 *
 * Pure protocol module: imports nothing outside src/apple/. Bytes are never buffered here
 * except the small JSON answers and the decodePayload body, which Apple needs in one piece.
 */
import { z } from 'zod'
import { gunzipCapped, isGzip, readCapped } from './body'
import { CtrPumpError } from './ctr-pump'
import { bytesToBase64, hexToBytes } from './encoding'

/** Gateway calls answer small JSON; Apple times out at 30 s itself (core §1.3), we wait less. */
export const GATEWAY_TIMEOUT_MS = 20_000
/** A 100 MB transfer at a slow 1 MB/s still fits (core §1.5); the clock covers the whole body. */
export const TRANSFER_TIMEOUT_MS = 10 * 60_000
/** Cap on any JSON answer we read (they are a few hundred bytes; decodePayload a few MB at most). */
export const MAX_JSON_RESPONSE_BYTES = 16 * 1024 * 1024
/** How much of an error body we keep for logs and `message.failed`. */
const ERROR_EXCERPT_CHARS = 300

export type MmcsOperation = 'preUpload' | 'upload' | 'preDownload' | 'download' | 'decodePayload'

export interface MmcsClientConfig {
	/** `APPLE_GATEWAY_URL`, without `/v1` (e.g. `https://mspgw.push.apple.com`). */
	gatewayUrl: string
	/** The MSP → Apple bearer JWT (core §2.3); called once per gateway request. */
	token: () => Promise<string>
	/** Apple business id, sent as `Source-Id` / `source-id`. */
	businessId: string
	/** Defaults to the global fetch, looked up per call so test doubles installed later apply. */
	fetch?: typeof fetch
	/** Accept `http:` upload/download URLs (development and the simulator only). */
	allowHttp?: boolean
	gatewayTimeoutMs?: number
	transferTimeoutMs?: number
}

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
	/** Goes into the attachment dictionary as `url` (core §5.2 step 4). */
	mmcsUrl: string
	/** Goes into the attachment dictionary as `owner`. */
	mmcsOwner: string
}

export interface UploadReceipt {
	/** Base64; the attachment's `signature-base64` (core §5.2 step 4). The MSP never computes it. */
	fileChecksum: string
	size: number | null
	receipt: string | null
}

/** Where a received blob lives (attachment or interactiveDataRef, core §5.3 step 1). */
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

const PreUploadResponse = z
	.object({ 'upload-url': z.string().min(1), 'mmcs-url': z.string().min(1), 'mmcs-owner': z.string().min(1) })
	.passthrough()

const UploadResponse = z
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

const PreDownloadResponse = z.object({ 'download-url': z.string().min(1) }).passthrough()

const JsonObject = z.record(z.string(), z.unknown())

/**
 * Inbound signatures arrive as hex; preDownload wants the same bytes as standard base64
 * (core §5.3 step 2, A-SMP `b64encode(b16decode(hex))`). Hex is decoded case-insensitively.
 * Sending the hex itself is the FAQ's classic pitfall: hex is valid base64 text, so the
 * request is well-formed and still fails (core §7).
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
 * (what Apple's sample does), else `signature-base64` as given (IDRs carry both, core §5.3).
 */
export function locatorSignature(sig: { signature?: string | undefined; signatureBase64?: string | undefined }): string {
	if (sig.signature) return signatureHexToBase64(sig.signature)
	const b64 = sig.signatureBase64?.trim()
	if (b64 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return b64
	throw new MmcsError('preDownload', null, false, 'blob has neither a hex signature nor a base64 signature-base64')
}

export class MmcsClient {
	constructor(private readonly cfg: MmcsClientConfig) {}

	/** Reserve an upload slot for `size` bytes of ciphertext (core §5.2 step 2). */
	async preUpload(size: number): Promise<UploadSlot> {
		assertSize(size, 'preUpload')
		const res = await this.call('preUpload', this.gateway('/v1/preUpload'), {
			method: 'GET',
			headers: { ...(await this.auth('preUpload')), 'Source-Id': this.cfg.businessId, 'MMCS-Size': String(size) },
		})
		await ensureOk('preUpload', res)
		const slot = await readJson('preUpload', res, PreUploadResponse)
		return {
			uploadUrl: this.blobUrl('preUpload', slot['upload-url']),
			mmcsUrl: slot['mmcs-url'],
			mmcsOwner: slot['mmcs-owner'],
		}
	}

	/**
	 * POST exactly `size` bytes of ciphertext to the slot's upload URL (core §5.2 step 3). The
	 * body is a FixedLengthStream, so the request carries `Content-Length` instead of chunked
	 * encoding, and a body shorter or longer than `size` fails the upload. `body` is either a
	 * stream of ciphertext or a function that writes it into the request (e.g. aesCtrPump from
	 * an R2 object), which spares a stream hop per chunk.
	 */
	async uploadCiphertext(uploadUrl: string, body: ReadableStream<Uint8Array> | CiphertextWriter, size: number): Promise<UploadReceipt> {
		assertSize(size, 'upload')
		const url = this.blobUrl('upload', uploadUrl)
		const write: CiphertextWriter = typeof body === 'function' ? body : (sink) => copyInto(body, sink)
		const timeoutMs = this.cfg.transferTimeoutMs ?? TRANSFER_TIMEOUT_MS
		if (size === 0) {
			// workerd can leave a zero-length FixedLengthStream hanging: check the producer writes
			// nothing, then send an empty body.
			await write(new WritableStream<Uint8Array>({ write: (c) => assertEmpty(c) })).catch((err: unknown) => {
				throw producerFailure(err)
			})
			const res = await this.call('upload', url, { method: 'POST', headers: OCTETS, body: new Uint8Array(0) }, timeoutMs)
			return receiptOf(res)
		}
		const fixed = new FixedLengthStream(size)
		let producerError: unknown = null
		const producing = write(fixed.writable).then(
			() => undefined,
			(err: unknown) => {
				producerError = err
			},
		)
		let res: Response
		try {
			res = await this.call('upload', url, { method: 'POST', headers: OCTETS, body: fixed.readable }, timeoutMs)
		} catch (err) {
			// A failing producer (e.g. the R2 read) surfaces as a failed fetch: report the cause.
			await settle(producing)
			if (producerError && !isSinkSide(producerError)) throw producerFailure(producerError)
			throw err
		}
		// Apple answers after reading the whole body, so on success the producer is done.
		await settle(producing)
		if (res.ok && producerError) {
			await res.body?.cancel().catch(() => {})
			throw producerFailure(producerError)
		}
		return receiptOf(res)
	}

	/**
	 * A temporary download URL for a received blob (core §5.3 step 3). Apple's samples send
	 * `MMCS-Url`/`MMCS-Signature`/`MMCS-Owner`; when that is refused with a 4xx we try once
	 * with the bare `url`/`signature`/`owner` (PRODUCT.md "Protocol decisions"). A 429 is a
	 * rate limit, not a naming problem, so it is not retried under other names.
	 */
	async preDownload(blob: BlobLocator): Promise<{ downloadUrl: string; headerStyle: 'mmcs' | 'bare' }> {
		const first = await this.preDownloadOnce(blob, 'mmcs')
		let res = first
		let headerStyle: 'mmcs' | 'bare' = 'mmcs'
		if (first.status >= 400 && first.status < 500 && first.status !== 429) {
			await first.body?.cancel().catch(() => {})
			res = await this.preDownloadOnce(blob, 'bare')
			headerStyle = 'bare'
		}
		await ensureOk('preDownload', res)
		const answer = await readJson('preDownload', res, PreDownloadResponse)
		return { downloadUrl: this.blobUrl('preDownload', answer['download-url']), headerStyle }
	}

	/**
	 * GET the ciphertext (core §5.3 step 4). The body is handed back unread: the caller
	 * streams it through the size check and the decryption. The timeout keeps running while
	 * the body is read.
	 */
	async downloadCiphertext(downloadUrl: string): Promise<Download> {
		const res = await this.call(
			'download',
			this.blobUrl('download', downloadUrl),
			// A CDN in front of MMCS may redirect; Apple's sample client follows redirects.
			{ method: 'GET', redirect: 'follow' },
			this.cfg.transferTimeoutMs ?? TRANSFER_TIMEOUT_MS,
		)
		await ensureOk('download', res)
		const declared = res.headers.get('content-length')
		// An empty file may come back without a body at all.
		const body = res.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() })
		return { body, contentLength: declared !== null && /^\d+$/.test(declared) ? Number(declared) : null }
	}

	/**
	 * Turn a decrypted interactiveDataRef blob into the interactive JSON (interactive §3.2
	 * step 4): the bytes are posted exactly as decrypted, as Apple's sample does ([U]: TOCK
	 * gunzips first). The answer's root is either the interactiveData dictionary (SPASIU, TOCK)
	 * or `{interactiveData: …}` (PYX1); both are accepted and the dictionary is returned.
	 */
	async decodePayload(bid: string, bytes: Uint8Array): Promise<Record<string, unknown>> {
		const res = await this.call('decodePayload', this.gateway('/v1/decodePayload'), {
			method: 'POST',
			headers: {
				...(await this.auth('decodePayload')),
				'source-id': this.cfg.businessId,
				bid,
				accept: '*/*',
				'accept-encoding': 'gzip, deflate',
				'content-type': 'application/octet-stream',
			},
			body: bytes,
		})
		await ensureOk('decodePayload', res)
		const root = await readJson('decodePayload', res, JsonObject)
		const wrapped = root.interactiveData
		if (wrapped && typeof wrapped === 'object' && !Array.isArray(wrapped) && !('data' in root)) {
			return wrapped as Record<string, unknown>
		}
		return root
	}

	private preDownloadOnce(blob: BlobLocator, style: 'mmcs' | 'bare'): Promise<Response> {
		return this.auth('preDownload').then((auth) =>
			this.call('preDownload', this.gateway('/v1/preDownload'), {
				method: 'GET',
				headers:
					style === 'mmcs'
						? { ...auth, 'source-id': this.cfg.businessId, 'MMCS-Url': blob.url, 'MMCS-Signature': blob.signatureBase64, 'MMCS-Owner': blob.owner }
						: { ...auth, 'source-id': this.cfg.businessId, url: blob.url, signature: blob.signatureBase64, owner: blob.owner },
			}),
		)
	}

	private gateway(path: string): string {
		return new URL(path, this.cfg.gatewayUrl).toString()
	}

	private async auth(op: MmcsOperation): Promise<{ authorization: string }> {
		try {
			return { authorization: `Bearer ${await this.cfg.token()}` }
		} catch (err) {
			// Minting needs only the configured secret; a failure is a misconfiguration, so
			// retrying the blob would not help.
			throw new MmcsError(op, null, false, `no token for the gateway: ${describe(err)}`)
		}
	}

	/**
	 * Upload and download URLs come from Apple's answers (MMCS/iCloud hosts, core §5.2): they
	 * must be absolute https URLs (http only in development).
	 */
	private blobUrl(op: MmcsOperation, raw: string): string {
		let url: URL
		try {
			url = new URL(raw)
		} catch {
			throw new MmcsError(op, null, true, 'Apple answered with an invalid URL')
		}
		if (url.protocol !== 'https:' && !(this.cfg.allowHttp && url.protocol === 'http:')) {
			throw new MmcsError(op, null, false, `refusing a ${url.protocol} blob URL`)
		}
		return url.toString()
	}

	private async call(op: MmcsOperation, url: string, init: RequestInit, timeoutMs?: number): Promise<Response> {
		const doFetch = this.cfg.fetch ?? globalThis.fetch
		try {
			return await doFetch(url, {
				redirect: 'manual',
				...init,
				signal: AbortSignal.timeout(timeoutMs ?? this.cfg.gatewayTimeoutMs ?? GATEWAY_TIMEOUT_MS),
			})
		} catch (err) {
			// Network failure or our timeout: nothing was decided by Apple, try again later.
			throw new MmcsError(op, null, true, describe(err))
		}
	}
}

/**
 * Writes the whole ciphertext into `sink` and closes it; on failure aborts it and rejects. The
 * sink is the request's FixedLengthStream (a native stream that copies what it is written).
 */
export type CiphertextWriter = (sink: WritableStream<Uint8Array>) => Promise<unknown>

const OCTETS = { 'content-type': 'application/octet-stream' }

async function receiptOf(res: Response): Promise<UploadReceipt> {
	await ensureOk('upload', res)
	const receipt = (await readJson('upload', res, UploadResponse)).singleFile
	return { fileChecksum: receipt.fileChecksum, size: receipt.size ?? null, receipt: receipt.receipt ?? null }
}

function producerFailure(err: unknown): MmcsError {
	return new MmcsError('upload', null, true, `producing the ciphertext failed: ${describe(err)}`)
}

/** A CtrPumpError of the sink side only echoes the failed request; anything else is the cause. */
function isSinkSide(err: unknown): boolean {
	return err instanceof CtrPumpError && err.side === 'sink'
}

function assertEmpty(chunk: Uint8Array): void {
	if (chunk.byteLength > 0) throw new Error('ciphertext is longer than the announced 0 bytes')
}

/** Wait for a promise that settles on its own, but never hang on one that does not. */
async function settle(p: Promise<unknown>, ms = 5_000): Promise<void> {
	let timer: ReturnType<typeof setTimeout> | undefined
	await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
	if (timer !== undefined) clearTimeout(timer)
}

/**
 * Copy a stream into a sink by hand: workerd cannot pipeTo() between two of its identity
 * streams ("Inter-TransformStream ReadableStream.pipeTo() is not implemented").
 */
async function copyInto(source: ReadableStream<Uint8Array>, sink: WritableStream<Uint8Array>): Promise<void> {
	const reader = source.getReader()
	const writer = sink.getWriter()
	try {
		for (;;) {
			const { done, value } = await reader.read()
			if (done) break
			await writer.write(value)
		}
		await writer.close()
	} catch (err) {
		await writer.abort(err).catch(() => {})
		await reader.cancel(err).catch(() => {})
		throw err
	}
}

async function ensureOk(op: MmcsOperation, res: Response): Promise<void> {
	if (res.status >= 200 && res.status < 300) return
	const text = await res.text().catch(() => '')
	const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, ERROR_EXCERPT_CHARS)
	const retryable = res.status === 429 || res.status >= 500 || (res.status >= 300 && res.status < 400)
	const ra = res.headers.get('retry-after')
	throw new MmcsError(
		op,
		res.status,
		retryable,
		`Apple answered ${res.status}${excerpt ? `: ${excerpt}` : ''}`,
		ra && /^\d+$/.test(ra) ? Number(ra) : null,
	)
}

/**
 * Read a small JSON answer with a cap, gunzipping when the bytes are gzip (we advertise
 * `accept-encoding: gzip` on decodePayload, core §1.4), and validate it with zod. An answer we
 * cannot use is treated as transient: a proxy's error page or a cut body, not Apple's verdict.
 */
async function readJson<S extends z.ZodType>(op: MmcsOperation, res: Response, schema: S): Promise<z.output<S>> {
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

function assertSize(size: number, op: MmcsOperation): void {
	if (!Number.isSafeInteger(size) || size < 0) throw new MmcsError(op, null, false, `invalid size ${size}`)
}

function describe(err: unknown): string {
	return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
