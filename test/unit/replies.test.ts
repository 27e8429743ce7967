/**
 * Interactive replies, one fixture per kind written from the reply examples of
 * docs/apple-interactive.md §3.1, §5.1–5.8. The requests they answer are rendered by our own
 * outbound renderer, so the matching is tested against exactly what we send.
 */
import { describe, expect, it } from 'vitest'
import { type AppleMessageBody, type RenderableMessage, type RenderContext, renderAppleBody } from '../../src/apple/outbound'
import { formatRfc3339, normaliseReply, requestForMatching } from '../../src/apple/replies'
import { parseFormDate } from '../../src/apple/reply-form'
import { interactiveDedupeKey } from '../../src/conversation/inbound-events'
import { InboundMessageSchema } from '../../src/apple/inbound'

const BID = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'
const REQ = '5f6b8c9a-0000-4000-8000-00000000abcd'
const SESSION = 'e1d2c3b4-0000-4000-8000-0000000005e5'

const ctx = (requestIdentifier = REQ): RenderContext => ({
	messageId: '0c316beb-0000-4000-8000-000000000001',
	businessId: 'a884eddf-0000-4000-8000-00000000b12b',
	customerId: 'urn:mbid:AQAAYyUbut6E4B3T9FLv5EbG',
	requestIdentifier,
	images: new Map(),
})

/** What we sent: `interactiveData.data` of the rendered body (the form the DO would store). */
function sent(message: RenderableMessage, requestIdentifier = REQ): Record<string, unknown> {
	const body: AppleMessageBody = renderAppleBody(message, ctx(requestIdentifier))
	if (body.type !== 'interactive') throw new Error('not interactive')
	return body.interactiveData!.data as Record<string, unknown>
}

/** An inline reply as §3.1 shows it: replyMessage inside `data`, sessionIdentifier beside it. */
const reply = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
	bid: BID,
	data: { version: '1.0', requestIdentifier: REQ, ...data },
	sessionIdentifier: SESSION,
	...extra,
})

describe('quick reply (§5.1)', () => {
	const request = sent({
		type: 'quickReply',
		prompt: 'What can I help you with?',
		items: [
			{ id: 'video', title: 'Watch our video' },
			{ id: 'agent', title: 'Talk to an agent' },
		],
	})
	// The device echoes `quick-reply` with `selectedIndex` (WEBEX `"selectedIndex": 0`; CW-FORK).
	const fixture = reply({
		'quick-reply': {
			summaryText: 'What can I help you with?',
			items: [
				{ identifier: 'video', title: 'Watch our video' },
				{ identifier: 'agent', title: 'Talk to an agent' },
			],
			selectedIndex: 1,
		},
		replyMessage: { title: 'Talk to an agent', style: 'icon' },
	})

	it('gives the chosen item with the id and title we sent', () => {
		expect(normaliseReply(fixture, request)).toEqual({
			kind: 'quickReply',
			requestId: REQ,
			sessionId: SESSION,
			displayText: 'Talk to an agent',
			matchedRequest: true,
			selected: { index: 1, id: 'agent', title: 'Talk to an agent' },
		})
	})

	it('falls back to the echoed items without the request, and reads a string index', () => {
		const r = normaliseReply(
			reply({
				'quick-reply': {
					items: [
						{ identifier: '1', title: 'A' },
						{ identifier: '2', title: 'B' },
					],
					selectedIndex: '0',
				},
			}),
		)
		expect(r).toMatchObject({ kind: 'quickReply', matchedRequest: false, selected: { index: 0, id: '1', title: 'A' } })
	})

	it('reports a missing or out-of-range index honestly', () => {
		expect(normaliseReply(reply({ 'quick-reply': { items: [] } }))).toMatchObject({ kind: 'quickReply', selected: null })
		expect(normaliseReply(reply({ 'quick-reply': { selectedIndex: 7 } }), request)).toMatchObject({
			selected: { index: 7, id: null, title: null },
		})
	})

	it('ignores a request whose requestIdentifier is another one', () => {
		const other = sent(
			{
				type: 'quickReply',
				prompt: 'x',
				items: [
					{ id: 'x1', title: 'X1' },
					{ id: 'x2', title: 'X2' },
				],
			},
			'another-request',
		)
		expect(normaliseReply(fixture, other)).toMatchObject({ matchedRequest: false, selected: { index: 1, id: 'agent' } })
	})

	it('accepts the request as the whole Apple body or its interactiveData', () => {
		const body = renderAppleBody(
			{
				type: 'quickReply',
				prompt: 'p',
				items: [
					{ id: 'a', title: 'A' },
					{ id: 'b', title: 'B' },
				],
			},
			ctx(),
		)
		const r1 = normaliseReply(fixture, body)
		const r2 = normaliseReply(fixture, (body as { interactiveData: unknown }).interactiveData)
		expect(r1).toMatchObject({ matchedRequest: true, selected: { id: 'b', title: 'B' } })
		expect(r2).toEqual(r1)
	})
})

describe('list picker (§5.2)', () => {
	const request = sent({
		type: 'listPicker',
		title: 'Groceries',
		sections: [
			{
				title: 'Fruit',
				multipleSelection: true,
				items: [
					{ id: 'apple', title: 'Apple', subtitle: 'Red and delicious' },
					{ id: 'pear', title: 'Pear' },
				],
			},
			{
				title: 'Vegetables',
				items: [
					{ id: 'carrot', title: 'Carrot' },
					{ id: 'leek', title: 'Leek' },
				],
			},
		],
	})
	// The reply is the chosen subset of sections and items, same identifiers (A-TUT-LP; SPASIU),
	// with the selection as a human string in replyMessage (TOCK; WEBEX).
	const fixture = reply({
		listPicker: {
			sections: [
				{
					title: 'Fruit',
					order: 0,
					multipleSelection: true,
					items: [
						{ identifier: 'apple', order: 0, style: 'default', title: 'Apple' },
						{ identifier: 'pear', order: 1, style: 'default', title: 'Pear' },
					],
				},
				{ title: 'Vegetables', order: 1, multipleSelection: false, items: [{ identifier: 'leek', order: 1, style: 'default', title: 'Leek' }] },
			],
		},
		replyMessage: { title: 'Apple, Pear and Leek', subtitle: 'Selected', style: 'icon' },
	})

	it('gives every selected item with its section', () => {
		expect(normaliseReply(fixture, request)).toEqual({
			kind: 'listPicker',
			requestId: REQ,
			sessionId: SESSION,
			displayText: 'Apple, Pear and Leek',
			matchedRequest: true,
			selected: [
				{ sectionIndex: 0, sectionTitle: 'Fruit', id: 'apple', title: 'Apple' },
				{ sectionIndex: 0, sectionTitle: 'Fruit', id: 'pear', title: 'Pear' },
				{ sectionIndex: 1, sectionTitle: 'Vegetables', id: 'leek', title: 'Leek' },
			],
		})
	})

	it('places items by the request even when the reply drops whole sections', () => {
		const onlyVeg = reply({ listPicker: { sections: [{ title: 'Vegetables', items: [{ identifier: 'carrot' }] }] } })
		expect(normaliseReply(onlyVeg, request)).toMatchObject({
			selected: [{ sectionIndex: 1, sectionTitle: 'Vegetables', id: 'carrot', title: 'Carrot' }],
		})
		// Without the request, the section's `order` is the best index there is.
		expect(
			normaliseReply(reply({ listPicker: { sections: [{ title: 'Vegetables', order: 1, items: [{ identifier: 'carrot', title: 'Carrot' }] }] } })),
		).toMatchObject({
			selected: [{ sectionIndex: 1, sectionTitle: 'Vegetables', id: 'carrot', title: 'Carrot' }],
		})
	})

	it('reads a decoded IDR blob, whether it is the interactiveData dict or wraps it (§3.2)', () => {
		expect(normaliseReply({ interactiveData: fixture }, request)).toEqual(normaliseReply(fixture, request))
	})
})

describe('time picker (§5.3)', () => {
	const request = sent({
		type: 'timePicker',
		title: 'Schedule an appointment',
		timezoneOffset: -420,
		location: { title: 'Building One', latitude: 37.7725, longitude: -122.4311, radius: 100 },
		slots: [
			{ id: '0', start: '2022-07-10T10:00:00-07:00', durationSeconds: 3600 },
			{ id: '1', start: '2022-07-10T11:00:00-07:00', durationSeconds: 1800 },
		],
	})
	// `event` echoed with timeslots reduced to the chosen one; alternateTitle is the device's
	// rendering (CW-FORK parser; WEBEX `datePickerTimeSlots`; A-PY/19 for alternateTitle).
	const fixture = reply({
		event: {
			identifier: REQ,
			title: 'Schedule an appointment',
			timezoneOffset: -420,
			timeslots: [{ identifier: '1', startTime: '2022-07-10T18:00+0000', duration: 1800 }],
		},
		replyMessage: { title: 'Schedule an appointment', alternateTitle: 'Jul 10, 2022 at 11:00 AM' },
	})

	it("gives the chosen slot as RFC 3339 in the event's offset, plus Apple's display text", () => {
		expect(normaliseReply(fixture, request)).toEqual({
			kind: 'timePicker',
			requestId: REQ,
			sessionId: SESSION,
			displayText: 'Jul 10, 2022 at 11:00 AM',
			matchedRequest: true,
			eventId: REQ,
			timezoneOffset: -420,
			slot: { id: '1', start: '2022-07-10T11:00:00-07:00', durationSeconds: 1800, appleStartTime: '2022-07-10T18:00+0000' },
		})
	})

	it.each([
		['2022-07-10T18:00+0000', '2022-07-10T11:00:00-07:00'],
		['2022-07-10T18:00Z', '2022-07-10T11:00:00-07:00'],
		['2022-07-10T20:00+02:00', '2022-07-10T11:00:00-07:00'],
		['2022-07-10T18:00:00+0000', '2022-07-10T11:00:00-07:00'],
	])('reads startTime %s', (startTime, start) => {
		const r = normaliseReply(reply({ event: { timeslots: [{ identifier: '1', startTime, duration: 1800 }] } }), request)
		expect(r).toMatchObject({ slot: { start } })
	})

	it('uses UTC without an offset, fills missing slot fields from the request, and reads the legacy nesting', () => {
		expect(normaliseReply(reply({ event: { timeslots: [{ identifier: '9', startTime: '2024-12-28T06:30Z', duration: '900' }] } }))).toMatchObject({
			timezoneOffset: null,
			slot: { id: '9', start: '2024-12-28T06:30:00Z', durationSeconds: 900 },
		})
		expect(normaliseReply(reply({ event: { timeslots: [{ identifier: '0' }] } }), request)).toMatchObject({
			slot: { id: '0', start: '2022-07-10T10:00:00-07:00', durationSeconds: 3600 },
		})
		expect(
			normaliseReply(reply({ timePicker: { event: { timeslots: [{ identifier: '0', startTime: '2020-03-20T06:30+0000', duration: 60 }] } } })),
		).toMatchObject({
			kind: 'timePicker',
			slot: { start: '2020-03-20T06:30:00Z', durationSeconds: 60 },
		})
	})

	it('formats offsets east, west and under an hour', () => {
		const ms = Date.parse('2025-01-01T00:00:00Z')
		expect(formatRfc3339(ms, 330)).toBe('2025-01-01T05:30:00+05:30')
		expect(formatRfc3339(ms, -30)).toBe('2024-12-31T23:30:00-00:30')
		expect(formatRfc3339(ms, 0)).toBe('2025-01-01T00:00:00+00:00')
		expect(formatRfc3339(ms, null)).toBe('2025-01-01T00:00:00Z')
	})
})

describe('form (§5.8)', () => {
	const request = sent({
		type: 'form',
		title: 'Sign up',
		pages: [
			{
				id: '0',
				type: 'select',
				title: 'City',
				subtitle: 'Select your city',
				items: [
					{ id: '001', title: 'Berlin', value: 'berlin' },
					{ id: '002', title: 'Paris', value: 'paris' },
				],
			},
			{ id: '1', type: 'input', title: 'Email', subtitle: 'Enter your email', options: { required: true, keyboardType: 'emailAddress' } },
			{ id: '2', type: 'datePicker', title: 'Date', subtitle: 'When?', options: { dateFormat: 'dd.MM.yyyy' } },
			{
				id: '3',
				type: 'select',
				title: 'Extras',
				multipleSelection: true,
				items: [
					{ id: 'a', title: 'Wifi' },
					{ id: 'b', title: 'Parking' },
				],
			},
		],
	})
	// `data.dynamic.selections` (WEBEX reply sample; CW-FORK parser), "Tap to view your response."
	const fixture = reply({
		dynamic: {
			template: 'messageForms',
			version: '1.1',
			private: false,
			selections: [
				{ pageIdentifier: '0', title: 'City', subtitle: 'Select your city', items: [{ identifier: '001', type: 'select', title: 'Berlin', value: 'berlin' }] },
				{
					pageIdentifier: '1',
					title: 'Email',
					subtitle: 'Enter your email',
					items: [{ identifier: '1', type: 'input', title: 'Email', value: 'ada@example.com' }],
				},
				{ pageIdentifier: '2', title: 'Date', items: [{ identifier: '2', type: 'datePicker', title: 'Date', value: '28.12.2023' }] },
				{
					pageIdentifier: '3',
					title: 'Extras',
					items: [
						{ identifier: 'a', type: 'select', title: 'Wifi', value: 'Wifi' },
						{ identifier: 'b', type: 'select', title: 'Parking', value: 'Parking' },
					],
				},
			],
		},
		replyMessage: { title: 'Tap to view your response.' },
	})

	it('gives typed answers per page', () => {
		expect(normaliseReply(fixture, request)).toEqual({
			kind: 'form',
			requestId: REQ,
			sessionId: SESSION,
			displayText: 'Tap to view your response.',
			matchedRequest: true,
			pages: [
				{ pageId: '0', type: 'select', title: 'City', answers: [{ type: 'select', id: '001', title: 'Berlin', value: 'berlin' }] },
				{ pageId: '1', type: 'input', title: 'Email', answers: [{ type: 'input', id: '1', value: 'ada@example.com' }] },
				{ pageId: '2', type: 'datePicker', title: 'Date', answers: [{ type: 'datePicker', id: '2', value: '28.12.2023', date: '2023-12-28' }] },
				{
					pageId: '3',
					type: 'select',
					title: 'Extras',
					answers: [
						{ type: 'select', id: 'a', title: 'Wifi', value: 'Wifi' },
						{ type: 'select', id: 'b', title: 'Parking', value: 'Parking' },
					],
				},
			],
		})
	})

	it('types answers by the page we sent when the item has no type, and keeps odd values', () => {
		const r = normaliseReply(
			reply({
				dynamic: {
					selections: [
						{ pageIdentifier: '1', items: [{ value: 42 }] },
						{ pageIdentifier: 'x', items: [{ identifier: 'q', value: { nested: true } }] },
					],
				},
			}),
			request,
		)
		expect(r).toMatchObject({
			pages: [
				{ pageId: '1', type: 'input', answers: [{ type: 'input', id: null, value: '42' }] },
				{ pageId: 'x', type: null, answers: [{ type: 'unknown', id: 'q', value: { nested: true } }] },
			],
		})
	})

	it('reads dates in the page format, the default MM/dd/yyyy, or ISO; refuses impossible ones', () => {
		expect(parseFormDate('12/28/2023')).toBe('2023-12-28')
		expect(parseFormDate('1/2/2024')).toBe('2024-01-02')
		expect(parseFormDate('28.12.2023', 'dd.MM.yyyy')).toBe('2023-12-28')
		expect(parseFormDate('2023-12-28T00:00:00Z', 'dd.MM.yyyy')).toBe('2023-12-28')
		expect(parseFormDate('02/30/2024')).toBeNull()
		expect(parseFormDate('soon')).toBeNull()
	})

	it('is still a form when the reply carries only the bubbles (IDR with display metadata, §5.8)', () => {
		expect(normaliseReply(reply({ replyMessage: { title: 'Tap to view your response.' } }), request)).toMatchObject({ kind: 'form', pages: [] })
	})
})

describe('iMessage app (§5.7)', () => {
	const custom = 'com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.apple-samplecode.PackageDelivery.MessagesExtension'

	it('gives the URL query data', () => {
		const fixture = {
			bid: custom,
			URL: '?name=samplepackage&deliveryDate=27-01-2017&latitude=37.33&longitude=-122.03',
			sessionIdentifier: SESSION,
			receivedMessage: { title: 'Package Delivery', subtitle: 'Location of Package' },
		}
		expect(normaliseReply(fixture)).toEqual({
			kind: 'iMessageApp',
			requestId: SESSION,
			sessionId: SESSION,
			displayText: null,
			matchedRequest: false,
			url: '?name=samplepackage&deliveryDate=27-01-2017&latitude=37.33&longitude=-122.03',
			query: { name: 'samplepackage', deliveryDate: '27-01-2017', latitude: '37.33', longitude: '-122.03' },
		})
	})

	it('reads the query string from an NSKeyedArchiver blob, with the bubble from its base64 replyMessage', () => {
		const bubble = btoa(JSON.stringify({ title: 'Delivered', subtitle: 'Front door' }))
		const blob = {
			$archiver: 'NSKeyedArchiver',
			$version: 100000,
			$top: { root: { CF$UID: 1 } },
			$objects: ['$null', `?status=delivered&replyMessage=${encodeURIComponent(bubble)}`],
		}
		expect(normaliseReply(blob)).toMatchObject({ kind: 'iMessageApp', displayText: 'Delivered', query: { status: 'delivered' } })
	})
})

describe('authentication (§5.6) and Apple Pay (§5.5): placeholders until the hosted flows', () => {
	it('authentication: status and the raw answer', () => {
		// A-PY/19: data.authenticate = { status: "authenticated", token } with "You Signed In".
		const fixture = reply({
			authenticate: { status: 'authenticated', token: 'BPrmJ0e…' },
			replyMessage: { title: 'You Signed In', style: 'icon', alternateTitle: 'You Signed In' },
		})
		expect(normaliseReply(fixture)).toEqual({
			kind: 'authenticate',
			requestId: REQ,
			sessionId: SESSION,
			displayText: 'You Signed In',
			matchedRequest: false,
			outcome: 'pending-hosted-flow',
			status: 'authenticated',
			raw: { status: 'authenticated', token: 'BPrmJ0e…' },
		})
		expect(normaliseReply(reply({ authenticate: { errors: [{ message: 'denied' }] } }))).toMatchObject({
			kind: 'authenticate',
			status: null,
			raw: { errors: [{ message: 'denied' }] },
		})
	})

	it('Apple Pay: the payment object as it came', () => {
		const fixture = reply({ payment: { paymentToken: { paymentMethod: { displayName: 'Visa 1234', network: 'Visa', type: 'debit' } } } })
		expect(normaliseReply(fixture)).toMatchObject({ kind: 'applePay', outcome: 'pending-hosted-flow', status: null, raw: { paymentToken: {} } })
	})
})

describe('odd payloads never throw', () => {
	it.each([
		['null', null],
		['a string', 'interactive'],
		['an array', [1, 2]],
		['data not an object', { data: 5 }],
		['an unknown type key', { bid: BID, data: { requestIdentifier: REQ, surprise: { x: 1 } } }],
	])('%s → unknown', (_, input) => {
		expect(normaliseReply(input).kind).toBe('unknown')
	})

	it.each([
		['quick-reply items not a list', { 'quick-reply': { items: 'x', selectedIndex: 'first' } }],
		['list sections not a list', { listPicker: { sections: 'nope' } }],
		['list items of every type', { listPicker: { sections: [null, 3, { items: [null, { identifier: 5 }] }] } }],
		['time slots garbage', { event: { timezoneOffset: 'x', timeslots: [null, 5, { startTime: 'yesterday', duration: 'long' }] } }],
		['absurd time offset', { event: { timezoneOffset: 100000, timeslots: [{ startTime: '2022-07-10T18:00+0000' }] } }],
		['form selections garbage', { dynamic: { selections: [1, { items: 'x' }, { pageIdentifier: {}, items: [null] }] } }],
	])('%s → its kind, with what can be read', (_, data) => {
		expect(() => normaliseReply(reply(data))).not.toThrow()
		expect(normaliseReply(reply(data)).kind).not.toBe('unknown')
	})

	it('garbage requests are ignored', () => {
		const fixture = reply({ 'quick-reply': { items: [{ identifier: '1', title: 'A' }], selectedIndex: 0 } })
		for (const request of [null, 5, 'x', [], { 'quick-reply': 'x' }, { interactiveData: 3 }]) {
			expect(normaliseReply(fixture, request)).toMatchObject({ kind: 'quickReply', selected: { id: '1', title: 'A' } })
		}
	})
})

describe('duplicate replies (docs/apple-protocol.md §1.6): a new id, the same session and request', () => {
	it('share one dedupe key, so the conversation emits one event', () => {
		const message = (id: string) =>
			InboundMessageSchema.parse({
				v: 1,
				id,
				type: 'interactive',
				sourceId: 'urn:mbid:AQAAYyUbut6E4B3T9FLv5EbG',
				destinationId: 'a884eddf-0000-4000-8000-00000000b12b',
				interactiveData: reply({ 'quick-reply': { selectedIndex: 0 } }),
			})
		const first = interactiveDedupeKey(message('11111111-0000-4000-8000-000000000001'))
		expect(first).not.toBeNull()
		expect(interactiveDedupeKey(message('22222222-0000-4000-8000-000000000002'))).toBe(first)
		expect(normaliseReply(message('x').interactiveData)).toEqual(normaliseReply(message('y').interactiveData))
	})
})

describe('requestForMatching', () => {
	it('keeps what matching needs and drops images, secrets and merchant sessions', () => {
		const body = renderAppleBody(
			{
				type: 'listPicker',
				title: 'Pick',
				sections: [
					{
						title: 'S',
						items: [
							{
								id: 'a',
								title: 'A',
								image: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
							},
						],
					},
				],
			},
			ctx(),
		)
		const stored = requestForMatching(body)!
		expect(Object.keys(stored).sort()).toEqual(['listPicker', 'requestIdentifier'])
		const fixture = reply({ listPicker: { sections: [{ items: [{ identifier: 'a' }] }] } })
		expect(normaliseReply(fixture, stored)).toMatchObject({ matchedRequest: true, selected: [{ sectionTitle: 'S', title: 'A' }] })

		const auth = { interactiveData: { bid: BID, data: { requestIdentifier: REQ, authenticate: { oauth2: { clientSecret: 'shh' } } } } }
		expect(requestForMatching(auth)).toEqual({ requestIdentifier: REQ, authenticate: {} })
		expect(requestForMatching({ interactiveData: { bid: 'x', URL: '?a=1', sessionIdentifier: SESSION } })).toEqual({ requestIdentifier: SESSION })
		expect(requestForMatching({ type: 'text', body: 'hi' })).toBeNull()
	})
})
