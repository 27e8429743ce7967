/**
 * The Worker of bench/attachments.mjs: the product's attachment modules behind a few routes,
 * plus the baselines measured in the same run (docs/performance.md "Big bodies"):
 *
 * - `POST /in`        body = inbound attachment JSON → stageInboundAttachment (preDownload →
 *                     download → size check → AES-CTR → R2) → the staged result
 * - `POST /in-discard` the same receive path with the plaintext dropped instead of stored
 * - `POST /out?id=`   prepareOutboundAttachment (R2 → AES-CTR → preUpload → upload) → dictionary
 * - `POST /webcrypto?size=` WebCrypto AES-256-CTR over `size` bytes in 1 MiB calls, counter
 *                     advanced per call: the cipher's own speed, nothing else
 * - `POST /plain-in?url=&size=` fetch the plaintext and put it in R2 as is (transfer + R2 only)
 * - `POST /plain-out?id=&url=` stream an R2 object to a URL as is
 * - `GET /att?id=`    the staged bytes, for the integrity check after the timed runs
 */
import { counterBlock, parseAttachmentKey } from '../src/apple/attachment-cipher'
import { aesCtrPump } from '../src/apple/ctr-pump'
import { locatorSignature } from '../src/apple/mmcs-signature'
import { InboundAttachmentSchema } from '../src/apple/inbound'
import { mmcsClientFor } from '../src/attachments/client'
import { stageInboundAttachment } from '../src/attachments/inbound'
import { prepareOutboundAttachment } from '../src/attachments/outbound'
import { attachmentKey, newAttachmentId } from '../src/attachments/attachment-meta'
import { putKnownLength } from '../src/attachments/r2-staging'
import type { Env } from '../src/context'

const BUSINESS = 'bench-business'
const MiB = 1024 * 1024

/**
 * WebCrypto AES-256-CTR over `size` bytes in 1 MiB calls, the counter advanced per call (the
 * same output as one call, docs/performance.md); best of `passes`. Each output is released once
 * used, as the product's pump does, so the figure is the cipher's and not the GC's.
 */
async function webcrypto(size: number, passes: number): Promise<number> {
	const raw = crypto.getRandomValues(new Uint8Array(32))
	const key = await crypto.subtle.importKey('raw', raw, 'AES-CTR', false, ['encrypt'])
	const chunk = new Uint8Array(MiB)
	for (let i = 0; i < MiB; i += 65536) crypto.getRandomValues(chunk.subarray(i, i + 65536))
	let best = Infinity
	for (let p = 0; p < passes; p++) {
		const t0 = performance.now()
		for (let off = 0; off < size; off += MiB) {
			const n = Math.min(MiB, size - off)
			const out = await crypto.subtle.encrypt(
				{ name: 'AES-CTR', counter: counterBlock(BigInt(off / 16)), length: 128 },
				key,
				n === MiB ? chunk : new Uint8Array(chunk.buffer, 0, n),
			)
			;(out as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer }).transfer?.(0)
		}
		best = Math.min(best, performance.now() - t0)
	}
	return best
}

export default {
	async fetch(req: Request, env: Env): Promise<Response> {
		const url = new URL(req.url)
		const q = (k: string) => url.searchParams.get(k) ?? ''
		switch (url.pathname) {
			case '/in': {
				const attachment = InboundAttachmentSchema.parse(await req.json())
				const staged = await stageInboundAttachment(env, {
					businessId: BUSINESS,
					conversationId: 'bench-conversation',
					attachment,
					client: mmcsClientFor(env, BUSINESS),
					maxAttempts: 1,
				})
				return Response.json(staged)
			}
			case '/in-discard': {
				// The receive pipeline without R2: preDownload → GET → decrypt → dropped. Locally R2 is
				// simulated inside the same workerd process, so this isolates the pipeline's own memory.
				const a = InboundAttachmentSchema.parse(await req.json())
				const client = mmcsClientFor(env, BUSINESS)
				const { downloadUrl } = await client.preDownload({ url: a.url, owner: a.owner, signatureBase64: locatorSignature(a) })
				const dl = await client.downloadCiphertext(downloadUrl)
				const n = await aesCtrPump(dl.body, new WritableStream<Uint8Array>({ write() {} }), parseAttachmentKey(a.key), {
					expectedSize: a.size,
					sinkCopies: true,
				})
				return Response.json({ size: n })
			}
			case '/out': {
				const dict = await prepareOutboundAttachment(env, BUSINESS, q('id'), mmcsClientFor(env, BUSINESS), { maxAttempts: 1 })
				return Response.json(dict)
			}
			case '/webcrypto':
				return Response.json({ bestMs: await webcrypto(Number(q('size')), Number(q('passes') || 1)) })
			case '/plain-in': {
				const res = await fetch(q('url'))
				const id = newAttachmentId()
				const now = Date.now()
				await putKnownLength(
					env.ATTACHMENTS,
					attachmentKey(BUSINESS, id),
					{ rest: res.body, direct: true },
					{ name: 'plain', mimeType: 'application/octet-stream', size: Number(q('size')), createdAt: now, expiresAt: now + 86_400_000, direction: 'inbound' },
				)
				return Response.json({ id })
			}
			case '/plain-out': {
				const obj = await env.ATTACHMENTS.get(attachmentKey(BUSINESS, q('id')))
				if (!obj) return new Response('no object', { status: 404 })
				const res = await fetch(q('url'), { method: 'POST', body: obj.body })
				return new Response(null, { status: res.status })
			}
			case '/att': {
				const obj = await env.ATTACHMENTS.get(attachmentKey(BUSINESS, q('id')))
				return obj ? new Response(obj.body) : new Response('no object', { status: 404 })
			}
			case '/ping':
				return new Response('ok')
			default:
				return new Response('not found', { status: 404 })
		}
	},
} satisfies ExportedHandler<Env>
