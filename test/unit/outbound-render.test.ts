import { describe, expect, it } from 'vitest'
import {
	type AppleMessage,
	type ApplePayContext,
	appleEndpointFor,
	type FormMessage,
	type ListPickerMessage,
	RenderError,
	renderAppleBody,
	requestIdentifierOf,
	textBodyWithAttachments,
} from '../../src/apple/outbound'
import { BID, CTX, ENVELOPE, JPEG_B64, PNG_B64, render } from './outbound-fixtures'

describe('text and typing', () => {
	it('renders text as body (core §4.3)', () => {
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

	it('renders typing as typing_start / typing_end with no body (core §4.5)', () => {
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
		expect(() =>
			renderAppleBody({ type: 'richLink', url: 'https://example.com/', imageUrl: 'https://cdn.example.com/missing.png' }, CTX),
		).toThrow(new RenderError('imageUrl', 'image URL was not resolved before rendering'))
	})
})

describe('quick reply (§5.1)', () => {
	it('renders Apple sample 23 exactly', () => {
		expect(
			render({
				type: 'quickReply',
				prompt: 'What can I help you with?',
				items: [
					{ id: '1', title: 'Watch our video' },
					{ id: '2', title: 'Ask for office hours' },
					{ id: '3', title: 'Find more about pet adoption' },
					{ id: '4', title: 'Talk to an agent' },
				],
			}),
		).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					requestIdentifier: CTX.requestIdentifier,
					'quick-reply': {
						summaryText: 'What can I help you with?',
						items: [
							{ identifier: '1', title: 'Watch our video' },
							{ identifier: '2', title: 'Ask for office hours' },
							{ identifier: '3', title: 'Find more about pet adoption' },
							{ identifier: '4', title: 'Talk to an agent' },
						],
					},
				},
			},
		})
	})
})

describe('list picker (§5.2)', () => {
	const picker: ListPickerMessage = {
		type: 'listPicker',
		title: 'Select Produce',
		subtitle: 'Farm fresh to you',
		sections: [
			{
				title: 'Fruit',
				multipleSelection: true,
				items: [
					{ id: '1', title: 'Apple', subtitle: 'Red and delicious', image: PNG_B64 },
					{ id: '2', title: 'Pear', image: 'https://cdn.example.com/pear.png' },
				],
			},
			{ title: 'Veggies', items: [{ id: '3', title: 'Carrot', image: PNG_B64 }] },
		],
		receivedMessage: { style: 'small', image: PNG_B64 },
		replyMessage: { title: 'Selected Produce', subtitle: 'Selected Produce', style: 'small' },
	}

	it('renders sections, per-section multipleSelection, ordered items and shared images', () => {
		const images = new Map([['https://cdn.example.com/pear.png', { data: JPEG_B64, mimeType: 'image/jpeg' }]])
		expect(render(picker, { images })).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					requestIdentifier: CTX.requestIdentifier,
					images: [
						{ identifier: '0', data: PNG_B64 },
						{ identifier: '1', data: JPEG_B64 },
					],
					listPicker: {
						sections: [
							{
								title: 'Fruit',
								order: 0,
								multipleSelection: true,
								items: [
									{ identifier: '1', order: 0, style: 'default', title: 'Apple', subtitle: 'Red and delicious', imageIdentifier: '0' },
									{ identifier: '2', order: 1, style: 'default', title: 'Pear', imageIdentifier: '1' },
								],
							},
							{
								title: 'Veggies',
								order: 1,
								multipleSelection: false,
								items: [{ identifier: '3', order: 0, style: 'default', title: 'Carrot', imageIdentifier: '0' }],
							},
						],
					},
				},
				receivedMessage: { title: 'Select Produce', subtitle: 'Farm fresh to you', style: 'small', imageIdentifier: '0' },
				replyMessage: { title: 'Selected Produce', subtitle: 'Selected Produce', style: 'small' },
			},
		})
	})

	it('defaults both bubbles to the title with the icon style', () => {
		const body = render({ type: 'listPicker', title: 'Pick', sections: [{ title: 'S', items: [{ id: 'a', title: 'A' }] }] })
		expect(body.type === 'interactive' && body.interactiveData).toMatchObject({
			receivedMessage: { title: 'Pick', style: 'icon' },
			replyMessage: { title: 'Pick', style: 'icon' },
		})
	})

	it('keeps emoji, CJK and RTL titles intact', () => {
		const body = render({
			type: 'listPicker',
			title: '🍎 选择水果',
			sections: [{ title: 'فواكه', items: [{ id: 'x', title: 'תפוח 🍏', subtitle: 'りんご' }] }],
		})
		expect(body.type === 'interactive' && body.interactiveData?.data?.listPicker).toEqual({
			sections: [
				{
					title: 'فواكه',
					order: 0,
					multipleSelection: false,
					items: [{ identifier: 'x', order: 0, style: 'default', title: 'תפוח 🍏', subtitle: 'りんご' }],
				},
			],
		})
		expect(body.type === 'interactive' && body.interactiveData?.receivedMessage?.title).toBe('🍎 选择水果')
	})
})

describe('time picker (§5.3)', () => {
	it('renders Apple sample 11: any offset becomes UTC +0000 and timezoneOffset pins the zone', () => {
		expect(
			render({
				type: 'timePicker',
				title: 'Please pick a time',
				subtitle: 'This should be 10:00am for any user',
				timezoneOffset: -420,
				location: { title: 'Building One', latitude: 37.7725, longitude: -122.4311, radius: 100 },
				slots: [
					{ id: 'morning', start: '2030-07-10T10:00:00-07:00', durationSeconds: 3600 },
					{ start: '2030-07-10T21:30:00+02:00', durationSeconds: 1800 },
				],
				replyMessage: { title: 'Thank you!' },
			}),
		).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					requestIdentifier: CTX.requestIdentifier,
					event: {
						identifier: CTX.requestIdentifier,
						title: 'Please pick a time',
						timezoneOffset: -420,
						location: { title: 'Building One', latitude: 37.7725, longitude: -122.4311, radius: 100 },
						timeslots: [
							{ identifier: 'morning', startTime: '2030-07-10T17:00+0000', duration: 3600 },
							{ identifier: '1', startTime: '2030-07-10T19:30+0000', duration: 1800 },
						],
					},
				},
				receivedMessage: { title: 'Please pick a time', subtitle: 'This should be 10:00am for any user', style: 'icon' },
				replyMessage: { title: 'Thank you!', style: 'icon' },
			},
		})
	})
})

describe('form (§5.8)', () => {
	const form: FormMessage = {
		type: 'form',
		title: 'Shipping information',
		subtitle: 'Tell us where to send it',
		showSummary: true,
		splash: { header: 'Shipping', text: 'It takes a minute.', buttonTitle: 'Continue', image: PNG_B64 },
		pages: [
			{
				id: 'city',
				type: 'select',
				title: 'City',
				subtitle: 'Select your city',
				items: [
					{ id: '001', title: 'Berlin', value: 'berlin', image: PNG_B64, nextPageId: 'email' },
					{ id: '002', title: 'München', nextPageId: 'email' },
				],
			},
			{
				id: 'email',
				type: 'input',
				title: 'Email',
				subtitle: 'Enter your email',
				options: { required: true, inputType: 'singleline', maximumCharacterCount: 250, keyboardType: 'emailAddress', textContentType: 'emailAddress' },
			},
			{ id: 'size', type: 'picker', title: 'Size', pickerTitle: 'Size', selectedItemIndex: 1, items: [{ id: 's', title: 'S' }, { id: 'm', title: 'M' }] },
			{ id: 'date', type: 'datePicker', title: 'Date', subtitle: 'When?', options: { dateFormat: 'MM/dd/yyyy', minimumDate: '01/01/2030' } },
		],
	}

	it('renders dynamic/messageForms with chained pages, images and a submitting last page', () => {
		expect(render(form)).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					requestIdentifier: CTX.requestIdentifier,
					images: [{ identifier: '0', data: PNG_B64 }],
					dynamic: {
						version: '1.1',
						template: 'messageForms',
						private: false,
						data: {
							title: 'Shipping information',
							startPageIdentifier: 'city',
							showSummary: true,
							splash: { header: 'Shipping', splashtext: 'It takes a minute.', buttonTitle: 'Continue', imageIdentifier: '0' },
							pages: [
								{
									pageIdentifier: 'city',
									type: 'select',
									title: 'City',
									subtitle: 'Select your city',
									multipleSelection: false,
									items: [
										{ identifier: '001', title: 'Berlin', value: 'berlin', imageIdentifier: '0', nextPageIdentifier: 'email' },
										{ identifier: '002', title: 'München', value: 'München', nextPageIdentifier: 'email' },
									],
								},
								{
									pageIdentifier: 'email',
									type: 'input',
									title: 'Email',
									subtitle: 'Enter your email',
									nextPageIdentifier: 'size',
									options: { required: true, inputType: 'singleline', maximumCharacterCount: 250, keyboardType: 'emailAddress', textContentType: 'emailAddress' },
								},
								{
									pageIdentifier: 'size',
									type: 'picker',
									title: 'Size',
									nextPageIdentifier: 'date',
									pickerTitle: 'Size',
									selectedItemIndex: 1,
									items: [
										{ identifier: 's', title: 'S', value: 'S' },
										{ identifier: 'm', title: 'M', value: 'M' },
									],
								},
								{
									pageIdentifier: 'date',
									type: 'datePicker',
									title: 'Date',
									subtitle: 'When?',
									submitForm: true,
									options: { dateFormat: 'MM/dd/yyyy', minimumDate: '01/01/2030' },
								},
							],
						},
					},
				},
				receivedMessage: { title: 'Shipping information', subtitle: 'Tell us where to send it', style: 'icon' },
				replyMessage: { title: 'Shipping information', style: 'icon' },
			},
		})
	})

	it('gives pages without ids their index', () => {
		const body = render({
			type: 'form',
			title: 'Q',
			pages: [
				{ type: 'input', subtitle: 'Name?' },
				{ type: 'input', subtitle: 'Age?', options: { keyboardType: 'numberPad' } },
			],
		})
		const dynamic = body.type === 'interactive' ? body.interactiveData?.data?.dynamic : undefined
		expect(dynamic?.data).toEqual({
			title: 'Q',
			startPageIdentifier: '0',
			showSummary: false,
			pages: [
				{ pageIdentifier: '0', type: 'input', subtitle: 'Name?', nextPageIdentifier: '1' },
				{ pageIdentifier: '1', type: 'input', subtitle: 'Age?', submitForm: true, options: { keyboardType: 'numberPad' } },
			],
		})
	})
})

describe('iMessage app (§5.7)', () => {
	it('renders Apple sample 22: app fields, no data, useLiveLayout, empty attachments', () => {
		const bid = 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.PackageDelivery.MessagesExtension'
		expect(
			render({
				type: 'iMessageApp',
				bid,
				appId: '123456789',
				appName: 'Package Delivery',
				appIcon: PNG_B64,
				url: '?name=samplepackage&deliveryDate=27-01-2017',
				receivedMessage: { title: 'Package Delivery', subtitle: 'Location of Package', imageTitle: 'Home' },
			}),
		).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid,
				appId: 123456789,
				appName: 'Package Delivery',
				appIcon: PNG_B64,
				URL: '?name=samplepackage&deliveryDate=27-01-2017',
				sessionIdentifier: CTX.requestIdentifier,
				useLiveLayout: true,
				receivedMessage: { title: 'Package Delivery', subtitle: 'Location of Package', imageTitle: 'Home' },
			},
			attachments: [],
		})
	})
})

describe('Apple Pay (§5.5)', () => {
	const applePay: ApplePayContext = {
		merchantIdentifier: 'merchant.com.example',
		supportedNetworks: ['amex', 'visa', 'discover', 'masterCard'],
		merchantCapabilities: ['supportsDebit', 'supportsCredit', 'supports3DS'],
		countryCode: 'US',
		currencyCode: 'USD',
		merchantSession: { merchantSessionIdentifier: 'SSH1', nonce: 'n', signature: 's' },
		endpoints: { paymentGatewayUrl: 'https://msp.example/pay/gateway', fallbackUrl: 'https://msp.example/pay/fallback' },
	}

	it('merges the business items with the merchant data', () => {
		expect(
			render(
				{
					type: 'applePay',
					total: { label: 'Your Total', amount: '3.50', type: 'final' },
					lineItems: [
						{ label: 'Adoption fee', amount: '1.50', type: 'final' },
						{ label: 'Daily discount', amount: '-1.00' },
					],
					shippingMethods: [{ identifier: 'ship1', label: 'Free Shipping', amount: '0.00', detail: 'Arrives in 8 to 10 days' }],
					requiredShippingContactFields: ['post', 'name'],
					fallbackUrl: 'https://shop.example/checkout',
					receivedMessage: { title: 'Adopt a Pet with Apple Pay', style: 'large', image: JPEG_B64 },
				},
				{ applePay },
			),
		).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					requestIdentifier: CTX.requestIdentifier,
					images: [{ identifier: '0', data: JPEG_B64 }],
					payment: {
						paymentRequest: {
							applePay: {
								merchantIdentifier: 'merchant.com.example',
								supportedNetworks: ['amex', 'visa', 'discover', 'masterCard'],
								merchantCapabilities: ['supportsDebit', 'supportsCredit', 'supports3DS'],
							},
							countryCode: 'US',
							currencyCode: 'USD',
							total: { label: 'Your Total', amount: '3.50', type: 'final' },
							lineItems: [
								{ label: 'Adoption fee', amount: '1.50', type: 'final' },
								{ label: 'Daily discount', amount: '-1.00' },
							],
							shippingMethods: [{ identifier: 'ship1', label: 'Free Shipping', amount: '0.00', detail: 'Arrives in 8 to 10 days' }],
							requiredShippingContactFields: ['post', 'name'],
						},
						merchantSession: { merchantSessionIdentifier: 'SSH1', nonce: 'n', signature: 's' },
						endpoints: { paymentGatewayUrl: 'https://msp.example/pay/gateway', fallbackUrl: 'https://shop.example/checkout' },
					},
				},
				receivedMessage: { title: 'Adopt a Pet with Apple Pay', subtitle: '3.50 USD', style: 'large', imageIdentifier: '0' },
			},
		})
	})

	it('refuses to render without merchant data', () => {
		expect(() => renderAppleBody({ type: 'applePay', total: { label: 'T', amount: '1.00' } }, CTX)).toThrow(RenderError)
	})
})

describe('authenticate (§5.6)', () => {
	it('renders the AUTH2 request of Apple sample 18 for /v1/authenticate', () => {
		const message = { type: 'authenticate', title: 'Sign In to LinkedIn' } as const
		expect(appleEndpointFor(message)).toBe('/v1/authenticate')
		expect(
			render(message, {
				authenticate: { flow: 'auth2', state: 'nonce-1', redirectURI: 'https://msp.example/oauth/cb', scope: ['openid', 'email', 'profile'] },
			}),
		).toEqual({
			...ENVELOPE,
			type: 'interactive',
			interactiveData: {
				bid: BID,
				data: {
					version: '1.0',
					requestIdentifier: CTX.requestIdentifier,
					images: [],
					authenticate: {
						oauth2: { responseType: 'code', scope: ['openid', 'email', 'profile'], state: 'nonce-1', redirectURI: 'https://msp.example/oauth/cb' },
					},
				},
				receivedMessage: { title: 'Sign In to LinkedIn' },
				replyMessage: { title: 'You Signed In' },
			},
		})
	})

	it('renders the legacy request with the response key and the message scope', () => {
		const body = render(
			{ type: 'authenticate', scope: ['email'], subtitle: 'to see your orders' },
			{ authenticate: { flow: 'legacy', state: 's', responseEncryptionKey: 'BPub', clientSecret: 'cs', scope: ['profile'] } },
		)
		expect(body.type === 'interactive' && body.interactiveData).toMatchObject({
			data: { authenticate: { oauth2: { responseType: 'code', scope: ['email'], state: 's', responseEncryptionKey: 'BPub', clientSecret: 'cs' } } },
			receivedMessage: { title: 'Sign In', subtitle: 'to see your orders' },
		})
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
					data: { version: '1.0', 'quick-reply': { summaryText: 'Yes?', items: [{ identifier: 'y', title: 'Yes' }, { identifier: 'n', title: 'No' }] }, newAppleKey: 1 },
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
					'quick-reply': { summaryText: 'Yes?', items: [{ identifier: 'y', title: 'Yes' }, { identifier: 'n', title: 'No' }] },
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
