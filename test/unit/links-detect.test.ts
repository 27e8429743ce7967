import { describe, expect, it } from 'vitest'
import { findUrls, MAX_URLS_PER_MESSAGE } from '../../src/links/detect'

const urls = (text: string) => findUrls(text).map((f) => f.url)
const texts = (text: string) => findUrls(text).map((f) => f.text)

describe('findUrls', () => {
	it('finds http(s) URLs with offsets into the original text', () => {
		const text = 'See https://example.com/a?b=1#c and http://shop.example.org.'
		const found = findUrls(text)
		expect(found).toEqual([
			{ url: 'https://example.com/a?b=1#c', text: 'https://example.com/a?b=1#c', start: 4, end: 31 },
			{ url: 'http://shop.example.org/', text: 'http://shop.example.org', start: 36, end: 59 },
		])
		for (const f of found) expect(text.slice(f.start, f.end)).toBe(f.text)
	})

	it('finds bare www. hosts and sends them as https', () => {
		expect(findUrls('go to www.example.com/deals, now')).toEqual([{ url: 'https://www.example.com/deals', text: 'www.example.com/deals', start: 6, end: 27 }])
		expect(urls('WWW.EXAMPLE.COM')).toEqual(['https://www.example.com/'])
	})

	it.each([
		['https://example.com.', 'https://example.com'],
		['https://example.com,', 'https://example.com'],
		['https://example.com/x;', 'https://example.com/x'],
		['https://example.com/x:', 'https://example.com/x'],
		['https://example.com/x!', 'https://example.com/x'],
		['https://example.com/x?', 'https://example.com/x'],
		["'https://example.com/x'", 'https://example.com/x'],
		['"https://example.com/x"', 'https://example.com/x'],
		['“https://example.com/x”', 'https://example.com/x'],
		['‘https://example.com/x’', 'https://example.com/x'],
		['https://example.com/x?!…', 'https://example.com/x'],
		['<https://example.com/x>', 'https://example.com/x'],
		['https://example.com/a.b?c=d.', 'https://example.com/a.b?c=d'],
		['https://example.com/?q=1&r=2.', 'https://example.com/?q=1&r=2'],
	])('excludes trailing punctuation: %s', (text, expected) => {
		expect(texts(text)).toEqual([expected])
	})

	it('keeps balanced parentheses and drops surrounding ones', () => {
		expect(texts('https://en.wikipedia.org/wiki/Foo_(bar)')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)'])
		expect(texts('(see https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)'])
		expect(texts('(https://example.com/x)')).toEqual(['https://example.com/x'])
		expect(texts('(https://example.com/x).')).toEqual(['https://example.com/x'])
		expect(texts('[link](https://example.com/docs)')).toEqual(['https://example.com/docs'])
		expect(texts('[https://example.com/x]')).toEqual(['https://example.com/x'])
		expect(texts('https://example.com/a_(b)_(c)?x=(1)')).toEqual(['https://example.com/a_(b)_(c)?x=(1)'])
	})

	it('finds IDN hosts: punycode URL for fetching, the original for display', () => {
		expect(findUrls('Bücher: https://bücher.de/x!')).toEqual([{ url: 'https://xn--bcher-kva.de/x', text: 'https://bücher.de/x', start: 8, end: 27 }])
		expect(findUrls('www.münchen.de/straße')[0]).toMatchObject({
			url: 'https://www.xn--mnchen-3ya.de/stra%C3%9Fe',
			text: 'www.münchen.de/straße',
		})
		expect(urls('https://例え.テスト/パス')).toEqual(['https://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9'])
	})

	it('stops at whitespace of every kind and at markup delimiters', () => {
		expect(texts('https://a.example/x\u00a0next https://b.example/y\u3000z')).toEqual(['https://a.example/x', 'https://b.example/y'])
		expect(texts('<a href="https://a.example/x">x</a>')).toEqual(['https://a.example/x'])
		expect(texts('line https://a.example/x\nhttps://b.example/y')).toEqual(['https://a.example/x', 'https://b.example/y'])
	})

	it.each([
		['an e-mail address', 'write to sales@example.com'],
		['an e-mail on a www host', 'write to sales@www.example.com'],
		['javascript:', 'javascript:alert(1)'],
		['a scheme inside another', 'javascript:https://example.com/x'],
		['another scheme', 'ftp://example.com/file mailto:x@example.com'],
		['a word ending in http', 'xhttps://example.com'],
		['a host without a dot', 'http://intranet/page'],
		['a scheme alone', 'https:// nothing'],
		['www. alone', 'www. and www.. and www.-'],
	])('finds nothing in %s', (_, text) => {
		expect(findUrls(text)).toEqual([])
	})

	it('deduplicates by normalised URL and keeps the first occurrence', () => {
		const found = findUrls('https://Example.com/x and https://example.com/x and HTTPS://EXAMPLE.COM/x')
		expect(found).toHaveLength(1)
		expect(found[0]!.start).toBe(0)
	})

	it(`returns at most ${MAX_URLS_PER_MESSAGE} URLs (or the given limit)`, () => {
		const text = Array.from({ length: 8 }, (_, i) => `https://s${i}.example.com`).join(' ')
		expect(findUrls(text)).toHaveLength(MAX_URLS_PER_MESSAGE)
		expect(findUrls(text, 2).map((f) => f.url)).toEqual(['https://s0.example.com/', 'https://s1.example.com/'])
	})

	it('keeps ports, userinfo-free paths, queries and fragments; finds localhost for development text', () => {
		expect(urls('http://localhost:8787/demo')).toEqual(['http://localhost:8787/demo'])
		expect(urls('https://example.com:8443/a/b?c=d&e=f#g')).toEqual(['https://example.com:8443/a/b?c=d&e=f#g'])
	})

	it('handles emoji and surrogate pairs around URLs', () => {
		const text = '👉 https://example.com/🎉 👈'
		const [f] = findUrls(text)
		expect(f).toMatchObject({ text: 'https://example.com/🎉', url: 'https://example.com/%F0%9F%8E%89' })
		expect(text.slice(f!.start, f!.end)).toBe(f!.text)
	})
})
