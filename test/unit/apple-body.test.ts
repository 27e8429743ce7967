import { describe, expect, it } from 'vitest'
import { BodyError, readAppleJson } from '../../src/apple/body'
import { gzip } from '../helpers/apple'

const LIMITS = { maxBytes: 64 * 1024, maxInflatedBytes: 256 * 1024 }

function req(body: BodyInit, headers: Record<string, string> = {}) {
	return new Request('https://x/message', { method: 'POST', body, headers })
}

async function kind(p: Promise<unknown>) {
	try {
		await p
		return 'ok'
	} catch (err) {
		if (err instanceof BodyError) return err.kind
		throw err
	}
}

describe('readAppleJson (docs/apple-protocol.md §1.4)', () => {
	const json = { type: 'text', body: 'héllo 👋' }
	it('reads plain JSON', async () => {
		expect(await readAppleJson(req(JSON.stringify(json)), LIMITS)).toEqual(json)
	})
	it('gunzips when Content-Encoding says gzip', async () => {
		expect(await readAppleJson(req(await gzip(JSON.stringify(json)), { 'content-encoding': 'gzip' }), LIMITS)).toEqual(json)
	})
	it('gunzips on the magic bytes alone', async () => {
		expect(await readAppleJson(req(await gzip(JSON.stringify(json))), LIMITS)).toEqual(json)
	})
	it('refuses a declared length over the cap before reading', async () => {
		expect(await kind(readAppleJson(req('{}', { 'content-length': String(LIMITS.maxBytes + 1) }), LIMITS))).toBe('too_large')
	})
	it('refuses a streamed body over the cap', async () => {
		expect(await kind(readAppleJson(req('x'.repeat(LIMITS.maxBytes + 1)), LIMITS))).toBe('too_large')
	})
	it('stops a zip bomb at the inflated cap', async () => {
		// 64 MB of zeros compresses to ~64 KB; the cap stops inflation at 256 KB.
		const bomb = await gzip(new Uint8Array(8 * 1024 * 1024))
		expect(bomb.byteLength).toBeLessThan(LIMITS.maxBytes)
		expect(await kind(readAppleJson(req(bomb), LIMITS))).toBe('inflated_too_large')
	})
	it('reads a body with a declared length in one go, and ignores a length that is not a number', async () => {
		const text = JSON.stringify(json)
		const bytes = new TextEncoder().encode(text)
		expect(await readAppleJson(req(bytes, { 'content-length': String(bytes.byteLength) }), LIMITS)).toEqual(json)
		expect(await readAppleJson(req(text, { 'content-length': 'NaN' }), LIMITS)).toEqual(json)
		expect(await kind(readAppleJson(req('x'.repeat(LIMITS.maxBytes + 1), { 'content-length': 'junk' }), LIMITS))).toBe('too_large')
	})
	it('a gzip body with data after its end is refused', async () => {
		const gz = await gzip('{"a":1}')
		const trailing = new Uint8Array([...gz, 0x41, 0x42, 0x43])
		expect(await kind(readAppleJson(req(trailing, { 'content-encoding': 'gzip' }), LIMITS))).toBe('bad_gzip')
	})
	it('rejects malformed gzip and malformed JSON', async () => {
		const gz = await gzip('{"a":1}')
		expect(await kind(readAppleJson(req(gz.slice(0, gz.length - 6), { 'content-encoding': 'gzip' }), LIMITS))).toBe('bad_gzip')
		expect(await kind(readAppleJson(req('not json', { 'content-encoding': 'gzip' }), LIMITS))).toBe('bad_gzip')
		expect(await kind(readAppleJson(req('{"a":'), LIMITS))).toBe('bad_json')
		expect(await kind(readAppleJson(req(new Uint8Array([0x7b, 0xff, 0x7d])), LIMITS))).toBe('bad_json')
	})
})
