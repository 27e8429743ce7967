/** Shared inputs for the outbound-*.test.ts files (not a test file itself). */
import { expect } from 'vitest'
import { bytesToBase64 } from '../../src/apple/encoding'
import {
	type AppleMessageBody,
	AppleMessageBodySchema,
	BusinessMessageSchema,
	type RenderableMessage,
	type RenderContext,
	renderAppleBody,
} from '../../src/apple/outbound'

export const BID = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'

/** 1×1 PNG and the start of a JPEG (magic bytes are all the sniffer needs). */
export const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
export const JPEG_B64 = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHSEfHh0aHBwg'

export const NOW = Date.parse('2025-01-01T00:00:00Z')

export const CTX: RenderContext = {
	messageId: '0c316beb-0000-4000-8000-000000000001',
	businessId: 'a884eddf-0000-4000-8000-00000000b12b',
	customerId: 'urn:mbid:AQAAYyUbut6E4B3T9FLv5EbG',
	requestIdentifier: 'c3a1e0f2-0000-4000-8000-00000000000r',
	images: new Map(),
}

export const ENVELOPE = { v: 1, id: CTX.messageId, sourceId: CTX.businessId, destinationId: CTX.customerId }

/** Base64 of an `n`-byte "PNG" (signature, then zeros), for size-cap tests. */
export function bytesB64(n: number): string {
	const bytes = new Uint8Array(n)
	bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
	return bytesToBase64(bytes)
}

/** The message must be a valid business message, and its rendering a valid Apple body. */
export function render(message: RenderableMessage, ctx: Partial<RenderContext> = {}): AppleMessageBody {
	const parsed = BusinessMessageSchema.safeParse(message)
	expect(parsed.error?.issues ?? []).toEqual([])
	const body = renderAppleBody(message, { ...CTX, ...ctx })
	const checked = AppleMessageBodySchema.safeParse(body)
	expect(checked.error?.issues ?? []).toEqual([])
	return body
}
