/** Well-formed MSP → Apple interactive payloads, per docs/apple-interactive.md §5. */
import { appleBid, PNG_B64, slotTime } from './gateway'

export function quickReply(items = 3): Record<string, unknown> {
	return {
		bid: appleBid,
		data: {
			version: '1.0',
			requestIdentifier: crypto.randomUUID(),
			'quick-reply': {
				summaryText: 'What can I help you with?',
				items: Array.from({ length: items }, (_, i) => ({ identifier: String(i + 1), title: `Option ${i + 1}` })),
			},
		},
	}
}

export function listPicker(o: { title?: string | null; multipleSelection?: boolean } = {}): Record<string, unknown> {
	return {
		bid: appleBid,
		receivedMessage: o.title === null ? { subtitle: 'no title' } : { title: o.title ?? 'Pick a fruit', style: 'icon', imageIdentifier: '0' },
		replyMessage: { title: 'You picked', style: 'icon' },
		data: {
			mspVersion: '1.0',
			requestIdentifier: crypto.randomUUID(),
			images: [{ identifier: '0', data: PNG_B64 }],
			listPicker: {
				sections: [
					{
						title: 'Fruit',
						order: 0,
						multipleSelection: o.multipleSelection ?? true,
						items: [
							{ identifier: '1', order: 0, style: 'default', title: 'Apple', subtitle: 'Red', imageIdentifier: '0' },
							{ identifier: '2', order: 1, style: 'default', title: 'Pear' },
						],
					},
				],
			},
		},
	}
}

export function timePicker(o: { startTime?: string; title?: string | null } = {}): Record<string, unknown> {
	return {
		bid: appleBid,
		receivedMessage: o.title === null ? {} : { title: o.title ?? 'Schedule an appointment', style: 'icon' },
		replyMessage: { title: 'Booked', style: 'icon' },
		data: {
			version: '1.0',
			requestIdentifier: crypto.randomUUID(),
			event: {
				identifier: '1',
				title: 'Schedule an appointment',
				timezoneOffset: -420,
				location: { latitude: 37.7725, longitude: -122.4311, radius: 100, title: 'Building One' },
				timeslots: [
					{ identifier: '0', startTime: o.startTime ?? slotTime(24 * 60), duration: 3600 },
					{ identifier: '1', startTime: slotTime(25 * 60), duration: 1800 },
				],
			},
		},
	}
}

export function form(): Record<string, unknown> {
	return {
		bid: appleBid,
		receivedMessage: { title: 'Tell us about you', style: 'icon' },
		replyMessage: { title: 'Tap to view your response.' },
		data: {
			version: '1.0',
			requestIdentifier: crypto.randomUUID(),
			dynamic: {
				version: '1.1',
				template: 'messageForms',
				data: {
					title: 'Sign-up',
					startPageIdentifier: '0',
					showSummary: true,
					pages: [
						{
							pageIdentifier: '0',
							type: 'select',
							title: 'City',
							subtitle: 'Select your city',
							multipleSelection: false,
							items: [
								{ identifier: '001', title: 'Berlin', value: 'berlin', nextPageIdentifier: '1' },
								{ identifier: '002', title: 'Paris', value: 'paris', nextPageIdentifier: '1' },
							],
						},
						{
							pageIdentifier: '1',
							type: 'input',
							title: 'Email',
							subtitle: 'Enter your email',
							submitForm: true,
							options: { required: true, inputType: 'singleline', keyboardType: 'emailAddress' },
						},
					],
				},
			},
		},
	}
}

export function payment(merchantSession: Record<string, unknown>, gatewayUrl: string): Record<string, unknown> {
	return {
		bid: appleBid,
		receivedMessage: { title: 'Your order', style: 'icon' },
		data: {
			version: '1.0',
			requestIdentifier: crypto.randomUUID(),
			payment: {
				paymentRequest: {
					applePay: {
						merchantIdentifier: 'merchant.com.example',
						supportedNetworks: ['visa', 'masterCard'],
						merchantCapabilities: ['supports3DS'],
					},
					countryCode: 'US',
					currencyCode: 'USD',
					lineItems: [{ label: 'Adoption fee', amount: '1.50', type: 'final' }],
					total: { label: 'Your Total', amount: '3.50', type: 'final' },
				},
				merchantSession,
				endpoints: { paymentGatewayUrl: gatewayUrl },
			},
		},
	}
}

export function authenticate(): Record<string, unknown> {
	return {
		bid: appleBid,
		receivedMessage: { title: 'Sign in', style: 'icon' },
		replyMessage: { title: 'You signed in' },
		data: {
			version: '1.0',
			requestIdentifier: crypto.randomUUID(),
			authenticate: {
				oauth2: { responseType: 'code', scope: ['openid', 'email'], state: crypto.randomUUID(), redirectURI: 'https://msp.example/auth/callback' },
			},
		},
	}
}

export function customApp(): Record<string, unknown> {
	return {
		bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.PackageDelivery.MessagesExtension',
		appId: 123456789,
		appName: 'Package Delivery',
		appIcon: PNG_B64,
		URL: '?name=samplepackage&deliveryDate=27-01-2017',
		sessionIdentifier: crypto.randomUUID(),
		useLiveLayout: true,
		receivedMessage: { title: 'Package Delivery', subtitle: 'Location of Package' },
	}
}
