import { describe, expect, it } from 'vitest'
import { describeFetchFailure, ResponseTooLargeError } from '../../src/lib/safe-fetch'
import { UnsafeUrlError } from '../../src/lib/safe-url'

describe('describeFetchFailure: what went wrong, in words a business can act on', () => {
	it.each<[string, unknown, string]>([
		['a private address', new UnsafeUrlError('IP address hosts are not allowed'), 'it is not a public address (IP address hosts are not allowed)'],
		['a private host name', new UnsafeUrlError('private host names are not allowed'), 'it is not a public address (private host names are not allowed)'],
		['plain http in production', new UnsafeUrlError('only https URLs are allowed'), 'it is not allowed (only https URLs are allowed)'],
		['too large', new ResponseTooLargeError(1000), 'it is too large (response exceeds 1000 bytes)'],
		['a timeout', new DOMException('timed out', 'TimeoutError'), 'it did not answer within 8 s'],
		['a DNS error that says so', new TypeError('DNS lookup failed'), 'DNS lookup failed'],
		['a refused connection', new Error('connect ECONNREFUSED'), 'the connection was refused'],
		["workerd's opaque network error", new Error('internal error; reference = 5f2a9c'), 'could not connect (DNS lookup failed or the host did not answer)'],
	])('%s', (_name, err, reason) => {
		expect(describeFetchFailure(err, 8_000)).toBe(reason)
		expect(describeFetchFailure(err, 8_000)).not.toContain('internal error')
	})
})
