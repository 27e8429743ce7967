/**
 * The attachment transport (docs/apple-protocol.md §5.2, §5.3):
 * - `GET /v1/preUpload` (JWT, `Source-Id`, `MMCS-Size`) → `{upload-url, mmcs-url, mmcs-owner}`
 * - `POST <upload-url>` (no JWT) streams exactly MMCS-Size bytes → `{singleFile: {fileChecksum, size, receipt}}`
 * - `GET /v1/preDownload` (JWT, `source-id`, `MMCS-Url`/`MMCS-Signature`/`MMCS-Owner`, or the
 *   bare `url`/`signature`/`owner` some implementations send) → `{download-url}`; the signature
 *   must be BASE64 of the checksum — hex is the FAQ's #1 pitfall (§7) and is refused.
 * - `GET <download-url>` streams the ciphertext.
 */
import { Hono, type Context } from 'hono'
import type { SimBindings } from '../env'
import { simConfig, simState } from '../env'
import { decodeBase64Strict, randomHex } from '../lib/bytes'
import { reject, type Rejection } from '../lib/rejection'
import { BlobSizeError, putBlobStream, r2Key } from '../mmcs/blob-store'
import { mmcsUrl, newBlobId, newOwner, signedUrl, verifySignedUrl } from '../mmcs/urls'
import { checkMspToken } from './jwt-check'
import { respondRejected } from './request-log'

/** 100 MB per file (docs/apple-protocol.md §1.5) read generously as 100 MiB, plus 1 MiB of slack. */
export const MAX_BLOB_BYTES = 100 * 1024 * 1024 + 1024 * 1024

export const gatewayMmcsRoutes = new Hono<SimBindings>()
export const mmcsHostRoutes = new Hono<SimBindings>()

async function authFailure(c: Context<SimBindings>): Promise<Rejection | null> {
	const config = simConfig(c.env)
	return checkMspToken(c.req.header('authorization'), { mspId: config.MSP_ID, secret: config.APPLE_API_SECRET })
}

gatewayMmcsRoutes.get('/preUpload', async (c) => {
	const denied = await authFailure(c)
	if (denied) return respondRejected(c, denied, null)
	const sourceId = c.req.header('source-id')
	if (!sourceId) return respondRejected(c, reject(400, 'header_missing', 'header Source-Id is required'), null)
	const sizeHeader = c.req.header('mmcs-size')
	if (!sizeHeader || !/^\d+$/.test(sizeHeader.trim())) {
		return respondRejected(c, reject(400, 'preupload_size', 'header MMCS-Size (bytes of the encrypted file) is required'), null)
	}
	const size = Number(sizeHeader.trim())
	if (size < 1 || size > MAX_BLOB_BYTES) {
		return respondRejected(c, reject(400, 'preupload_size', `MMCS-Size must be between 1 and ${MAX_BLOB_BYTES} bytes (100 MB per file)`), null)
	}
	const config = simConfig(c.env)
	const id = newBlobId()
	const blob = await simState(c.env).reserveBlob({
		id,
		url: mmcsUrl(config, id),
		owner: newOwner(),
		businessId: sourceId,
		origin: 'msp-upload',
		expectedSize: size,
	})
	return c.json({ 'upload-url': await signedUrl(config, 'upload', id), 'mmcs-url': blob.url, 'mmcs-owner': blob.owner })
})

mmcsHostRoutes.post('/upload/:id', async (c) => {
	const config = simConfig(c.env)
	const id = c.req.param('id')
	const who = { customerId: null, businessId: null }
	const check = await verifySignedUrl(config, 'upload', id, c.req.query('exp'), c.req.query('sig'))
	if (check !== 'ok') return respondRejected(c, reject(403, 'upload_url_invalid', `upload-url is ${check}`), null, who)
	const state = simState(c.env)
	const blob = await state.getBlob(id)
	if (!blob) return respondRejected(c, reject(404, 'upload_url_invalid', 'no such upload slot'), null, who)
	const owner = { customerId: null, businessId: blob.businessId }
	if (blob.state !== 'reserved') {
		return respondRejected(c, reject(409, 'upload_already_done', 'this upload-url was already used; call preUpload again'), null, owner)
	}
	const declared = c.req.header('content-length')
	if (declared !== undefined && Number(declared) !== blob.expectedSize) {
		return respondRejected(
			c,
			reject(400, 'upload_size_mismatch', `Content-Length ${declared} differs from the MMCS-Size ${blob.expectedSize} given to preUpload`),
			null,
			owner,
		)
	}
	if (!c.req.raw.body) return respondRejected(c, reject(400, 'upload_size_mismatch', 'upload body is empty'), null, owner)
	let stored
	try {
		stored = await putBlobStream(c.env, id, c.req.raw.body, blob.expectedSize)
	} catch (err) {
		if (!(err instanceof BlobSizeError)) throw err
		return respondRejected(c, reject(400, 'upload_size_mismatch', `upload sent ${err.message}; MMCS-Size was ${blob.expectedSize}`), null, owner)
	}
	if (!(await state.completeBlob(id, stored.size, stored.checksumBase64))) {
		return respondRejected(c, reject(409, 'upload_already_done', 'this upload-url was already used'), null, owner)
	}
	return c.json({ singleFile: { fileChecksum: stored.checksumBase64, size: stored.size, receipt: randomHex(16) } })
})

gatewayMmcsRoutes.get('/preDownload', async (c) => {
	const denied = await authFailure(c)
	if (denied) return respondRejected(c, denied, null)
	const sourceId = c.req.header('source-id')
	if (!sourceId) return respondRejected(c, reject(400, 'header_missing', 'header source-id is required'), null)
	// Apple's samples send MMCS-*; three implementations send bare names (docs/apple-protocol.md §5.3): both accepted.
	const url = c.req.header('mmcs-url') ?? c.req.header('url')
	const signature = c.req.header('mmcs-signature') ?? c.req.header('signature')
	const owner = c.req.header('mmcs-owner') ?? c.req.header('owner')
	if (!url || !signature || !owner) {
		return respondRejected(c, reject(400, 'predownload_header_missing', 'MMCS-Url, MMCS-Signature and MMCS-Owner are required'), null)
	}
	if (/^[0-9a-fA-F]{42}$/.test(signature)) {
		return respondRejected(
			c,
			reject(
				400,
				'predownload_signature_hex',
				'MMCS-Signature is hex; convert the hex signature to bytes and send them base64-encoded (docs/apple-protocol.md §5.3, §7)',
			),
			null,
		)
	}
	let sigBytes: Uint8Array
	try {
		sigBytes = decodeBase64Strict(signature)
	} catch {
		return respondRejected(c, reject(400, 'predownload_signature_format', 'MMCS-Signature must be standard base64'), null)
	}
	const blob = await simState(c.env).findBlob(url)
	if (!blob || blob.state !== 'uploaded' || blob.owner !== owner || (blob.businessId !== null && blob.businessId !== sourceId)) {
		return respondRejected(c, reject(404, 'predownload_unknown_blob', 'no such MMCS object for this url/owner/business'), null)
	}
	if (blob.checksum !== signature && decodeBase64Strict(blob.checksum ?? '').join() !== sigBytes.join()) {
		return respondRejected(c, reject(400, 'predownload_signature_mismatch', 'MMCS-Signature does not match the object'), null)
	}
	return c.json({ 'download-url': await signedUrl(simConfig(c.env), 'download', blob.id) })
})

mmcsHostRoutes.get('/download/:id', async (c) => {
	const id = c.req.param('id')
	const check = await verifySignedUrl(simConfig(c.env), 'download', id, c.req.query('exp'), c.req.query('sig'))
	if (check !== 'ok') {
		return respondRejected(c, reject(403, 'download_url_invalid', `download-url is ${check}; call preDownload again`), null, {})
	}
	const obj = await c.env.BLOBS.get(r2Key(id))
	if (!obj) return respondRejected(c, reject(404, 'download_url_invalid', 'object is gone'), null, {})
	return new Response(obj.body, {
		headers: { 'content-type': 'application/octet-stream', 'content-length': String(obj.size) },
	})
})

mmcsHostRoutes.get('/object/:id', (c) =>
	respondRejected(c, reject(403, 'mmcs_url_direct', 'an mmcs url is not downloadable as such: call GET /v1/preDownload for a download-url'), null, {}),
)
