/**
 * Uploads through the client against the running Worker: a stream of unknown length, a
 * stream with its length, a Blob and a buffer, each read back byte for byte; the 100 MiB
 * refusal happens before any request.
 */
import { describe, expect, it } from 'vitest'
import { AmbAttachmentTooLargeError, AmbNotFoundError, MAX_ATTACHMENT_BYTES } from '../src/index.ts'
import { flakyFetch, useStack } from './live.ts'

const stack = useStack()

/** `chunks` chunks of `size` bytes, a pattern that differs per chunk; counts how often it was pulled. */
function patterned(chunks: number, size: number) {
	const state = { pulls: 0 }
	const stream = new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				if (state.pulls === chunks) return controller.close()
				const chunk = new Uint8Array(size)
				for (let i = 0; i < size; i += 4096) chunk[i] = (state.pulls * 7 + i) & 0xff
				state.pulls++
				controller.enqueue(chunk)
			},
		},
		{ highWaterMark: 0 },
	)
	return { stream, state }
}

async function sha256(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
	return [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

async function expected(chunks: number, size: number): Promise<string> {
	const all = new Uint8Array(chunks * size)
	const { stream } = patterned(chunks, size)
	let at = 0
	for await (const c of stream) {
		all.set(c, at)
		at += c.length
	}
	return sha256(all)
}

describe('uploadAttachment', () => {
	it('streams a body of unknown length (duplex half) and the download matches', async () => {
		const amb = stack.client()
		const { stream, state } = patterned(48, 64 * 1024)
		const att = await amb.uploadAttachment(stream, { contentType: 'application/pdf', name: 'report.pdf' })
		expect(state.pulls).toBe(48)
		expect(att).toMatchObject({ name: 'report.pdf', mimeType: 'application/pdf', size: 48 * 64 * 1024 })
		expect(Date.parse(att.expiresAt)).toBeGreaterThan(Date.now())
		const res = await amb.downloadAttachment(att.id)
		expect(res.headers.get('content-type')).toBe('application/pdf')
		expect(await sha256(await res.arrayBuffer())).toBe(await expected(48, 64 * 1024))
	})

	it('streams a body of declared length', async () => {
		const amb = stack.client()
		const { stream } = patterned(16, 65_536)
		const att = await amb.uploadAttachment(stream, { contentType: 'application/octet-stream', name: 'blob.bin', length: 16 * 65_536 })
		expect(att.size).toBe(16 * 65_536)
		const res = await amb.downloadAttachment(att.id)
		expect(await sha256(await res.arrayBuffer())).toBe(await expected(16, 65_536))
	})

	it('a Blob takes its type; a buffer is sniffed', async () => {
		const amb = stack.client()
		const blob = await amb.uploadAttachment(new Blob(['hello, attachment'], { type: 'text/plain' }), { name: 'hello.txt' })
		expect(blob).toMatchObject({ name: 'hello.txt', mimeType: 'text/plain', size: 17 })
		expect(await (await amb.downloadAttachment(blob.id)).text()).toBe('hello, attachment')

		const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])
		const fromBuffer = await amb.uploadAttachment(png.buffer, { name: 'dot' })
		expect(fromBuffer).toMatchObject({ mimeType: 'image/png', size: 16 })
		const fromView = await amb.uploadAttachment(png)
		expect(fromView.size).toBe(16)
	})

	it('an attachment id can be sent in a text message', async () => {
		const amb = stack.client()
		const att = await amb.uploadAttachment(new Blob(['see attached'], { type: 'text/plain' }), { name: 'note.txt' })
		const customerId = await stack.openConversation()
		const sent = await amb.sendMessage({ customerId, message: { type: 'text', text: 'here you go', attachments: [att.id] } })
		expect(sent.status).toBe('queued')
	})

	it('over 100 MiB with a known length: refused before any request, the stream untouched', async () => {
		const flaky = flakyFetch()
		const amb = stack.client({ fetch: flaky.fetch })
		const { stream, state } = patterned(1, 1)
		const err = await amb.uploadAttachment(stream, { contentType: 'video/mp4', length: MAX_ATTACHMENT_BYTES + 1 }).catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbAttachmentTooLargeError)
		expect(err).toMatchObject({ size: MAX_ATTACHMENT_BYTES + 1, limit: 100 * 1024 * 1024 })
		expect(state.pulls).toBe(0)

		// A Blob says its size up front too (this one claims 1 GiB without holding it).
		class Huge extends Blob {
			override get size() {
				return 1024 ** 3
			}
		}
		await expect(amb.uploadAttachment(new Huge(['x']))).rejects.toBeInstanceOf(AmbAttachmentTooLargeError)
		expect(flaky.calls).toHaveLength(0)
		// Exactly the limit is allowed through to the server (checked by length alone here).
		expect(MAX_ATTACHMENT_BYTES).toBe(104_857_600)
	})

	it('a download of an unknown id is AmbNotFoundError', async () => {
		await expect(stack.client().downloadAttachment('att_nope')).rejects.toBeInstanceOf(AmbNotFoundError)
	})
})
