import { describe, expect, it } from 'vitest'
import {
	type BusinessMessage,
	BusinessMessageSchema,
	FORM_PAGE_ID_MAX_LENGTH,
	type FormMessage,
	IMESSAGE_APP_URL_MAX_BYTES,
	INTERACTIVE_IMAGES_MAX_BYTES,
	ITEM_IMAGE_MAX_BYTES,
	type IMessageAppMessage,
	type ListPickerMessage,
	preflight,
	type PreflightOptions,
	preflightWarnings,
	type QuickReplyMessage,
	RICH_LINK_IMAGE_MAX_BYTES,
	type TimePickerMessage,
} from '../../src/apple/outbound'
import { BID, bytesB64, NOW, PNG_B64 } from './outbound-fixtures'

/** Preflight of a schema-valid message. */
function check(message: BusinessMessage, options: Partial<PreflightOptions> = {}) {
	expect(BusinessMessageSchema.safeParse(message).error?.issues ?? []).toEqual([])
	return preflight(message, { now: NOW, ...options })
}

const item = (id: string) => ({ id, title: `Item ${id}` })

const quickReply: QuickReplyMessage = { type: 'quickReply', prompt: 'Which?', items: [item('a'), item('b')] }
const listPicker: ListPickerMessage = {
	type: 'listPicker',
	title: 'Pick',
	sections: [
		{ title: 'One', items: [item('a')] },
		{ title: 'Two', multipleSelection: true, items: [item('b'), item('c')] },
	],
}
const timePicker: TimePickerMessage = {
	type: 'timePicker',
	title: 'When?',
	slots: [
		{ start: '2030-07-10T10:00:00-07:00', durationSeconds: 3600 },
		{ start: '2030-07-10T11:00:00-07:00', durationSeconds: 3600 },
	],
}
const form: FormMessage = {
	type: 'form',
	title: 'Form',
	pages: [
		{ id: 'p1', type: 'select', subtitle: 'City?', items: [{ id: 'x', title: 'X', nextPageId: 'p2' }] },
		{ id: 'p2', type: 'input', subtitle: 'Name?' },
	],
}
const app: IMessageAppMessage = {
	type: 'iMessageApp',
	bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.App.MessagesExtension',
	appId: 123,
	appName: 'App',
	appIcon: PNG_B64,
	url: '?a=1',
	receivedMessage: { title: 'Open' },
}

describe('messages Apple accepts', () => {
	it.each<[string, BusinessMessage]>([
		['text', { type: 'text', text: '你好 👋' }],
		['text with attachments only', { type: 'text', text: '', attachments: ['att_1'] }],
		['typing', { type: 'typing', active: true }],
		['rich link', { type: 'richLink', url: 'https://example.com', image: PNG_B64 }],
		['quick reply', quickReply],
		['list picker', listPicker],
		['time picker', timePicker],
		['form', form],
		['iMessage app', app],
		['Apple Pay', { type: 'applePay', total: { label: 'Total', amount: '3.50' } }],
		['authenticate', { type: 'authenticate' }],
		['template', { type: 'template', templateId: 'tpl_1' }],
		['list picker with text fallback', { ...listPicker, fallback: { type: 'text', text: 'Reply 1 or 2' } }],
	])('%s has no issues', (_, message) => {
		expect(check(message)).toEqual([])
	})
})

describe('typed rejections', () => {
	it('empty text without attachments', () => {
		expect(check({ type: 'text', text: '  ' })).toEqual([{ path: 'text', message: 'text is empty; give text, attachments or both' }])
	})

	it('quick reply with one item', () => {
		expect(check({ ...quickReply, items: [item('a')] })).toEqual([{ path: 'items', message: 'a quick reply needs 2 to 5 items; got 1' }])
	})

	it('quick reply with six items', () => {
		expect(check({ ...quickReply, items: ['1', '2', '3', '4', '5', '6'].map(item) })).toEqual([
			{ path: 'items', message: 'a quick reply needs 2 to 5 items; got 6' },
		])
	})

	it('quick reply without a prompt', () => {
		expect(check({ ...quickReply, prompt: '' })).toEqual([{ path: 'prompt', message: 'prompt is empty; Apple shows it as the question above the buttons' }])
	})

	it('quick reply with duplicate ids', () => {
		expect(check({ ...quickReply, items: [item('a'), item('a')] })).toEqual([
			{ path: 'items[1].id', message: 'duplicate item id "a": replies name the choice by its id' },
		])
	})

	it('list picker without a title', () => {
		expect(check({ ...listPicker, title: ' ' })).toEqual([{ path: 'title', message: 'a list picker without a title is rejected by Apple' }])
	})

	it('list picker without sections', () => {
		expect(check({ ...listPicker, sections: [] })).toEqual([{ path: 'sections', message: 'a list picker needs at least one section' }])
	})

	it('list picker with an empty section', () => {
		expect(check({ ...listPicker, sections: [...listPicker.sections, { title: 'Empty', multipleSelection: true, items: [] }] })).toEqual([
			{ path: 'sections[2].items', message: 'section "Empty" is empty; every section needs items' },
		])
	})

	it('list picker with an item id repeated in another section', () => {
		expect(
			check({
				...listPicker,
				sections: [
					{ title: 'One', items: [item('a')] },
					{ title: 'Two', items: [item('a')] },
				],
			}),
		).toEqual([{ path: 'sections[1].items[0].id', message: 'duplicate item id "a": replies name the choice by its id' }])
	})

	it('time picker without a title', () => {
		expect(check({ ...timePicker, title: '' })).toEqual([{ path: 'title', message: 'a time picker without a title is rejected by Apple' }])
	})

	it('time picker without slots', () => {
		expect(check({ ...timePicker, slots: [] })).toEqual([{ path: 'slots', message: 'a time picker needs at least one slot' }])
	})

	it('time slot in the past: Apple accepts it, so a warning and no error', () => {
		// NOW is 2025-01-01T00:00Z, i.e. 23:00 at -01:00.
		const past = { ...timePicker, slots: [{ start: '2024-12-31T22:59:00-01:00', durationSeconds: 60 }] }
		expect(check(past)).toEqual([])
		expect(preflightWarnings(past, { now: NOW })).toEqual([
			{ path: 'slots[0].start', code: 'time_slot_past', message: 'slot starts in the past (2024-12-31T22:59:00-01:00); the customer cannot choose it' },
		])
		const present = { ...timePicker, slots: [{ start: '2024-12-31T23:00:00-01:00', durationSeconds: 60 }] }
		expect(check(present)).toEqual([])
		expect(preflightWarnings(present, { now: NOW })).toEqual([])
	})

	it('a past slot in the fallback warns under fallback.', () => {
		const past = { ...timePicker, slots: [{ start: '2022-05-01T10:00:00Z', durationSeconds: 60 }] }
		expect(preflightWarnings({ ...quickReply, fallback: past }, { now: NOW }).map((w) => [w.path, w.code])).toEqual([
			['fallback.slots[0].start', 'time_slot_past'],
		])
	})

	it('time slot with seconds', () => {
		expect(check({ ...timePicker, slots: [{ start: '2030-07-10T10:00:30Z', durationSeconds: 60 }] })).toEqual([
			{ path: 'slots[0].start', message: 'Apple time slots have minute precision; use a start with 0 seconds' },
		])
	})

	it('time slots with the same id, given or defaulted', () => {
		expect(check({ ...timePicker, slots: [timePicker.slots[0]!, { ...timePicker.slots[1]!, id: '0' }] })).toEqual([
			{ path: 'slots[1].id', message: 'duplicate slot id "0": replies name the choice by its id' },
		])
	})

	it('form without a title', () => {
		expect(check({ ...form, title: '' })).toEqual([{ path: 'title', message: 'a form without a title is rejected by Apple' }])
	})

	it('form without pages', () => {
		expect(check({ ...form, pages: [] })).toEqual([{ path: 'pages', message: 'a form needs at least one page' }])
	})

	it('form page id of 20 characters', () => {
		const id = 'x'.repeat(FORM_PAGE_ID_MAX_LENGTH + 1)
		expect(check({ ...form, pages: [{ id, type: 'input' }] })).toEqual([{ path: 'pages[0].id', message: 'page id must be shorter than 20 characters' }])
	})

	it('form with duplicate page ids, including a defaulted one', () => {
		expect(check({ ...form, pages: [{ type: 'input' }, { id: '0', type: 'input' }] })).toEqual([
			{ path: 'pages[1].id', message: 'duplicate page id "0": replies name the choice by its id' },
		])
	})

	it('form pointing to a page that does not exist', () => {
		expect(
			check({
				...form,
				startPageId: 'nope',
				pages: [
					{ id: 'a', type: 'input', nextPageId: 'b' },
					{ id: 'c', type: 'select', items: [{ id: 'i', title: 'I', nextPageId: 'z' }] },
				],
			}),
		).toEqual([
			{ path: 'startPageId', message: 'no page has id "nope"' },
			{ path: 'pages[0].nextPageId', message: 'no page has id "b"' },
			{ path: 'pages[1].items[0].nextPageId', message: 'no page has id "z"' },
		])
	})

	it('form select or picker page without items', () => {
		expect(
			check({
				...form,
				pages: [
					{ type: 'select', items: [] },
					{ type: 'picker', items: [] },
				],
			}),
		).toEqual([
			{ path: 'pages[0].items', message: 'a select page needs at least one item' },
			{ path: 'pages[1].items', message: 'a picker page needs at least one item' },
		])
	})

	it('form multiple-selection page that branches per item', () => {
		expect(
			check({
				...form,
				pages: [
					{ id: 'a', type: 'select', multipleSelection: true, items: [{ id: 'i', title: 'I', nextPageId: 'b' }] },
					{ id: 'b', type: 'input' },
				],
			}),
		).toEqual([{ path: 'pages[0].items[0].nextPageId', message: 'only single-selection pages can branch per item' }])
	})

	it('form picker preselecting an item that does not exist', () => {
		expect(check({ ...form, pages: [{ type: 'picker', selectedItemIndex: 2, items: [item('a'), item('b')] }] })).toEqual([
			{ path: 'pages[0].selectedItemIndex', message: 'there are only 2 items' },
		])
	})

	it("iMessage app with Apple's own extension", () => {
		expect(check({ ...app, bid: BID })).toEqual([
			{ path: 'bid', message: "this is Apple's own extension; use the listPicker, timePicker, form… types instead" },
		])
	})

	it('iMessage app with a malformed bid', () => {
		expect(check({ ...app, bid: 'com.example.App' })).toEqual([
			{ path: 'bid', message: 'must be com.apple.messages.MSMessageExtensionBalloonPlugin:<team id>:<extension bundle id>' },
		])
	})

	it('iMessage app data over 64 KB', () => {
		expect(check({ ...app, url: `?d=${'é'.repeat(IMESSAGE_APP_URL_MAX_BYTES / 2)}` })).toEqual([
			{ path: 'url', message: 'extension data is limited to 64000 bytes' },
		])
	})

	it('iMessage app without an icon: accepted by Apple, so a warning', () => {
		const { appIcon: _, ...noIcon } = app
		expect(check(noIcon)).toEqual([])
		expect(preflightWarnings(noIcon, { now: NOW })).toEqual([
			{ path: 'appIcon', code: 'app_icon_missing', message: 'no app icon: customers without the extension see a blank bubble' },
		])
		expect(preflightWarnings(app, { now: NOW })).toEqual([])
	})

	it('iMessage app without a bubble title', () => {
		expect(check({ ...app, receivedMessage: {} })).toEqual([
			{ path: 'receivedMessage.title', message: 'an iMessage app message without a title is rejected by Apple' },
		])
	})

	it('Apple Pay with a negative total and duplicate shipping methods', () => {
		const ship = { identifier: 's', label: 'Ship', amount: '0.00' }
		expect(check({ type: 'applePay', total: { label: 'T', amount: '-1.00' }, shippingMethods: [ship, ship] })).toEqual([
			{ path: 'total.amount', message: 'the total must not be negative' },
			{ path: 'shippingMethods[1].identifier', message: 'duplicate shipping method identifier "s": replies name the choice by its id' },
		])
	})

	it('authenticate with an empty scope', () => {
		expect(check({ type: 'authenticate', scope: [] })).toEqual([
			{ path: 'scope', message: 'give at least one scope, or leave scope out to use the configured ones' },
		])
	})
})

describe('image limits', () => {
	it('rich link with both image and imageUrl', () => {
		expect(check({ type: 'richLink', url: 'https://example.com', image: PNG_B64, imageUrl: 'https://cdn.example.com/a.png' })).toEqual([
			{ path: 'imageUrl', message: 'give either image or imageUrl, not both' },
		])
	})

	it('inline rich link image over 200 kB', () => {
		expect(check({ type: 'richLink', url: 'https://example.com', image: bytesB64(RICH_LINK_IMAGE_MAX_BYTES) })).toEqual([])
		expect(check({ type: 'richLink', url: 'https://example.com', image: bytesB64(RICH_LINK_IMAGE_MAX_BYTES + 1) })).toEqual([
			{ path: 'image', message: "image is 200001 bytes; Apple's limit here is 200000 bytes" },
		])
	})

	it('list item image over 64 KB, as a data URI', () => {
		const big = `data:image/png;base64,${bytesB64(ITEM_IMAGE_MAX_BYTES + 1)}`
		expect(check({ ...listPicker, sections: [{ title: 'S', items: [{ ...item('a'), image: big }] }] })).toEqual([
			{ path: 'sections[0].items[0].image', message: "image is 64001 bytes; Apple's limit here is 64000 bytes" },
		])
	})

	it('fetched URL image over the limit, once resolved', () => {
		const url = 'https://cdn.example.com/big.png'
		const message: ListPickerMessage = { ...listPicker, sections: [{ title: 'S', items: [{ ...item('a'), image: url }] }] }
		expect(check(message)).toEqual([])
		const images = new Map([[url, { data: bytesB64(ITEM_IMAGE_MAX_BYTES + 3), mimeType: 'image/png' }]])
		expect(check(message, { images })).toEqual([{ path: 'sections[0].items[0].image', message: "image is 64003 bytes; Apple's limit here is 64000 bytes" }])
	})

	it('all images of one message over 500 kB', () => {
		// Bubble images have no cap of their own; three large ones break the total.
		const big = bytesB64(200_000)
		const message: FormMessage = {
			...form,
			receivedMessage: { image: big },
			splash: { image: `data:image/png;base64,${big}` },
			replyMessage: { image: bytesB64(150_000) },
		}
		expect(INTERACTIVE_IMAGES_MAX_BYTES).toBe(500_000)
		expect(check(message)).toEqual([{ path: 'splash.image', message: 'images of one message total more than 500000 bytes' }])
	})
})

describe('fallbacks', () => {
	it('fallback that needs a capability itself', () => {
		expect(check({ ...listPicker, fallback: quickReply })).toEqual([
			{ path: 'fallback', message: 'a fallback must work on every device, but a quickReply needs QUICK' },
		])
	})

	it('fallback that needs an iPhone or iPad', () => {
		expect(check({ ...listPicker, fallback: app })).toEqual([
			{ path: 'fallback', message: 'a fallback must work on every device, but a iMessageApp needs an iPhone or iPad' },
		])
	})

	it("fallback's own problems, under fallback.", () => {
		expect(check({ ...listPicker, fallback: { type: 'text', text: '' } })).toEqual([
			{ path: 'fallback.text', message: 'text is empty; give text, attachments or both' },
		])
	})
})

describe('raw apple payloads', () => {
	const interactive = (data: Record<string, unknown>, rest: Record<string, unknown> = {}): BusinessMessage =>
		BusinessMessageSchema.parse({
			type: 'apple',
			payload: { type: 'interactive', interactiveData: { bid: BID, data: { version: '1.0', ...data }, ...rest } },
		})
	const received = { receivedMessage: { title: 'Pick' } }

	it('misspelt known keys such as listPickerItem', () => {
		const message = interactive({ listPicker: { sections: [{ title: 'S', items: [{ identifier: 'a', title: 'A' }], listPickerItem: [] }] } }, received)
		expect(preflight(message, { now: NOW })).toEqual([
			{ path: 'payload.interactiveData.data.listPicker.sections[0].listPickerItem', message: 'unknown key "listPickerItem"; Apple\'s key is "items"' },
		])
	})

	it('camel-cased quickReply, timeSlots, url for URL and imageId', () => {
		const message = BusinessMessageSchema.parse({
			type: 'apple',
			payload: {
				type: 'interactive',
				interactiveData: {
					bid: BID,
					url: 'x',
					data: {
						version: '1.0',
						quickReply: {},
						event: { title: 'T', timeslots: [{ identifier: '1', startTime: '2030-07-10T17:00+0000', duration: 60 }], timeSlots: [] },
					},
					receivedMessage: { title: 'T', imageId: '0' },
				},
			},
		})
		const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)
		expect(preflight(message, { now: NOW }).sort(byPath)).toEqual(
			[
				{ path: 'payload.interactiveData.url', message: 'unknown key "url"; Apple\'s key is "URL"' },
				{ path: 'payload.interactiveData.data.quickReply', message: 'unknown key "quickReply"; Apple\'s key is "quick-reply"' },
				{ path: 'payload.interactiveData.data.event.timeSlots', message: 'unknown key "timeSlots"; Apple\'s key is "timeslots"' },
				{ path: 'payload.interactiveData.receivedMessage.imageId', message: 'unknown key "imageId"; Apple\'s key is "imageIdentifier"' },
			].sort(byPath),
		)
	})

	it('lets keys that resemble nothing known through', () => {
		expect(
			preflight(
				interactive({
					'quick-reply': {
						summaryText: 'Q',
						items: [
							{ identifier: '1', title: 'a' },
							{ identifier: '2', title: 'b' },
						],
					},
					futureFeature: true,
				}),
				{ now: NOW },
			),
		).toEqual([])
	})

	it('picker without a bubble title', () => {
		expect(preflight(interactive({ listPicker: { sections: [{ items: [{ identifier: 'a', title: 'A' }] }] } }), { now: NOW })).toEqual([
			{ path: 'payload.interactiveData.receivedMessage.title', message: 'pickers and forms without a title are rejected by Apple' },
		])
	})

	it('quick reply with one item', () => {
		expect(preflight(interactive({ 'quick-reply': { items: [{ identifier: '1', title: 'a' }] } }), { now: NOW })).toEqual([
			{ path: 'payload.interactiveData.data.quick-reply.items', message: 'a quick reply needs 2 to 5 items; got 1' },
		])
	})

	it('empty list picker section', () => {
		expect(preflight(interactive({ listPicker: { sections: [{ title: 'S', items: [] }] } }, received), { now: NOW })).toEqual([
			{ path: 'payload.interactiveData.data.listPicker.sections[0].items', message: 'every section needs items' },
		])
	})

	it('time slot in the past is a warning (Apple sample payloads carry 2022 slots)', () => {
		const event = { timeslots: [{ identifier: '1', startTime: '2024-07-10T17:00+0000', duration: 60 }] }
		expect(preflight(interactive({ event }, received), { now: NOW })).toEqual([])
		expect(preflightWarnings(interactive({ event }, received), { now: NOW })).toEqual([
			{
				path: 'payload.interactiveData.data.event.timeslots[0].startTime',
				code: 'time_slot_past',
				message: 'slot starts in the past; the customer cannot choose it',
			},
		])
	})
})
