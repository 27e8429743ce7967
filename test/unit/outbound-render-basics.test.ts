/** Rendering to Apple bodies: text and typing, rich links, and raw Apple payloads. */
import { describe, expect, it } from 'vitest'
import { type AppleMessage, appleEndpointFor, RenderError, renderAppleBody, requestIdentifierOf, textBodyWithAttachments } from '../../src/apple/outbound'
import { BID, CTX, ENVELOPE, JPEG_B64, PNG_B64, render } from './outbound-fixtures'

describe('text and typing', () => {
	it('renders text as body (docs/apple-protocol.md §4.3)', () => {
		expect(render({ type: 'text', text: 'Hi' })).toEqual({ ...ENVELOPE, type: 'text', body: 'Hi' })
	})

	it('adds the locale when the conversation has one', () => {
		expect(render({ type: 'text', text: 'Hi', bot: true }, { locale: 'en_US' })).toEqual({
			...ENVELOPE,
			locale: 'en_US',
			type: 'text',
			body: 'Hi',
		})
	})

	it('passes emoji, CJK, RTL and combining text through untouched', () => {
		const text = 'Hi 👋🏽 👨‍👩‍👧 — 你好，世界 — こんにちは — مرحبا بالعالم — שלום — e\u0301 — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'
		const body = render({ type: 'text', text })
		expect(body).toEqual({ ...ENVELOPE, type: 'text', body: text })
		expect(JSON.parse(JSON.stringify(body))).toEqual(body)
	})

	it('renders typing as typing_start / typing_end with no body (docs/apple-protocol.md §4.5)', () => {
		expect(render({ type: 'typing', active: true })).toEqual({ ...ENVELOPE, type: 'typing_start' })
		expect(render({ type: 'typing', active: false })).toEqual({ ...ENVELOPE, type: 'typing_end' })
	})

	it('appends one U+FFFC per attachment and drops stray ones', () => {
		expect(textBodyWithAttachments('Here you go: ', 2)).toBe('Here you go: \uFFFC\uFFFC')
		expect(textBodyWithAttachments('a\uFFFCb 🎉', 1)).toBe('ab 🎉\uFFFC')
		expect(textBodyWithAttachments('', 0)).toBe('')
	})
})

describe('rich link (§5.4)', () => {
	it('renders an inline data-URI image', () => {
		expect(
			render({
				type: 'richLink',
				url: 'https://example.com/ipad',
				title: 'iPad Pro',
				image: `data:image/jpeg;base64,${JPEG_B64}`,
			}),
		).toEqual({
			...ENVELOPE,
			type: 'richLink',
			richLinkData: {
				url: 'https://example.com/ipad',
				title: 'iPad Pro',
				assets: { image: { data: JPEG_B64, mimeType: 'image/jpeg' } },
			},
		})
	})

	it('uses the resolved image for a URL and sniffs raw base64', () => {
		const images = new Map([['https://cdn.example.com/p.png', { data: PNG_B64, mimeType: 'image/png' }]])
		const fromUrl = render({ type: 'richLink', url: 'https://example.com/', title: 'x', imageUrl: 'https://cdn.example.com/p.png' }, { images })
		const raw = render({ type: 'richLink', url: 'https://example.com/', title: 'x', image: PNG_B64 })
		const expected = {
			...ENVELOPE,
			type: 'richLink',
			richLinkData: { url: 'https://example.com/', title: 'x', assets: { image: { data: PNG_B64, mimeType: 'image/png' } } },
		}
		expect(fromUrl).toEqual(expected)
		expect(raw).toEqual(expected)
	})

	it('adds a video asset and falls back to the host name for a missing title', () => {
		expect(
			render({
				type: 'richLink',
				url: 'https://www.example.com/clip',
				image: JPEG_B64,
				mimeType: 'image/jpg',
				video: { url: 'https://www.example.com/clip.mp4', mimeType: 'video/mp4' },
			}),
		).toEqual({
			...ENVELOPE,
			type: 'richLink',
			richLinkData: {
				url: 'https://www.example.com/clip',
				title: 'www.example.com',
				assets: {
					image: { data: JPEG_B64, mimeType: 'image/jpg' },
					video: { url: 'https://www.example.com/clip.mp4', mimeType: 'video/mp4' },
				},
			},
		})
	})

	it('throws a RenderError naming the field when a URL image was not resolved', () => {
		expect(() => renderAppleBody({ type: 'richLink', url: 'https://example.com/', imageUrl: 'https://cdn.example.com/missing.png' }, CTX)).toThrow(
			new RenderError('imageUrl', 'image URL was not resolved before rendering'),
		)
	})
})

describe('raw apple payload', () => {
	it('keeps the payload, sets the envelope and fills a missing requestIdentifier', () => {
		const message: AppleMessage = {
			type: 'apple',
			payload: {
				type: 'interactive',
				id: 'ignored',
				interactiveData: {
					bid: BID,
					data: {
						version: '1.0',
						'quick-reply': {
							summaryText: 'Yes?',
							items: [
								{ identifier: 'y', title: 'Yes' },
								{ identifier: 'n', title: 'No' },
							],
						},
						newAppleKey: 1,
					},
				},
			},
		}
		const body = render(message)
		expect(body).toEqual({
			type: 'interactive',
			...ENVELOPE,
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					'quick-reply': {
						summaryText: 'Yes?',
						items: [
							{ identifier: 'y', title: 'Yes' },
							{ identifier: 'n', title: 'No' },
						],
					},
					newAppleKey: 1,
					requestIdentifier: CTX.requestIdentifier,
				},
			},
		})
		expect(requestIdentifierOf(body)).toBe(CTX.requestIdentifier)
		expect(message.payload.id).toBe('ignored')
		expect(appleEndpointFor(message)).toBe('/v1/message')
	})

	it('keeps the business requestIdentifier when there is one', () => {
		const body = render({
			type: 'apple',
			payload: { type: 'interactive', interactiveData: { bid: BID, data: { version: '1.0', requestIdentifier: 'mine', 'quick-reply': { items: [] } } } },
		})
		expect(requestIdentifierOf(body)).toBe('mine')
	})
})
