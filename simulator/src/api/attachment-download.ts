/**
 * Download an attachment of a thread message, decrypted, for the device page (docs/apple-protocol.md §5.1:
 * AES-256-CTR with the message's `key`). Streams: R2 → decrypt → response.
 */
import type { SimEnv } from '../env'
import { simState } from '../env'
import { isObject } from '../gateway/zod-check'
import { aesCtrStream, parseAttachmentKey } from '../lib/platform-primitives'
import { r2Key } from '../mmcs/blob-store'

export async function downloadAttachment(env: SimEnv, customerId: string, messageId: string, index: number): Promise<Response | null> {
	const state = simState(env)
	const msg = await state.getMessage(customerId, messageId)
	const attachments = msg && Array.isArray(msg.body.attachments) ? msg.body.attachments : []
	const a = attachments[index]
	if (!isObject(a) || typeof a.url !== 'string' || typeof a.key !== 'string') return null
	const blob = await state.findBlob(a.url)
	const obj = blob ? await env.BLOBS.get(r2Key(blob.id)) : null
	if (!obj) return null
	const name = typeof a.name === 'string' ? a.name : 'attachment'
	// FixedLengthStream keeps the Content-Length (CTR output length == input length).
	const body = obj.body.pipeThrough(aesCtrStream(parseAttachmentKey(a.key))).pipeThrough(new FixedLengthStream(obj.size))
	return new Response(body, {
		headers: {
			'content-type': typeof a.mimeType === 'string' ? a.mimeType : 'application/octet-stream',
			'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
		},
	})
}
