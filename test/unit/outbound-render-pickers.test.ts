/** Rendering to Apple bodies: quick reply, list picker and time picker. */
import { describe, expect, it } from 'vitest'
import type { ListPickerMessage } from '../../src/apple/outbound'
import { BID, CTX, ENVELOPE, JPEG_B64, PNG_B64, render } from './outbound-fixtures'

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
