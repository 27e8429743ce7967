import { describe, expect, it } from 'vitest'
import {
	authFlowFor,
	BusinessMessageSchema,
	type DeviceProfile,
	deriveTextFallback,
	fitToDevice,
	formatTimeSlot,
	type FormMessage,
	type ListPickerMessage,
	requiredCapabilities,
	type ResolvedMessage,
} from '../../src/apple/outbound'
import { BID, PNG_B64 } from './outbound-fixtures'

const IPHONE: DeviceProfile = { capabilities: ['LIST', 'TIME', 'QUICK', 'FORM', 'AUTH2'], deviceAgent: 'iPhone OS' }
const UNKNOWN: DeviceProfile = { capabilities: null, deviceAgent: null }
const without = (cap: string, device = IPHONE): DeviceProfile => ({
	...device,
	capabilities: (device.capabilities ?? []).filter((c) => c !== cap),
})
const MAC: DeviceProfile = { ...IPHONE, deviceAgent: 'Mac OS X' }

/** Fixtures must be valid business messages. */
function valid<T extends ResolvedMessage>(message: T): T {
	expect(BusinessMessageSchema.safeParse(message).error?.issues ?? []).toEqual([])
	return message
}

const picker = valid<ListPickerMessage>({
	type: 'listPicker',
	title: 'Pick a fruit',
	subtitle: 'Fresh today',
	bot: true,
	sections: [
		{
			title: 'Fruit',
			items: [
				{ id: 'a', title: 'Apple 🍎', subtitle: 'Red' },
				{ id: 'b', title: '梨' },
			],
		},
	],
})

const form = valid<FormMessage>({
	type: 'form',
	title: 'Shipping',
	pages: [
		{
			type: 'select',
			title: 'City',
			subtitle: 'Where?',
			items: [
				{ id: 'b', title: 'Berlin' },
				{ id: 'm', title: 'München' },
			],
		},
		{ type: 'input', subtitle: 'Your email' },
	],
})

describe('requiredCapabilities (docs/apple-protocol.md §6.1)', () => {
	it.each<[ResolvedMessage, string[][]]>([
		[{ type: 'text', text: 'x' }, []],
		[{ type: 'richLink', url: 'https://example.com' }, []],
		[{ type: 'applePay', total: { label: 'T', amount: '1.00' } }, []],
		[{ type: 'quickReply', prompt: 'p', items: [] }, [['QUICK']]],
		[picker, [['LIST']]],
		[{ type: 'timePicker', title: 't', slots: [] }, [['TIME']]],
		[form, [['FORM']]],
		[{ type: 'authenticate' }, [['AUTH2', 'AUTH']]],
		[{ type: 'apple', payload: { type: 'interactive', interactiveData: { bid: BID, data: { version: '1.0', event: { timeslots: [] } } } } }, [['TIME']]],
		[
			{
				type: 'apple',
				payload: {
					type: 'interactive',
					interactiveData: { bid: BID, data: { version: '1.0', authenticate: { oauth2: { responseType: 'code', state: 's', redirectURI: 'https://x' } } } },
				},
			},
			[['AUTH2']],
		],
	])('%#: %j', (message, expected) => {
		expect(requiredCapabilities(message)).toEqual(expected)
	})
})

describe('fitToDevice', () => {
	it('sends the original when the device has the capability', () => {
		expect(fitToDevice(picker, IPHONE)).toEqual({ message: picker, rendered: 'original' })
	})

	it('assumes a current iPhone when no capability list was ever received', () => {
		expect(fitToDevice(picker, UNKNOWN).rendered).toBe('original')
		expect(fitToDevice(form, UNKNOWN).rendered).toBe('original')
		expect(fitToDevice({ type: 'authenticate' }, UNKNOWN).rendered).toBe('original')
	})

	it('reads capabilities case-insensitively', () => {
		expect(fitToDevice(picker, { capabilities: [' list '], deviceAgent: null }).rendered).toBe('original')
	})

	it('missing LIST with a fallback given → the fallback, inheriting bot', () => {
		const message = valid<ResolvedMessage>({ ...picker, fallback: { type: 'text', text: 'Apple or pear?' } })
		expect(fitToDevice(message, without('LIST'))).toEqual({
			message: { type: 'text', text: 'Apple or pear?', bot: true },
			rendered: 'fallback',
			reason: { code: 'device_lacks_capability', detail: 'LIST' },
		})
	})

	it('a fallback that sets bot keeps its own', () => {
		const message = valid<ResolvedMessage>({ ...picker, fallback: { type: 'text', text: 'x', bot: false } })
		expect(fitToDevice(message, without('LIST')).message).toEqual({ type: 'text', text: 'x', bot: false })
	})

	it('missing LIST without a fallback → derived text with numbered options', () => {
		expect(fitToDevice(picker, without('LIST'))).toEqual({
			message: {
				type: 'text',
				bot: true,
				text: 'Pick a fruit\nFresh today\n\n1. Apple 🍎 — Red\n2. 梨\n\nReply with the number of your choice.',
			},
			rendered: 'text',
			reason: { code: 'device_lacks_capability', detail: 'LIST' },
		})
	})

	it('a fallback the device cannot show either → derived text', () => {
		const message = valid<ResolvedMessage>({
			...picker,
			fallback: { type: 'apple', payload: { type: 'interactive', interactiveData: { bid: BID, data: { version: '1.0', 'quick-reply': { items: [] } } } } },
		})
		expect(fitToDevice(message, { capabilities: [], deviceAgent: 'iPhone OS' }).rendered).toBe('text')
	})

	it('Mac + form → text, even with FORM', () => {
		expect(fitToDevice(form, MAC)).toEqual({
			message: {
				type: 'text',
				text: 'Shipping\n\n1. City: Where? (Berlin, München)\n2. Your email\n\nPlease reply with your answers.',
			},
			rendered: 'text',
			reason: { code: 'device_not_iphone_or_ipad', detail: 'Mac OS X' },
		})
	})

	it('an unknown device agent counts as not iPhone/iPad for forms', () => {
		expect(fitToDevice(form, { ...IPHONE, deviceAgent: 'Watch OS' }).rendered).toBe('text')
		expect(fitToDevice(form, { ...IPHONE, deviceAgent: 'iPad' }).rendered).toBe('original')
	})

	it('Mac + iMessage app → text with the App Store link', () => {
		const app = valid<ResolvedMessage>({
			type: 'iMessageApp',
			bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.App.ext',
			appId: 123456789,
			appName: 'Package Delivery',
			appIcon: PNG_B64,
			url: '?id=42',
			receivedMessage: { title: 'Your package', subtitle: 'Track it' },
		})
		expect(fitToDevice(app, MAC)).toEqual({
			message: { type: 'text', text: 'Your package\nTrack it\n\nOpen in Package Delivery: https://apps.apple.com/app/id123456789' },
			rendered: 'text',
			reason: { code: 'device_not_iphone_or_ipad', detail: 'Mac OS X' },
		})
	})

	it('Mac + list picker with LIST → original; Apple Pay and rich links fit everywhere', () => {
		expect(fitToDevice(picker, MAC).rendered).toBe('original')
		const none: DeviceProfile = { capabilities: [], deviceAgent: 'Mac OS X' }
		expect(fitToDevice({ type: 'applePay', total: { label: 'T', amount: '1.00' } }, none).rendered).toBe('original')
		expect(fitToDevice({ type: 'richLink', url: 'https://example.com' }, none).rendered).toBe('original')
		expect(fitToDevice({ type: 'typing', active: true }, none).rendered).toBe('original')
	})

	it('authenticate: AUTH2 preferred, AUTH legacy, neither → sign-in text', () => {
		expect(authFlowFor(IPHONE)).toBe('auth2')
		expect(authFlowFor({ capabilities: ['AUTH', 'AUTH2'], deviceAgent: null })).toBe('auth2')
		expect(authFlowFor({ capabilities: ['auth'], deviceAgent: null })).toBe('legacy')
		expect(authFlowFor({ capabilities: [], deviceAgent: null })).toBeNull()
		expect(authFlowFor(UNKNOWN)).toBe('auth2')
		expect(fitToDevice({ type: 'authenticate' }, { capabilities: ['AUTH'], deviceAgent: null }).rendered).toBe('original')
		expect(fitToDevice({ type: 'authenticate', title: 'Sign in to Acme' }, { capabilities: [], deviceAgent: null })).toEqual({
			message: {
				type: 'text',
				text: 'Sign in to Acme\n\nPlease sign in to continue. This device cannot show the sign-in request; open this conversation on an up-to-date iPhone or iPad.',
			},
			rendered: 'text',
			reason: { code: 'device_lacks_capability', detail: 'AUTH2|AUTH' },
		})
	})
})

describe('deriveTextFallback', () => {
	it('quick reply → prompt and numbered items', () => {
		expect(
			deriveTextFallback({
				type: 'quickReply',
				prompt: 'How can we help? 🙂',
				items: [
					{ id: '1', title: 'Orders' },
					{ id: '2', title: 'مساعدة' },
				],
			}),
		).toEqual({ type: 'text', text: 'How can we help? 🙂\n\n1. Orders\n2. مساعدة\n\nReply with the number of your choice.' })
	})

	it('list picker with several sections → headings, continuous numbers, multi-selection hint', () => {
		const text = deriveTextFallback({
			type: 'listPicker',
			title: 'Produce',
			sections: [
				{
					title: 'Fruit',
					multipleSelection: true,
					items: [
						{ id: 'a', title: 'Apple' },
						{ id: 'b', title: 'Pear' },
					],
				},
				{ title: 'Veggies', items: [{ id: 'c', title: 'Carrot' }] },
			],
		}).text
		expect(text).toBe('Produce\n\nFruit\n1. Apple\n2. Pear\n\nVeggies\n3. Carrot\n\nReply with the numbers of your choices, separated by commas.')
	})

	it("time picker → slots written in the event's zone", () => {
		expect(
			deriveTextFallback({
				type: 'timePicker',
				title: 'Pick a time',
				timezoneOffset: -420,
				location: { title: 'Building One', latitude: 37.77, longitude: -122.43 },
				slots: [
					{ start: '2030-07-10T17:00:00Z', durationSeconds: 3600 },
					{ start: '2030-07-11T06:30:00Z', durationSeconds: 5400 },
				],
			}).text,
		).toBe(
			'Pick a time\nBuilding One\n\n1. Wed 10 Jul 2030, 10:00–11:00 (UTC-07:00)\n2. Wed 10 Jul 2030, 23:30 – Thu 11 Jul 2030, 01:00 (UTC-07:00)\n\nReply with the number of your choice.',
		)
	})

	it('time picker without an offset → UTC', () => {
		expect(formatTimeSlot(Date.UTC(2030, 0, 1, 9, 0), 1800)).toBe('Tue 1 Jan 2030, 09:00–09:30 (UTC)')
		expect(formatTimeSlot(Date.UTC(2030, 0, 1, 9, 0), 1800, 330)).toBe('Tue 1 Jan 2030, 14:30–15:00 (UTC+05:30)')
	})

	it('rich link → title and URL', () => {
		expect(deriveTextFallback({ type: 'richLink', url: 'https://example.com/p', title: 'iPad Pro' }).text).toBe('iPad Pro\nhttps://example.com/p')
	})

	it('never derives an empty message', () => {
		expect(deriveTextFallback({ type: 'apple', payload: { type: 'interactive', interactiveDataRef: { bid: BID, url: 'u', owner: 'o', size: 1 } } })).toEqual({
			type: 'text',
			text: 'This message cannot be shown on this device.',
		})
	})

	it('raw list picker → bubble title and numbered items', () => {
		expect(
			deriveTextFallback({
				type: 'apple',
				payload: {
					type: 'interactive',
					interactiveData: {
						bid: BID,
						data: {
							version: '1.0',
							listPicker: {
								sections: [
									{
										items: [
											{ identifier: 'a', title: 'A' },
											{ identifier: 'b', title: 'B', subtitle: 'b!' },
										],
									},
								],
							},
						},
						receivedMessage: { title: 'Choose' },
					},
				},
			}).text,
		).toBe('Choose\n\n1. A\n2. B — b!\n\nReply with the number of your choice.')
	})
})
