/**
 * Apple's blob transport (MMCS) as seen through the MSP gateway (docs/apple-protocol.md §1.2,
 * §5.2, §5.3; docs/apple-interactive.md §3.2):
 *
 * - `GET {gateway}/v1/preUpload` (JWT, `Source-Id`, `MMCS-Size`) → `{upload-url, mmcs-url, mmcs-owner}`
 * - `POST <upload-url>` (MMCS host, no JWT, `Content-Length`) → `{singleFile: {fileChecksum, …}}`
 * - `GET {gateway}/v1/preDownload` (JWT, `source-id`, `MMCS-Url`, `MMCS-Signature` = base64 of the
 *   hex signature, `MMCS-Owner`; on a 4xx once more with the bare `url`/`signature`/`owner` names
 *   that three independent implementations send, docs/apple-protocol.md §5.3 [U]) → `{download-url}`
 * - `GET <download-url>` (MMCS host, no JWT) → ciphertext
 * - `POST {gateway}/v1/decodePayload` (JWT, `source-id`, `bid`, body = decrypted IDR blob) → JSON
 *
 * Every call has a timeout, every JSON answer goes through zod, and every failure is an
 * MmcsError whose `retryable` says whether trying again can help: network errors, timeouts,
 * 429 and 5xx can; any other 4xx cannot (docs/apple-protocol.md §1.6, as the gateway client classifies /message).
 *
 * Pure protocol module: imports nothing outside src/apple/. Bytes are never buffered here
 * except the small JSON answers and the decodePayload body, which Apple needs in one piece.
 *
 * Siblings: mmcs-types.ts (MmcsError and the records), mmcs-signature.ts (hex → base64),
 * mmcs-answers.ts (reading and classifying Apple's answers).
 */
import { CtrPumpError } from './ctr-pump'
import { JsonObject, PreDownloadResponse, PreUploadResponse, assertSize, describe, ensureOk, readJson, receiptOf } from './mmcs-answers'
import { MmcsError, type BlobLocator, type CiphertextWriter, type Download, type MmcsOperation, type UploadReceipt, type UploadSlot } from './mmcs-types'

/** Gateway calls answer small JSON; Apple times out at 30 s itself (docs/apple-protocol.md §1.3), we wait less. */
export const GATEWAY_TIMEOUT_MS = 20_000
/** A 100 MB transfer at a slow 1 MB/s still fits (docs/apple-protocol.md §1.5); the clock covers the whole body. */
export const TRANSFER_TIMEOUT_MS = 10 * 60_000

export interface MmcsClientConfig {
	/** `APPLE_GATEWAY_URL`, without `/v1` (e.g. `https://mspgw.push.apple.com`). */
	gatewayUrl: string
	/** The MSP → Apple bearer JWT (docs/apple-protocol.md §2.3); called once per gateway request. */
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

export class MmcsClient {
	constructor(private readonly cfg: MmcsClientConfig) {}

	/** Reserve an upload slot for `size` bytes of ciphertext (docs/apple-protocol.md §5.2 step 2). */
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
	 * POST exactly `size` bytes of ciphertext to the slot's upload URL (docs/apple-protocol.md §5.2 step 3). The
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
	 * A temporary download URL for a received blob (docs/apple-protocol.md §5.3 step 3). Apple's samples send
	 * `MMCS-Url`/`MMCS-Signature`/`MMCS-Owner`; when that is refused with a 4xx we try once
	 * with the bare `url`/`signature`/`owner` (docs/product.md "Protocol decisions"). A 429 is a
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
	 * GET the ciphertext (docs/apple-protocol.md §5.3 step 4). The body is handed back unread: the caller
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
	 * Turn a decrypted interactiveDataRef blob into the interactive JSON (docs/apple-interactive.md §3.2
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
	 * Upload and download URLs come from Apple's answers (MMCS/iCloud hosts, docs/apple-protocol.md §5.2): they
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

const OCTETS = { 'content-type': 'application/octet-stream' }

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
