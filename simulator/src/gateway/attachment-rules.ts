/**
 * Text messages and their attachment dictionaries (docs/apple-protocol.md §4.3, §4.4, §5.2):
 * a non-empty `body`; per attachment the current short keys `name`, `mimeType`, `size` as a
 * STRING, `signature-base64` (the upload's fileChecksum), `url` (mmcs-url), `owner`
 * (mmcs-owner), `key` ("00" + 64 hex); one U+FFFC in `body` per attachment. The referenced
 * blob must have been uploaded, with that checksum and size, by this business.
 */
import { decodeBase64Strict, isHex } from '../lib/bytes'
import { fail } from '../lib/rejection'
import type { GatewayLookups } from './lookups'
import { isObject } from './zod-check'

const OBJECT_REPLACEMENT = '\uFFFC'
const REQUIRED_KEYS = ['name', 'mimeType', 'size', 'signature-base64', 'url', 'owner', 'key'] as const
/** Legacy "Adding Attachment Metadata" names (docs/apple-protocol.md §4.4 conflict): Apple's current sample sends the short ones. */
const LEGACY_KEYS: Record<string, string> = {
	'file-size': 'size',
	'mime-type': 'mimeType',
	'decryption-key': 'key',
	'mmcs-url': 'url',
	'mmcs-owner': 'owner',
}

export async function checkText(body: Record<string, unknown>, sourceId: string, lookups: GatewayLookups): Promise<void> {
	const text = body.body
	if (typeof text !== 'string' || text.length === 0) fail(400, 'text_body_missing', 'text message needs a non-empty body')
	if (body.attachments === undefined) return
	if (!Array.isArray(body.attachments)) return fail(400, 'attachment_schema', 'attachments must be an array')
	const placeholders = [...(text as string)].filter((ch) => ch === OBJECT_REPLACEMENT).length
	if (placeholders < body.attachments.length) {
		fail(
			400,
			'attachment_placeholder_missing',
			`body has ${placeholders} U+FFFC placeholder(s) for ${body.attachments.length} attachment(s): put one \\uFFFC per attachment where it should render (docs/apple-protocol.md §4.4)`,
		)
	}
	for (const [i, a] of body.attachments.entries()) await checkAttachment(a, `attachments[${i}]`, sourceId, lookups)
}

async function checkAttachment(a: unknown, where: string, sourceId: string, lookups: GatewayLookups): Promise<void> {
	if (!isObject(a)) return fail(400, 'attachment_schema', `${where} must be an object`)
	for (const [legacy, current] of Object.entries(LEGACY_KEYS)) {
		if (legacy in a && !(current in a)) {
			fail(400, 'attachment_legacy_keys', `${where}: uses legacy key "${legacy}"; send "${current}" (docs/apple-protocol.md §4.4)`)
		}
	}
	for (const k of REQUIRED_KEYS) {
		if (a[k] === undefined || a[k] === null || a[k] === '') fail(400, 'attachment_field_missing', `${where}.${k} is required`)
	}
	if (typeof a.size === 'number') {
		fail(
			400,
			'attachment_size_not_string',
			`${where}.size must be a string ("has to be of type string", docs/apple-protocol.md §4.4), got the number ${a.size}`,
		)
	}
	if (typeof a.size !== 'string' || !/^\d+$/.test(a.size)) {
		fail(400, 'attachment_size_format', `${where}.size must be a decimal string of bytes`)
	}
	for (const k of ['name', 'mimeType', 'url', 'owner', 'key', 'signature-base64'] as const) {
		if (typeof a[k] !== 'string') fail(400, 'attachment_schema', `${where}.${k} must be a string`)
	}
	if (!/^[^/\s]+\/[^/\s]+$/.test(a.mimeType as string)) fail(400, 'attachment_schema', `${where}.mimeType is not a MIME type`)
	if (!/^00[0-9a-fA-F]{64}$/.test(a.key as string)) {
		fail(400, 'attachment_key_format', `${where}.key must be "00" followed by 64 hex characters (docs/apple-protocol.md §5.1)`)
	}
	const sig = a['signature-base64'] as string
	// 21 checksum bytes are 42 hex characters but 28 base64 ones (docs/apple-protocol.md §7: hex is the #1 pitfall).
	if (sig.length === 42 && isHex(sig)) {
		fail(400, 'attachment_signature_hex', `${where}.signature-base64 is hex; send the upload's fileChecksum (base64) as is (docs/apple-protocol.md §7)`)
	}
	try {
		decodeBase64Strict(sig)
	} catch {
		fail(400, 'attachment_signature_format', `${where}.signature-base64 is not base64`)
	}

	const blob = await lookups.findBlob(a.url as string)
	if (!blob || (blob.businessId !== null && blob.businessId !== sourceId)) {
		return fail(400, 'attachment_unknown_blob', `${where}.url is not an MMCS url this business uploaded to (use preUpload's mmcs-url)`)
	}
	if (blob.owner !== a.owner) fail(400, 'attachment_owner_mismatch', `${where}.owner is not the mmcs-owner of that upload`)
	if (blob.state !== 'uploaded') fail(400, 'attachment_not_uploaded', `${where}: nothing was uploaded to that upload-url yet`)
	if (blob.checksum !== sig) {
		fail(400, 'attachment_signature_mismatch', `${where}.signature-base64 is not the upload's fileChecksum`)
	}
	if (String(blob.size) !== a.size) {
		fail(400, 'attachment_size_mismatch', `${where}.size ${a.size as string} differs from the ${blob.size} bytes uploaded`)
	}
}
