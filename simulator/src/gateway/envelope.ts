/**
 * The common envelope of every MSP → Apple message (docs/apple-protocol.md §1.2, §3, §4.1,
 * §4.2): headers `id`, `Source-Id`, `Destination-Id`, `Content-Type: application/json`, each
 * equal to the body's `id`, `sourceId`, `destinationId`; `v` = 1; a send-able `type`.
 */
import { z } from 'zod'
import { fail } from '../lib/rejection'
import { isObject } from './zod-check'

export const SENDABLE_TYPES = ['text', 'typing_start', 'typing_end', 'richLink', 'interactive'] as const
export type SendableType = (typeof SENDABLE_TYPES)[number]

export interface Envelope {
	id: string
	sourceId: string
	destinationId: string
	type: SendableType
	body: Record<string, unknown>
}

const nonEmpty = z.string().trim().min(1)

/** Parse the raw body text as JSON (Apple reads plain JSON from MSPs, docs/apple-protocol.md §1.4). */
export function parseJsonBody(contentType: string | undefined, text: string): Record<string, unknown> {
	if (!contentType || !/^application\/json\b/i.test(contentType.trim())) {
		fail(400, 'content_type', `Content-Type must be application/json, got ${JSON.stringify(contentType ?? null)}`)
	}
	let parsed: unknown
	try {
		parsed = JSON.parse(text)
	} catch {
		return fail(400, 'body_not_json', 'request body is not valid JSON')
	}
	if (!isObject(parsed)) return fail(400, 'body_not_json', 'request body must be a JSON object')
	return parsed
}

export function checkEnvelope(
	headers: { id?: string; sourceId?: string; destinationId?: string },
	body: Record<string, unknown>,
	opts: { mspId: string; notification?: boolean },
): Envelope {
	const hdr = { id: headers.id, 'Source-Id': headers.sourceId, 'Destination-Id': headers.destinationId }
	for (const [name, value] of Object.entries(hdr)) {
		if (!nonEmpty.safeParse(value).success) fail(400, 'header_missing', `header ${name} is required`)
	}
	const pairs = [
		['id', 'id', headers.id],
		['Source-Id', 'sourceId', headers.sourceId],
		['Destination-Id', 'destinationId', headers.destinationId],
	] as const
	for (const [header, key, value] of pairs) {
		const b = body[key]
		if (typeof b !== 'string' || b.length === 0) fail(400, 'body_field_missing', `body ${key} is required`)
		// Apple's samples reuse the header values in the body (docs/apple-protocol.md §7 "keep id identical").
		if (b !== value) {
			fail(400, 'header_body_mismatch', `header ${header} (${JSON.stringify(value)}) differs from body ${key} (${JSON.stringify(b)})`)
		}
	}
	if (body.v !== 1) fail(400, 'version', `v must be 1, got ${JSON.stringify(body.v ?? null)}`)

	const sourceId = headers.sourceId as string
	const destinationId = headers.destinationId as string
	// docs/apple-protocol.md §7: Source-Id outbound is the business ID, never the MSP ID.
	if (sourceId === opts.mspId) fail(400, 'source_is_msp_id', 'Source-Id must be the business ID, not the MSP ID')
	// docs/apple-protocol.md §4.3: customers are opaque urn:mbid: ids; only a notification goes to a phone
	// number (docs/invitations.md; gateway/notification-rules.ts checks it).
	if (!opts.notification && destinationId.startsWith('tel:')) {
		fail(400, 'destination_format', 'a tel: Destination-Id is only for notifications: send the header message-type: notification')
	}
	if (!opts.notification && !destinationId.startsWith('urn:mbid:')) {
		fail(400, 'destination_format', `Destination-Id must be the customer's urn:mbid: id, got ${JSON.stringify(destinationId)}`)
	}

	const type = body.type
	if (type === 'close') {
		fail(400, 'type_receive_only', 'type "close" is receive-only: only a customer can close a conversation (docs/apple-protocol.md §4.6)')
	}
	if (typeof type !== 'string' || !(SENDABLE_TYPES as readonly string[]).includes(type)) {
		fail(400, 'type_unknown', `type must be one of ${SENDABLE_TYPES.join(', ')}, got ${JSON.stringify(type ?? null)}`)
	}
	if (body.locale !== undefined && typeof body.locale !== 'string') fail(400, 'schema', 'locale must be a string')
	return { id: headers.id as string, sourceId, destinationId, type: type as SendableType, body }
}
