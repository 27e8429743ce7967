/** Rendering to Apple bodies: form, iMessage app, Apple Pay and authenticate. */
import { describe, expect, it } from 'vitest'
import { type ApplePayContext, appleEndpointFor, type FormMessage, RenderError, renderAppleBody } from '../../src/apple/outbound'
import { BID, CTX, ENVELOPE, JPEG_B64, PNG_B64, render } from './outbound-fixtures'

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
			{
				id: 'size',
				type: 'picker',
				title: 'Size',
				pickerTitle: 'Size',
				selectedItemIndex: 1,
				items: [
					{ id: 's', title: 'S' },
					{ id: 'm', title: 'M' },
				],
			},
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
									options: {
										required: true,
										inputType: 'singleline',
										maximumCharacterCount: 250,
										keyboardType: 'emailAddress',
										textContentType: 'emailAddress',
									},
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
