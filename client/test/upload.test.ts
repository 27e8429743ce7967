/**
 * The upload size guard without a network: a stream of unknown length is counted on its way
 * out and the upload aborted once it passes 100 MiB, reading no further; exactly 100 MiB
 * passes. The stub fetch drains the request body as a server would, keeping nothing.
 */
import { describe, expect, it } from 'vitest'
import { AmbAttachmentTooLargeError, AmbClient, MAX_ATTACHMENT_BYTES } from '../src/index.ts'

const MiB = 1024 * 1024

function megabytes(count: number) {
	const state = { pulls: 0 }
	const chunk = new Uint8Array(MiB)
	const stream = new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				if (state.pulls === count) return controller.close()
				state.pulls++
				controller.enqueue(chunk)
			},
		},
		{ highWaterMark: 0 },
	)
	return { stream, state }
}

function draining() {
	const seen: { duplex: unknown; contentLength: string | null; bytes: number }[] = []
	const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
		const body = init?.body as ReadableStream<Uint8Array>
		const entry = { duplex: (init as { duplex?: unknown }).duplex, contentLength: new Headers(init?.headers).get('content-length'), bytes: 0 }
		seen.push(entry)
		const reader = body.getReader()
		for (;;) {
			const { done, value } = await reader.read()
			if (done) break
			entry.bytes += value.byteLength
		}
		return Response.json(
			{ id: 'att_1', name: 'f', mimeType: 'application/octet-stream', size: entry.bytes, expiresAt: '2026-01-01T00:00:00Z' },
			{ status: 201 },
		)
	}
	return { fetch, seen }
}

describe('upload size guard', () => {
	it('a stream of unknown length is stopped just past 100 MiB', async () => {
		const stub = draining()
		const { stream, state } = megabytes(150)
		const amb = new AmbClient({ baseUrl: 'https://msp.test', apiKey: 'k', fetch: stub.fetch })
		const err = await amb.uploadAttachment(stream).catch((e: unknown) => e)
		expect(err).toBeInstanceOf(AmbAttachmentTooLargeError)
		expect((err as AmbAttachmentTooLargeError).size).toBe(MAX_ATTACHMENT_BYTES + MiB)
		expect(state.pulls).toBeLessThanOrEqual(102)
		expect(stub.seen).toHaveLength(1)
		expect(stub.seen[0]).toMatchObject({ duplex: 'half', contentLength: null })
	})

	it('exactly 100 MiB goes through, streamed with duplex half', async () => {
		const stub = draining()
		const amb = new AmbClient({ baseUrl: 'https://msp.test', apiKey: 'k', fetch: stub.fetch })
		const att = await amb.uploadAttachment(megabytes(100).stream, { length: 100 * MiB })
		expect(att.size).toBe(MAX_ATTACHMENT_BYTES)
		expect(stub.seen[0]).toMatchObject({ duplex: 'half', contentLength: String(100 * MiB) })
	})

	it('a length that is not a byte count is refused', async () => {
		const amb = new AmbClient({ baseUrl: 'https://msp.test', apiKey: 'k', fetch: draining().fetch })
		await expect(amb.uploadAttachment(new ReadableStream(), { length: -1 })).rejects.toBeInstanceOf(RangeError)
		await expect(amb.uploadAttachment(new ReadableStream(), { length: 1.5 })).rejects.toBeInstanceOf(RangeError)
	})
})
