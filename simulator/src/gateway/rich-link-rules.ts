/**
 * Rich links (docs/apple-interactive.md §5.4, docs/apple-protocol.md §4.7): `richLinkData` with `url`
 * (http/https; custom schemes do not work), `title`, and `assets` with an image (base64
 * `data` ≤ 200 kB + `mimeType`) and/or a video (`url` + `mimeType`). The App Clip variant
 * carries a `richLinkDataRef` from /constructPayload instead.
 */
import { z } from 'zod'
import { decodeBase64Strict } from '../lib/bytes'
import { fail } from '../lib/rejection'
import { isObject, parseRule } from './zod-check'

/** A-RL: "≤ 200 kB binary"; read as 200 KiB to stay on the tolerant side. */
export const RICH_LINK_IMAGE_MAX_BYTES = 200 * 1024

const httpUrl = z.string().refine((s) => {
	try {
		const u = new URL(s)
		return u.protocol === 'https:' || u.protocol === 'http:'
	} catch {
		return false
	}
}, 'must be an http(s) URL (custom URL schemes do not work)')

const RichLinkData = z.object({
	url: httpUrl,
	title: z.string().trim().min(1, 'title is required'),
	assets: z.object(
		{
			image: z.object({ data: z.string().min(1), mimeType: z.string().regex(/^image\//, 'must be an image/* type') }).optional(),
			video: z.object({ url: httpUrl, mimeType: z.string().regex(/^video\//, 'must be a video/* type') }).optional(),
		},
		{ error: 'assets is required (an image and/or a video)' },
	),
})

const RichLinkDataRef = z.object({
	url: z.string().min(1),
	owner: z.string().min(1),
	key: z.string().regex(/^00[0-9a-fA-F]{64}$/),
	size: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
	'signature-base64': z.string().min(1),
	title: z.string().optional(),
})

export function checkRichLink(body: Record<string, unknown>): void {
	if (body.richLinkDataRef !== undefined && body.richLinkData === undefined) {
		parseRule(RichLinkDataRef, body.richLinkDataRef, 'richlink_schema', 'richLinkDataRef')
		return
	}
	if (!isObject(body.richLinkData)) {
		fail(400, 'richlink_schema', 'richLink needs richLinkData')
		return
	}
	const data = parseRule(RichLinkData, body.richLinkData, 'richlink_schema', 'richLinkData')
	if (!data.assets.image && !data.assets.video) {
		fail(400, 'richlink_assets_missing', 'richLinkData.assets needs an image and/or a video (docs/apple-interactive.md §5.4)')
	}
	if (data.assets.video && !data.assets.image) {
		fail(400, 'richlink_assets_missing', 'a video rich link must carry an image too (docs/apple-interactive.md §5.4)')
	}
	if (data.assets.image) {
		let bytes: Uint8Array
		try {
			bytes = decodeBase64Strict(data.assets.image.data)
		} catch {
			fail(400, 'richlink_image_format', 'richLinkData.assets.image.data must be base64 bytes')
			return
		}
		if (bytes.length > RICH_LINK_IMAGE_MAX_BYTES) {
			fail(400, 'richlink_image_size', `rich link image is ${bytes.length} bytes; the limit is 200 kB (docs/apple-interactive.md §5.4)`)
		}
	}
}
