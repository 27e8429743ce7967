/**
 * Attachment endpoints (docs/product.md "Business API"):
 *
 * - `POST /v1/attachments` — raw body, `Content-Type` (or sniffed), `?name=`; streamed into R2,
 *   up to MAX_ATTACHMENT_BYTES. Above it: 413 and nothing stored, whether Content-Length says
 *   so up front (refused before a byte is read) or a chunked body grows past it (the multipart
 *   upload is aborted). → `201 { id, name, mimeType, size, expiresAt }`.
 * - `GET /v1/attachments/{id}` — the bytes, streamed from R2. Keys are namespaced by the
 *   authenticated business, so another business's id is simply not found.
 * - `GET /attachments/signed/{token}` (public) — the same bytes behind the signed, expiring
 *   link carried in `message.received` (links.ts).
 *
 * Files are served as downloads with `nosniff` and a sandboxing CSP: customers can send any
 * file (HTML included), and it must never run as a page of the MSP's origin.
 * The business routes are declared with `createRoute` (docs/api.md); the upload's body is raw
 * bytes, streamed by the handler, so only its media type is documented.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { z } from 'zod'
import { AttachmentSchema } from '../attachments/schemas'
import { authErrors, errorResponse, json, validationHook } from '../lib/openapi'
import { payloadTooLarge, AppError, notFound } from '../lib/errors'
import type { AppBindings } from '../context'
import { verifyDownloadToken } from '../attachments/links'
import { MAX_ATTACHMENT_BYTES, attachmentKey, cleanName, expiresAtFor, newAttachmentId, type AttachmentMeta } from '../attachments/attachment-meta'
import { TooLargeError, putKnownLength, putUnknownLength } from '../attachments/r2-staging'
import { openAttachment } from '../attachments/stored-attachment'
import { peek } from '../attachments/stream-pump'
import { SNIFF_BYTES, declaredMime, extensionFor, resolveMime } from '../attachments/sniff'
import type { BusinessBindings } from './business-auth'
import { errorText, log } from '../lib/log'

export const attachments = new OpenAPIHono<BusinessBindings>({ defaultHook: validationHook })

const upload = createRoute({
	method: 'post',
	path: '/',
	operationId: 'uploadAttachment',
	tags: ['Attachments'],
	summary: 'Upload an attachment',
	description:
		"The raw bytes as the body, streamed into storage (up to 100 MB). Send its id in a text message's `attachments`. The type comes from `Content-Type`, or from the bytes when it says nothing useful (`application/octet-stream` or none).",
	request: {
		query: z.object({
			name: z
				.string()
				.optional()
				.meta({ description: 'The file name shown to the customer; cleaned, and given an extension matching its type.', example: 'receipt.pdf' }),
		}),
		// Documented only: a zod schema here would make the framework read the body (docs/api.md "Bodies").
		body: { required: true, description: 'The file itself.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
	},
	responses: {
		201: json(AttachmentSchema, 'Stored', {
			pdf: {
				value: {
					id: 'att_5f0c6c1e2b7d4a8e9f00112233445566',
					name: 'receipt.pdf',
					mimeType: 'application/pdf',
					size: 48213,
					expiresAt: '2030-08-07T10:00:00.000Z',
				},
			},
		}),
		...authErrors,
		413: errorResponse('Over 100 MB (declared or streamed); nothing is stored', {
			code: 'payload_too_large',
			message: 'attachments are limited to 104857600 bytes (100 MB)',
		}),
		503: errorResponse('Storage failed; try again', { code: 'storage_unavailable', message: 'the upload could not be stored; try again' }),
	},
})

attachments.openapi(upload, async (c) => {
	const settings = c.var.business.settings
	const declaredLength = parseLength(c.req.header('content-length'))
	const body = c.req.raw.body
	if (declaredLength !== null && declaredLength > MAX_ATTACHMENT_BYTES) {
		await body?.cancel().catch(() => {})
		throw tooLarge()
	}
	const contentType = c.req.header('content-type')
	const rawName = c.req.valid('query').name
	// Sniff only when the request does not say what it is (or says "some bytes").
	const needSniff = declaredMime(contentType) === null
	const { head, rest } = needSniff ? await peek(body, SNIFF_BYTES) : { head: new Uint8Array(), rest: body }
	const mimeType = resolveMime(contentType, head, rawName)
	const ext = extensionFor(mimeType)
	const name = cleanName(rawName, ext ? `attachment.${ext}` : 'attachment')

	const id = newAttachmentId()
	const key = attachmentKey(settings.businessId, id)
	const now = Date.now()
	const base: Omit<AttachmentMeta, 'size'> = {
		name,
		mimeType,
		createdAt: now,
		expiresAt: expiresAtFor(now, settings.attachmentRetentionDays),
		direction: 'outbound',
	}
	let size: number
	try {
		if (declaredLength !== null) {
			// Untouched body of known length: R2 takes it as is. After a sniff, the head is re-sent first.
			await putKnownLength(c.env.ATTACHMENTS, key, { head, rest, direct: !needSniff }, { ...base, size: declaredLength })
			size = declaredLength
		} else {
			;({ size } = await putUnknownLength(c.env.ATTACHMENTS, key, { head, rest }, base, MAX_ATTACHMENT_BYTES))
		}
	} catch (err) {
		if (err instanceof TooLargeError) throw tooLarge()
		log.error('attachment upload failed', { error: errorText(err) })
		throw new AppError(503, 'storage_unavailable', 'the upload could not be stored; try again')
	}
	return c.json({ id, name, mimeType, size, expiresAt: new Date(base.expiresAt).toISOString() }, 201)
})

const download = createRoute({
	method: 'get',
	path: '/{id}',
	operationId: 'downloadAttachment',
	tags: ['Attachments'],
	summary: 'Download an attachment',
	description: 'The bytes of an uploaded or received attachment, as a download (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP).',
	request: { params: z.object({ id: z.string().meta({ param: { name: 'id', in: 'path' }, description: 'From the upload, or from `message.received`.' }) }) },
	responses: {
		200: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
		...authErrors,
		404: errorResponse("Unknown or purged attachment, or another business's", { code: 'not_found', message: 'unknown attachment' }),
	},
})

attachments.openapi(download, async (c) => {
	const file = await openAttachment(c.env, c.var.business.settings.businessId, c.req.valid('param').id)
	if (!file) throw notFound('unknown attachment')
	return fileResponse(c, file.body, file.meta)
})

/** The public side of the signed links; mounted at the root (`app.route('/', signedAttachments)`). */
export const signedAttachments = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })

const signedDownload = createRoute({
	method: 'get',
	path: '/attachments/signed/{token}',
	operationId: 'downloadSignedAttachment',
	tags: ['Attachments'],
	security: [],
	summary: 'Download by signed link',
	description:
		'The link `message.received` gives for each attachment: no API key, valid until its `urlExpiresAt`. The same download headers as `GET /v1/attachments/{id}`.',
	request: { params: z.object({ token: z.string().meta({ param: { name: 'token', in: 'path' }, description: 'The signed, expiring token of the link.' }) }) },
	responses: {
		200: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
		403: errorResponse('Not a valid link', { code: 'invalid_link', message: 'this download link is not valid' }),
		404: errorResponse('The file is no longer stored', { code: 'not_found', message: 'unknown attachment' }),
		410: errorResponse('The link has expired', { code: 'link_expired', message: 'this download link has expired' }),
	},
})

signedAttachments.openapi(signedDownload, async (c) => {
	const check = await verifyDownloadToken(c.env, c.req.valid('param').token)
	if (!check.ok) {
		if (check.reason === 'expired') throw new AppError(410, 'link_expired', 'this download link has expired')
		throw new AppError(403, 'invalid_link', 'this download link is not valid')
	}
	const file = await openAttachment(c.env, check.businessId, check.attachmentId)
	if (!file) throw notFound('unknown attachment')
	return fileResponse(c, file.body, file.meta)
})

function fileResponse(c: Context, body: ReadableStream<Uint8Array>, meta: AttachmentMeta): Response {
	c.header('content-type', meta.mimeType)
	c.header('content-disposition', contentDisposition(meta.name))
	c.header('x-content-type-options', 'nosniff')
	c.header('content-security-policy', "default-src 'none'; sandbox")
	c.header('cache-control', 'private, no-store')
	// R2's body has a known length, so workerd sends Content-Length itself.
	return c.body(body, 200)
}

/** RFC 6266: an ASCII `filename` fallback plus the exact UTF-8 name in `filename*` (RFC 8187). */
export function contentDisposition(name: string): string {
	const fallback = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_')
	const exact = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
	return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}

function parseLength(header: string | undefined): number | null {
	return header !== undefined && /^\d{1,16}$/.test(header.trim()) ? Number(header.trim()) : null
}

const tooLarge = () => payloadTooLarge(`attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes (100 MB)`)
