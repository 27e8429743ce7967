/**
 * One example of `POST /v1/messages` per message type, shown in the OpenAPI document and the
 * `/docs` reference. A test parses each with the send's schema, so they stay valid
 * (test/integration/openapi.test.ts; docs/api.md "How the document is made").
 */
import type { SendMessageRequest } from './schemas'

const customerId = 'urn:mbid:AQAAY5/Vzp0XnRKD0fs7mNPwQ0Wa1uN0kKp2qA2L4d2y5ChmmCpV3R6VNbj0Ny1Dl9aGMlNq2'

const message = (summary: string, m: SendMessageRequest['message']) => ({ summary, value: { customerId, message: m } satisfies SendMessageRequest })

export const SEND_EXAMPLES = {
	text: message('Text', { type: 'text', text: 'Your order #1042 is ready for pickup. Details: https://example.com/orders/1042' }),
	textWithAttachment: message('Text with an attachment', {
		type: 'text',
		text: 'Here is your receipt.',
		attachments: ['att_5f0c6c1e2b7d4a8e9f00112233445566'],
	}),
	typing: message('Typing indicator', { type: 'typing', active: true }),
	richLink: message('Rich link', {
		type: 'richLink',
		url: 'https://example.com/menu',
		title: 'Our autumn menu',
		imageUrl: 'https://example.com/images/menu.png',
	}),
	quickReply: message('Quick reply', {
		type: 'quickReply',
		prompt: 'How was your visit?',
		items: [
			{ id: 'great', title: 'Great' },
			{ id: 'ok', title: 'OK' },
			{ id: 'poor', title: 'Poor' },
		],
	}),
	listPicker: message('List picker', {
		type: 'listPicker',
		title: 'Pick a store',
		subtitle: 'Open today until 8 pm',
		sections: [
			{
				title: 'Stores near you',
				items: [
					{ id: 'uptown', title: 'Uptown', subtitle: '12 Main St' },
					{ id: 'harbour', title: 'Harbour', subtitle: '3 Quay Rd' },
				],
			},
		],
		receivedMessage: { title: 'Pick a store', style: 'small' },
		fallback: { type: 'text', text: 'Reply with Uptown or Harbour.' },
	}),
	timePicker: message('Time picker', {
		type: 'timePicker',
		title: 'Book a fitting',
		timezoneOffset: -420,
		location: { title: 'Uptown store', latitude: 37.7749, longitude: -122.4194, radius: 100 },
		slots: [
			{ id: 'mon-10', start: '2030-07-08T10:00:00-07:00', durationSeconds: 1800 },
			{ id: 'mon-11', start: '2030-07-08T11:00:00-07:00', durationSeconds: 1800 },
		],
	}),
	form: message('Form', {
		type: 'form',
		title: 'Quick survey',
		showSummary: true,
		pages: [
			{
				type: 'select',
				title: 'Drink',
				subtitle: 'What did you have?',
				items: [
					{ id: 'latte', title: 'Latte' },
					{ id: 'tea', title: 'Tea' },
				],
			},
			{ type: 'input', title: 'Comments', subtitle: 'Anything else?', options: { inputType: 'multiline', required: false } },
		],
	}),
	iMessageApp: message('iMessage app', {
		type: 'iMessageApp',
		bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.coffee.extension',
		appId: 1234567890,
		appName: 'Example Coffee',
		appIcon: 'https://example.com/images/app-icon.png',
		url: '?order=1042&step=pay',
		receivedMessage: { title: 'Your order', subtitle: 'Tap to review' },
	}),
	applePay: message('Apple Pay', {
		type: 'applePay',
		total: { label: 'Example Coffee', amount: '7.50' },
		lineItems: [
			{ label: 'Latte', amount: '4.50' },
			{ label: 'Croissant', amount: '3.00' },
		],
		receivedMessage: { title: 'Pay for your order', subtitle: '$7.50' },
	}),
	authenticate: message('Authenticate', { type: 'authenticate', title: 'Sign in to see your orders', returnToken: false }),
	template: message('Template', { type: 'template', templateId: 'tpl_9c1f5e2a7b3d4c6e8f0a1b2c3d4e5f60', variables: { name: 'Ann' } }),
	apple: message('Raw Apple body', { type: 'apple', payload: { type: 'text', body: 'Sent as Apple JSON.' } }),
} as const
