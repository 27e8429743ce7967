import { describe, expect, it } from 'vitest'
import { checkOutboundUrl, UnsafeUrlError } from '../../src/lib/safe-url'

const refused = (url: string, env: 'production' | 'development' = 'production') => {
	try {
		checkOutboundUrl(url, env)
		return false
	} catch (err) {
		return err instanceof UnsafeUrlError
	}
}

describe('checkOutboundUrl (docs/webhooks.md "Security")', () => {
	it('accepts public https URLs', () => {
		expect(checkOutboundUrl('https://hooks.example.com/amb?x=1', 'production').hostname).toBe('hooks.example.com')
	})
	it.each([
		'http://hooks.example.com/',
		'ftp://example.com/',
		'https://user:pw@example.com/',
		'https://example.com:8443/',
		'https://127.0.0.1/',
		'https://10.0.0.5/',
		'https://169.254.169.254/latest/meta-data',
		'https://[::1]/',
		'https://[fd00::1]/',
		'https://2130706433/',
		'https://0x7f.1/',
		'https://localhost/',
		'https://api.localhost/',
		'https://printer.local/',
		'https://db.internal/',
		'https://metadata.google.internal/',
		'https://intranet/',
		'not a url',
	])('refuses %s in production', (url) => {
		expect(refused(url)).toBe(true)
	})
	it('allows plain http and loopback only in development', () => {
		expect(refused('http://localhost:8788/inbox', 'development')).toBe(false)
		expect(refused('http://127.0.0.1:9000/', 'development')).toBe(false)
		expect(refused('http://localhost:8788/inbox', 'production')).toBe(true)
		expect(refused('http://10.0.0.1/', 'development')).toBe(true)
	})
})
