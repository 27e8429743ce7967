import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { aesCtrOneShot, bytesToBase64, bytesToHex, formatAttachmentKey, newAttachmentKey } from '../../src/lib/platform-primitives'
import { BUSINESS_ID, envelope, expectAccepted, expectRejected, fetchSim, gatewayGet, knownCustomer, send, state } from '../helpers/gateway'

async function checksumOf(ciphertext: Uint8Array): Promise<Uint8Array> {
	const sha1 = new Uint8Array(await crypto.subtle.digest('SHA-1', ciphertext))
	return Uint8Array.from([0x01, ...sha1])
}

async function encrypted(size: number) {
	const plain = new Uint8Array(size)
	// getRandomValues fills at most 64 KiB per call.
	for (let off = 0; off < size; off += 65_536) crypto.getRandomValues(plain.subarray(off, off + 65_536))
	const key = newAttachmentKey()
	return { plain, key: formatAttachmentKey(key), ciphertext: await aesCtrOneShot(key, plain) }
}

async function preUpload(size: number | string, sourceId = BUSINESS_ID) {
	const res = await gatewayGet('/v1/preUpload', { 'Source-Id': sourceId, 'MMCS-Size': String(size) })
	return res
}

async function upload(bytes: Uint8Array) {
	const res = await preUpload(bytes.byteLength)
	expect(res.status).toBe(200)
	const slot = (await res.json()) as { 'upload-url': string; 'mmcs-url': string; 'mmcs-owner': string }
	const up = await fetchSim(slot['upload-url'], { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
	expect(up.status).toBe(200)
	const answer = (await up.json()) as { singleFile: { fileChecksum: string; size: number; receipt: string } }
	return { slot, answer }
}

function attachment(e: { key: string }, slot: { 'mmcs-url': string; 'mmcs-owner': string }, sig: string, size: number | string) {
	return { name: 'photo.png', mimeType: 'image/png', size, 'signature-base64': sig, url: slot['mmcs-url'], owner: slot['mmcs-owner'], key: e.key }
}

describe('preUpload → upload → message → preDownload → download (docs/apple-protocol.md §5.2, §5.3)', () => {
	it('round-trips the ciphertext and answers the 0x01 ‖ SHA-1 checksum', async () => {
		const e = await encrypted(70_000)
		const { slot, answer } = await upload(e.ciphertext)
		expect(slot['upload-url']).toMatch(/^http:\/\/sim\.test\/mmcs\/upload\//)
		expect(answer.singleFile.size).toBe(70_000)
		expect(answer.singleFile.fileChecksum).toBe(bytesToBase64(await checksumOf(e.ciphertext)))

		const customer = await knownCustomer()
		const msg = envelope(customer, 'text', {
			body: 'Here is the photo: \uFFFC',
			attachments: [attachment(e, slot, answer.singleFile.fileChecksum, '70000')],
		})
		await expectAccepted(await send(msg))

		const pre = await gatewayGet('/v1/preDownload', {
			'source-id': BUSINESS_ID,
			'MMCS-Url': slot['mmcs-url'],
			'MMCS-Signature': answer.singleFile.fileChecksum,
			'MMCS-Owner': slot['mmcs-owner'],
		})
		expect(pre.status).toBe(200)
		const { 'download-url': downloadUrl } = (await pre.json()) as { 'download-url': string }
		const dl = await fetchSim(downloadUrl)
		expect(dl.status).toBe(200)
		expect(new Uint8Array(await dl.arrayBuffer())).toEqual(e.ciphertext)
	})

	it('accepts the bare url/signature/owner header names too', async () => {
		const e = await encrypted(1000)
		const { slot, answer } = await upload(e.ciphertext)
		const pre = await gatewayGet('/v1/preDownload', {
			'source-id': BUSINESS_ID,
			url: slot['mmcs-url'],
			signature: answer.singleFile.fileChecksum,
			owner: slot['mmcs-owner'],
		})
		expect(pre.status).toBe(200)
	})

	it('streams a multi-megabyte upload without a Content-Length', async () => {
		const size = 3 * 1024 * 1024 + 5
		const e = await encrypted(size)
		const res = await preUpload(size)
		const slot = (await res.json()) as { 'upload-url': string; 'mmcs-url': string }
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let off = 0; off < size; off += 65_536) controller.enqueue(e.ciphertext.slice(off, off + 65_536))
				controller.close()
			},
		})
		const up = await fetchSim(slot['upload-url'], { method: 'POST', body: stream })
		expect(up.status).toBe(200)
		const answer = (await up.json()) as { singleFile: { fileChecksum: string } }
		expect(answer.singleFile.fileChecksum).toBe(bytesToBase64(await checksumOf(e.ciphertext)))
		const blob = await state().findBlob(slot['mmcs-url'])
		expect(blob).toMatchObject({ state: 'uploaded', size })
	})

	it('400 when MMCS-Signature is the hex signature (docs/apple-protocol.md §7 pitfall)', async () => {
		const e = await encrypted(500)
		const { slot } = await upload(e.ciphertext)
		const pre = await gatewayGet('/v1/preDownload', {
			'source-id': BUSINESS_ID,
			'MMCS-Url': slot['mmcs-url'],
			'MMCS-Signature': bytesToHex(await checksumOf(e.ciphertext)),
			'MMCS-Owner': slot['mmcs-owner'],
		})
		await expectRejected(pre, 400, 'predownload_signature_hex')
	})

	it('404 on preDownload for another business', async () => {
		const e = await encrypted(500)
		const { slot, answer } = await upload(e.ciphertext)
		const pre = await gatewayGet('/v1/preDownload', {
			'source-id': 'another-business',
			'MMCS-Url': slot['mmcs-url'],
			'MMCS-Signature': answer.singleFile.fileChecksum,
			'MMCS-Owner': slot['mmcs-owner'],
		})
		await expectRejected(pre, 404, 'predownload_unknown_blob')
	})

	it('403 on an mmcs url fetched directly and on a tampered download url', async () => {
		const e = await encrypted(100)
		const { slot } = await upload(e.ciphertext)
		await expectRejected(await fetchSim(slot['mmcs-url']), 403, 'mmcs_url_direct')
		const id = slot['mmcs-url'].split('/').at(-1)
		await expectRejected(await fetchSim(`/mmcs/download/${id}?exp=9999999999&sig=${'0'.repeat(64)}`), 403, 'download_url_invalid')
	})

	it('401 on preUpload without a token; 400 without MMCS-Size', async () => {
		const res = await fetchSim('/v1/preUpload', { headers: { 'Source-Id': BUSINESS_ID, 'MMCS-Size': '10' } })
		await expectRejected(res, 401, 'auth_missing')
		await expectRejected(await gatewayGet('/v1/preUpload', { 'Source-Id': BUSINESS_ID }), 400, 'preupload_size')
		await expectRejected(await preUpload(200 * 1024 * 1024), 400, 'preupload_size')
	})
})

describe('upload size must match MMCS-Size', () => {
	it('400 when Content-Length differs, and nothing is stored', async () => {
		const res = await preUpload(100)
		const slot = (await res.json()) as { 'upload-url': string; 'mmcs-url': string }
		const up = await fetchSim(slot['upload-url'], { method: 'POST', body: new Uint8Array(90) })
		await expectRejected(up, 400, 'upload_size_mismatch')
		const blob = await state().findBlob(slot['mmcs-url'])
		expect(blob?.state).toBe('reserved')
		expect(await env.BLOBS.head(`mmcs/${blob?.id}`)).toBeNull()
	})

	it('400 when a streamed body runs past MMCS-Size, and nothing is stored', async () => {
		const res = await preUpload(1000)
		const slot = (await res.json()) as { 'upload-url': string; 'mmcs-url': string }
		const stream = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(new Uint8Array(600))
				c.enqueue(new Uint8Array(600))
				c.close()
			},
		})
		await expectRejected(await fetchSim(slot['upload-url'], { method: 'POST', body: stream }), 400, 'upload_size_mismatch')
		const blob = await state().findBlob(slot['mmcs-url'])
		expect(blob?.state).toBe('reserved')
		expect(await env.BLOBS.head(`mmcs/${blob?.id}`)).toBeNull()
	})

	it('400 when a streamed body stops short', async () => {
		const res = await preUpload(1000)
		const slot = (await res.json()) as { 'upload-url': string; 'mmcs-url': string }
		const stream = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(new Uint8Array(999))
				c.close()
			},
		})
		await expectRejected(await fetchSim(slot['upload-url'], { method: 'POST', body: stream }), 400, 'upload_size_mismatch')
		expect((await state().findBlob(slot['mmcs-url']))?.state).toBe('reserved')
	})

	it('409 on a second upload to the same url', async () => {
		const e = await encrypted(64)
		const { slot } = await upload(e.ciphertext)
		await expectRejected(await fetchSim(slot['upload-url'], { method: 'POST', body: e.ciphertext }), 409, 'upload_already_done')
	})
})

describe('attachment dictionaries (docs/apple-protocol.md §4.4)', () => {
	async function uploaded() {
		const e = await encrypted(2048)
		const { slot, answer } = await upload(e.ciphertext)
		return { e, slot, sig: answer.singleFile.fileChecksum }
	}

	it('400 when size is a number', async () => {
		const { e, slot, sig } = await uploaded()
		const customer = await knownCustomer()
		const msg = envelope(customer, 'text', { body: '\uFFFC', attachments: [attachment(e, slot, sig, 2048)] })
		await expectRejected(await send(msg), 400, 'attachment_size_not_string', customer)
	})

	it('400 when body lacks the U+FFFC placeholder', async () => {
		const { e, slot, sig } = await uploaded()
		const customer = await knownCustomer()
		const msg = envelope(customer, 'text', { body: 'see attached', attachments: [attachment(e, slot, sig, '2048')] })
		await expectRejected(await send(msg), 400, 'attachment_placeholder_missing', customer)
	})

	it('400 when signature-base64 is the checksum in hex', async () => {
		const { e, slot, sig } = await uploaded()
		const hex = bytesToHex(Uint8Array.from(atob(sig), (ch) => ch.charCodeAt(0)))
		const customer = await knownCustomer()
		const msg = envelope(customer, 'text', { body: '\uFFFC', attachments: [attachment(e, slot, hex, '2048')] })
		await expectRejected(await send(msg), 400, 'attachment_signature_hex', customer)
	})

	it('400 on legacy key names', async () => {
		const { e, slot, sig } = await uploaded()
		const a: Record<string, unknown> = attachment(e, slot, sig, '2048')
		a['mime-type'] = a.mimeType
		delete a.mimeType
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text', { body: '\uFFFC', attachments: [a] })), 400, 'attachment_legacy_keys', customer)
	})

	it('400 on a key without the 00 prefix', async () => {
		const { e, slot, sig } = await uploaded()
		const customer = await knownCustomer()
		const a = { ...attachment(e, slot, sig, '2048'), key: e.key.slice(2) }
		await expectRejected(await send(envelope(customer, 'text', { body: '\uFFFC', attachments: [a] })), 400, 'attachment_key_format', customer)
	})

	it('400 when size differs from the upload, or the url was never uploaded to', async () => {
		const { e, slot, sig } = await uploaded()
		const customer = await knownCustomer()
		await expectRejected(
			await send(envelope(customer, 'text', { body: '\uFFFC', attachments: [attachment(e, slot, sig, '2047')] })),
			400,
			'attachment_size_mismatch',
			customer,
		)
		const empty = (await (await preUpload(10)).json()) as { 'mmcs-url': string; 'mmcs-owner': string }
		await expectRejected(
			await send(envelope(customer, 'text', { body: '\uFFFC', attachments: [attachment(e, empty, sig, '10')] })),
			400,
			'attachment_not_uploaded',
			customer,
		)
	})
})
