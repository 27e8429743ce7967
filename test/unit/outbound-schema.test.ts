import { describe, expect, it } from 'vitest'
import {
	AppleMessageBodySchema,
	AppleRawPayloadSchema,
	asResolved,
	BusinessMessageSchema,
	base64ByteLength,
	collectImageRefs,
	type ContentMessage,
	parseImageRef,
} from '../../src/apple/outbound'
import { BID, JPEG_B64, PNG_B64 } from './outbound-fixtures'

const issuesOf = (schema: { safeParse(v: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } }, v: unknown) =>
	(schema.safeParse(v).error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }))

describe('business message schema', () => {
	it('accepts the shapes of docs/product.md', () => {
		for (const message of [
			{ type: 'text', text: '...', attachments: ['att_1'], richLinks: true },
			{ type: 'typing', active: true },
			{ type: 'richLink', url: 'https://example.com', title: 't', imageUrl: 'https://cdn.example.com/i.png' },
			{ type: 'quickReply', prompt: 'p', items: [{ id: '1', title: 'a' }] },
			{
				type: 'listPicker',
				title: 't',
				subtitle: 's',
				sections: [{ title: 's', multipleSelection: false, items: [{ id: '1', title: 'a', subtitle: 'b', image: PNG_B64 }] }],
			},
			{
				type: 'timePicker',
				title: 't',
				timezoneOffset: -420,
				location: { title: 'HQ', latitude: 1, longitude: 2 },
				slots: [{ id: '1', start: '2030-01-01T10:00:00Z', durationSeconds: 1800 }],
			},
			{ type: 'authenticate', scope: ['email'], returnToken: false },
			{ type: 'template', templateId: 'tpl_1', variables: { name: 'Zoë' } },
			{ type: 'apple', payload: { type: 'typing_start' } },
			{ type: 'text', text: 'x', bot: true, fallback: { type: 'text', text: 'y' } },
		]) {
			expect(issuesOf(BusinessMessageSchema, message)).toEqual([])
		}
	})

	it('asResolved refuses templates, at the top or as fallback', () => {
		const text = { type: 'text', text: 'x' } as const
		expect(asResolved({ type: 'template', templateId: 't' })).toBeNull()
		expect(asResolved({ ...text, fallback: { type: 'template', templateId: 't' } })).toBeNull()
		expect(asResolved({ ...text, fallback: text })).toEqual({ ...text, fallback: text })
	})

	it('rejects a misspelt field instead of dropping it', () => {
		expect(issuesOf(BusinessMessageSchema, { type: 'listPicker', title: 't', sections: [{ title: 's', multipleSelections: true, items: [] }] })).toEqual([
			{ path: 'sections.0', message: 'Unrecognized key: "multipleSelections"' },
		])
	})

	it('rejects an unknown type', () => {
		expect(issuesOf(BusinessMessageSchema, { type: 'carousel' })[0]?.path).toBe('type')
	})

	it('rejects a fallback carrying its own fallback, and a typing fallback', () => {
		expect(issuesOf(BusinessMessageSchema, { type: 'text', text: 'a', fallback: { type: 'text', text: 'b', fallback: { type: 'text', text: 'c' } } })).toEqual([
			{ path: 'fallback', message: 'Unrecognized key: "fallback"' },
		])
		expect(issuesOf(BusinessMessageSchema, { type: 'text', text: 'a', fallback: { type: 'typing', active: true } })[0]?.path).toBe('fallback.type')
	})

	it('rejects a start that is not RFC 3339 and a URL that is not http(s)', () => {
		expect(issuesOf(BusinessMessageSchema, { type: 'timePicker', title: 't', slots: [{ start: '2030-01-01 10:00', durationSeconds: 60 }] })).toEqual([
			{ path: 'slots.0.start', message: 'must be an RFC 3339 date-time such as 2025-07-10T10:00:00-07:00' },
		])
		expect(issuesOf(BusinessMessageSchema, { type: 'richLink', url: 'myapp://open' })).toEqual([{ path: 'url', message: 'must be an http(s) URL' }])
	})

	it('accepts images as URL, data URI or base64, and nothing else', () => {
		const msg = (image: string) => ({ type: 'listPicker', title: 't', sections: [{ title: 's', items: [{ id: '1', title: 'a', image }] }] })
		for (const ok of ['https://cdn.example.com/a.png', `data:image/png;base64,${PNG_B64}`, PNG_B64, JPEG_B64]) {
			expect(issuesOf(BusinessMessageSchema, msg(ok))).toEqual([])
		}
		for (const bad of ['ftp://cdn.example.com/a.png', 'not base64!', 'logo1', 'data:image/png,rawbytes', 'https://']) {
			expect(issuesOf(BusinessMessageSchema, msg(bad))).toEqual([
				{
					path: 'sections.0.items.0.image',
					message: 'must be an http(s) URL, a data: URI with base64 data, or base64 of a PNG, JPEG, GIF, WebP or HEIC image',
				},
			])
		}
	})
})

describe('image references', () => {
	it('classifies and normalises references', () => {
		expect(parseImageRef('https://cdn.example.com/a.png')).toEqual({ kind: 'url', url: 'https://cdn.example.com/a.png' })
		expect(parseImageRef(`data:IMAGE/PNG;name=a.png;base64,${PNG_B64}`)).toEqual({ kind: 'inline', data: PNG_B64, mimeType: 'image/png' })
		expect(parseImageRef(JPEG_B64)).toEqual({ kind: 'inline', data: JPEG_B64, mimeType: 'image/jpeg' })
		// MIME line breaks and the URL-safe alphabet, unpadded.
		expect(parseImageRef(`${PNG_B64.slice(0, 20)}\n${PNG_B64.slice(20, -2)}`)).toEqual({ kind: 'inline', data: PNG_B64, mimeType: 'image/png' })
		expect(parseImageRef(JPEG_B64.replaceAll('/', '_'))).toEqual({ kind: 'inline', data: JPEG_B64, mimeType: 'image/jpeg' })
		// Bare base64 must be a known image; a data URI may carry any type.
		expect(parseImageRef('logo1')).toBeNull()
		expect(parseImageRef('data:image/bmp;base64,Qk0=')).toEqual({ kind: 'inline', data: 'Qk0=', mimeType: 'image/bmp' })
		expect(base64ByteLength('AAECAw==')).toBe(4)
		expect(base64ByteLength(PNG_B64)).toBe(atob(PNG_B64).length)
	})

	it('collectImageRefs lists each URL image once, never inline data nor the fallback', () => {
		const message: ContentMessage = {
			type: 'listPicker',
			title: 't',
			receivedMessage: { image: 'https://cdn.example.com/bubble.png' },
			sections: [
				{
					title: 's',
					items: [
						{ id: '1', title: 'a', image: 'https://cdn.example.com/a.png' },
						{ id: '2', title: 'b', image: 'https://cdn.example.com/a.png' },
						{ id: '3', title: 'c', image: PNG_B64 },
					],
				},
			],
		}
		expect(collectImageRefs(message)).toEqual(['https://cdn.example.com/bubble.png', 'https://cdn.example.com/a.png'])
		expect(collectImageRefs({ type: 'richLink', url: 'https://example.com', imageUrl: 'https://example.com/og.jpg' })).toEqual(['https://example.com/og.jpg'])
		expect(
			collectImageRefs({ type: 'iMessageApp', bid: 'b', appId: 1, appName: 'a', appIcon: 'https://cdn.example.com/icon.png', url: '?', receivedMessage: {} }),
		).toEqual(['https://cdn.example.com/icon.png'])
		expect(collectImageRefs({ type: 'text', text: 'https://example.com/a.png' })).toEqual([])
	})
})

describe('Apple raw payloads', () => {
	it.each<[string, unknown]>([
		[
			'Apple sample 23 (quick reply) without envelope',
			{
				type: 'interactive',
				interactiveData: {
					bid: BID,
					data: { 'quick-reply': { summaryText: 'Q', items: [{ identifier: '1', title: 'A' }] }, version: '1.0', requestIdentifier: 'r' },
				},
			},
		],
		[
			'an mspVersion list picker (Apple samples 06–08)',
			{
				type: 'interactive',
				interactiveData: {
					bid: BID,
					data: { mspVersion: '1.0', listPicker: { sections: [{ items: [{ identifier: '1', title: 'A', order: 0, style: 'default' }] }] } },
					receivedMessage: { title: 'T', style: 'small' },
				},
			},
		],
		[
			'a custom extension (Apple sample 22)',
			{
				type: 'interactive',
				attachments: [],
				interactiveData: {
					appId: 123456789,
					appName: 'Package Delivery',
					bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.PackageDelivery.MessagesExtension',
					URL: '?a=1',
					useLiveLayout: true,
					receivedMessage: { title: 'Package Delivery' },
				},
			},
		],
		[
			'a reused interactiveDataRef',
			{ type: 'interactive', interactiveDataRef: { bid: BID, url: 'https://p1.icloud.com/x', owner: 'o', size: 12, 'signature-base64': 'AQ==', title: 'T' } },
		],
		[
			'a rich link',
			{ type: 'richLink', richLinkData: { url: 'https://example.com', title: 'T', assets: { image: { data: PNG_B64, mimeType: 'image/png' } } } },
		],
		['typing_end', { type: 'typing_end' }],
		[
			'text with an uploaded attachment',
			{
				type: 'text',
				body: '\uFFFC',
				attachments: [
					{
						name: 'a.png',
						mimeType: 'image/png',
						size: '67497',
						'signature-base64': 'AThQ',
						url: 'https://p54-content.icloud.com/x',
						owner: 'M6138',
						key: `00${'ab'.repeat(32)}`,
					},
				],
			},
		],
	])('accepts %s', (_, payload) => {
		expect(issuesOf(AppleRawPayloadSchema, payload)).toEqual([])
	})

	it.each<[string, unknown, { path: string; message: string }]>([
		[
			'close, which only Apple sends',
			{ type: 'close' },
			{ path: 'type', message: "Invalid discriminator value. Expected 'text' | 'typing_start' | 'typing_end' | 'richLink' | 'interactive'" },
		],
		['a typing indicator with a body', { type: 'typing_start', body: 'x' }, { path: '', message: 'Unrecognized key: "body"' }],
		[
			'both interactiveData and interactiveDataRef',
			{
				type: 'interactive',
				interactiveData: { bid: BID, data: { version: '1.0', event: { timeslots: [{ identifier: '1', startTime: '2030-07-10T17:00+0000', duration: 60 }] } } },
				interactiveDataRef: { bid: BID, url: 'u', owner: 'o', size: 1 },
			},
			{ path: 'interactiveData', message: 'give exactly one of interactiveData and interactiveDataRef' },
		],
		[
			'data on a custom extension',
			{
				type: 'interactive',
				interactiveData: { bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:T:com.example.ext', appId: 1, appName: 'a', URL: '?', data: {} },
			},
			{ path: 'interactiveData.data', message: 'custom iMessage extensions must not send data' },
		],
		[
			'an Apple-type message without version',
			{
				type: 'interactive',
				interactiveData: { bid: BID, data: { 'quick-reply': { items: [] } } },
			},
			{ path: 'interactiveData.data.version', message: 'data needs version "1.0"' },
		],
		[
			'two experiences at once',
			{
				type: 'interactive',
				interactiveData: { bid: BID, data: { version: '1.0', 'quick-reply': { items: [] }, listPicker: { sections: [{ items: [] }] } } },
			},
			{ path: 'interactiveData.data', message: 'data needs exactly one of listPicker, event, quick-reply, payment, authenticate, dynamic (found 2)' },
		],
		[
			'a time slot in another format',
			{
				type: 'interactive',
				interactiveData: { bid: BID, data: { version: '1.0', event: { timeslots: [{ identifier: '1', startTime: '10 July 2030 5pm', duration: 60 }] } } },
			},
			{ path: 'interactiveData.data.event.timeslots.0.startTime', message: 'must be yyyy-MM-ddTHH:mm+0000' },
		],
		[
			'an attachment size as a number',
			{
				type: 'text',
				body: '\uFFFC',
				attachments: [{ name: 'a', mimeType: 'image/png', size: 1, 'signature-base64': 'A', url: 'u', owner: 'o', key: `00${'ab'.repeat(32)}` }],
			},
			{ path: 'attachments.0.size', message: 'Invalid input: expected string, received number' },
		],
	])('rejects %s', (_, payload, issue) => {
		expect(issuesOf(AppleRawPayloadSchema, payload)).toContainEqual(issue)
	})

	it('requires the envelope in a complete body but not in a raw payload', () => {
		expect(issuesOf(AppleMessageBodySchema, { type: 'typing_start' }).map((i) => i.path)).toEqual(['v', 'id', 'sourceId', 'destinationId'])
		expect(issuesOf(AppleRawPayloadSchema, { type: 'typing_start' })).toEqual([])
	})

	it('validates the payload of an apple message through the business schema', () => {
		expect(issuesOf(BusinessMessageSchema, { type: 'apple', payload: { type: 'close' } })[0]?.path).toBe('payload.type')
	})
})
