import { describe, expect, it } from 'vitest'
import { parseAppleTime, parseRfc3339, rfc3339ToAppleTime, toAppleTime } from '../../src/apple/outbound'

describe('RFC 3339 → Apple time-slot format (§5.3)', () => {
	it.each([
		['2030-07-10T17:00:00Z', '2030-07-10T17:00+0000'],
		['2030-07-10T17:00:00+00:00', '2030-07-10T17:00+0000'],
		['2030-07-10T10:00:00-07:00', '2030-07-10T17:00+0000'],
		['2030-07-10T19:00:00+02:00', '2030-07-10T17:00+0000'],
		['2030-07-10T22:45:00+05:45', '2030-07-10T17:00+0000'],
		['2030-07-10T09:30:00-03:30', '2030-07-10T13:00+0000'],
		// Offsets that move the date, the month and the year.
		['2030-07-11T05:00:00+14:00', '2030-07-10T15:00+0000'],
		['2030-07-31T20:00:00-12:00', '2030-08-01T08:00+0000'],
		['2030-12-31T23:30:00-01:00', '2031-01-01T00:30+0000'],
		['2028-02-29T00:15:00+01:00', '2028-02-28T23:15+0000'],
		// Fractions, lower-case separators and a space are RFC 3339 too.
		['2030-07-10T17:00:00.000Z', '2030-07-10T17:00+0000'],
		['2030-07-10t17:00:00z', '2030-07-10T17:00+0000'],
		['2030-07-10 17:00:00-00:00', '2030-07-10T17:00+0000'],
	])('%s → %s', (input, expected) => {
		expect(rfc3339ToAppleTime(input)).toBe(expected)
	})

	it.each([
		'2030-07-10T17:00+02:00', // no seconds
		'2030-07-10T17:00:00', // no offset
		'2030-07-10', // no time
		'2030-02-30T10:00:00Z', // no such day
		'2029-02-29T10:00:00Z', // not a leap year
		'2030-07-10T24:00:00Z',
		'2030-13-01T10:00:00Z',
		'2030-07-10T10:00:00+25:00',
		'10 July 2030',
		'',
	])('rejects %j', (input) => {
		expect(parseRfc3339(input)).toBeNull()
		expect(rfc3339ToAppleTime(input)).toBeNull()
	})

	it('formats epoch milliseconds with a four-digit year', () => {
		expect(toAppleTime(Date.UTC(999, 0, 2, 3, 4))).toBe('0999-01-02T03:04+0000')
	})

	it('reads every startTime form seen in Apple payloads', () => {
		const t = Date.UTC(2030, 6, 10, 17, 0)
		expect(parseAppleTime('2030-07-10T17:00+0000')).toBe(t)
		expect(parseAppleTime('2030-07-10T17:00Z')).toBe(t)
		expect(parseAppleTime('2030-07-10T19:00+02:00')).toBe(t)
		expect(parseAppleTime('2030-07-10T10:00:00-0700')).toBe(t)
		expect(parseAppleTime('2030-07-10 17:00')).toBeNull()
	})
})
