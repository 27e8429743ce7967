/**
 * The unfurler against pages "served on loopback": globalThis.fetch is replaced for test hosts
 * (`*.localhost`, `*.test`, `localhost`, `127.0.0.1`, private addresses) and every other host
 * passes through, because the runner loads its own modules over fetch. Development mode
 * (ENVIRONMENT from the test bindings) allows loopback; production mode must refuse the same
 * URLs before any fetch (docs/webhooks.md "Security").
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bytesToBase64 } from '../../src/apple/encoding'
import { sha256Hex } from '../../src/lib/crypto'
import type { Environment } from '../../src/lib/safe-url'
import { FAILURE_TTL_MS, PREVIEW_TTL_MS } from '../../src/links/preview-cache'
import { fallbackPreview, HTML_MAX_BYTES, titleFromUrl, unfurl, UnfurlError } from '../../src/links/unfurl'
import { enc, jpeg, page, Pages, png } from '../helpers/test-pages'

const DEV = env.ENVIRONMENT as Environment

let pages: Pages
beforeEach(() => {
	pages = new Pages().install()
})
afterEach(() => pages.restore())

const failure = async (p: Promise<unknown>): Promise<UnfurlError> => {
	try {
		await p
	} catch (err) {
		if (err instanceof UnfurlError) return err
		throw err
	}
	throw new Error('expected an UnfurlError')
}

describe('unfurl: metadata (development, loopback pages)', () => {
	it('reads Open Graph tags, decodes entities, resolves a relative og:image and fetches it', async () => {
		const logo = png(4_000)
		pages
			.html(
				'http://news.localhost:8080/articles/1',
				page(
					`<meta charset="utf-8"><title>Fallback title</title>
					<meta property="og:title" content="Caf&eacute; &amp; Bar &#8212; &quot;opening&quot;">
					<meta property="og:description" content="  Line one
					line two &#x1F600;  ">
					<meta property="og:site_name" content="News&nbsp;Site">
					<meta property="og:image" content="/img/cover.png?w=1&amp;h=2">
					<meta name="twitter:title" content="Twitter title">`,
				),
			)
			.image('http://news.localhost:8080/img/cover.png', logo)
		const p = await unfurl('http://news.localhost:8080/articles/1', { environment: DEV })
		expect(p).toMatchObject({
			url: 'http://news.localhost:8080/articles/1',
			title: 'Caf&eacute; & Bar — "opening"',
			description: 'Line one line two 😀',
			siteName: 'News Site',
			imageUrl: 'http://news.localhost:8080/img/cover.png?w=1&h=2',
			imageMimeType: 'image/png',
			fromCache: false,
		})
		expect(p.imageData).toBe(bytesToBase64(logo))
	})

	it('falls back to twitter:title, then <title>, then the host name', async () => {
		pages
			.html('http://a.localhost/t', page('<meta name="twitter:title" content="Tweet card"><title>Page</title>'))
			.html('http://a.localhost/p', page('<title>\n  Just   the &lt;title&gt;\n</title>'))
			.html('http://a.localhost/blog/my-first_post.html', page('<meta charset="utf-8">'))
		expect((await unfurl('http://a.localhost/t', { environment: DEV })).title).toBe('Tweet card')
		expect((await unfurl('http://a.localhost/p', { environment: DEV })).title).toBe('Just the <title>')
		const none = await unfurl('http://a.localhost/blog/my-first_post.html', { environment: DEV })
		expect(none).toEqual({ url: 'http://a.localhost/blog/my-first_post.html', title: 'a.localhost', fromCache: false })
	})

	it('ignores tags after </head> and strips bidi overrides and control characters', async () => {
		pages.html('http://b.localhost/', page('<title>Real\u202e gnp.exe\u0007</title>', '<meta property="og:title" content="in body"><title>svg</title>'))
		const p = await unfurl('http://b.localhost/', { environment: DEV })
		expect(p.title).toBe('Real gnp.exe')
	})

	it('truncates very long fields', async () => {
		pages.html(
			'http://c.localhost/',
			page(`<meta property="og:title" content="${'x'.repeat(5_000)}"><meta property="og:description" content="${'d'.repeat(900)}">`),
		)
		const p = await unfurl('http://c.localhost/', { environment: DEV })
		expect([...p.title]).toHaveLength(200)
		expect(p.title.endsWith('…')).toBe(true)
		expect([...(p.description ?? '')]).toHaveLength(300)
	})

	it('error statuses are typed errors; a reachable non-HTML URL still gets a preview (host title, its favicon)', async () => {
		const icon = png(900)
		pages
			.on('http://d.localhost/file.pdf', () => new Response('%PDF', { headers: { 'content-type': 'application/pdf' } }))
			.image('http://d.localhost/favicon.ico', icon)
			.on('http://d.localhost/missing', () => new Response('nope', { status: 404, headers: { 'content-type': 'text/html' } }))
		expect(await unfurl('http://d.localhost/file.pdf', { environment: DEV })).toEqual({
			url: 'http://d.localhost/file.pdf',
			title: 'd.localhost',
			imageUrl: 'http://d.localhost/favicon.ico',
			imageData: bytesToBase64(icon),
			imageMimeType: 'image/png',
			fromCache: false,
		})
		const err = await failure(unfurl('http://d.localhost/missing', { environment: DEV }))
		expect([err.code, err.message]).toEqual(['http-status', 'the page answered 404'])
	})

	it('an image URL is its own preview image', async () => {
		const photo = jpeg(5_000)
		pages.image('http://d2.localhost/photo.jpg', photo, 'image/jpeg')
		const p = await unfurl('http://d2.localhost/photo.jpg', { environment: DEV })
		expect([p.title, p.imageMimeType, p.imageData]).toEqual(['d2.localhost', 'image/jpeg', bytesToBase64(photo)])
	})
})

describe('unfurl: limits', () => {
	it('reads a huge page only up to the end of its head', async () => {
		let pulled = 0
		const head = enc.encode(page('<meta property="og:title" content="Big page">', ''))
		pages.on('http://big.localhost/', () => {
			let sent = false
			const body = new ReadableStream<Uint8Array>({
				pull(c) {
					const chunk = sent ? new Uint8Array(64 * 1024).fill(0x61) : head
					sent = true
					pulled += chunk.byteLength
					if (pulled > 20 * 1024 * 1024) c.close()
					else c.enqueue(chunk)
				},
			})
			// Declared larger than the cap: the cap is on what we read, not on the page.
			return new Response(body, { headers: { 'content-type': 'text/html', 'content-length': String(20 * 1024 * 1024) } })
		})
		const p = await unfurl('http://big.localhost/', { environment: DEV })
		expect(p.title).toBe('Big page')
		expect(pulled).toBeLessThan(HTML_MAX_BYTES)
	})

	it('gives up reading after 512 KB of head without metadata: host title, reading no further', async () => {
		let pulled = 0
		pages.on('http://huge.localhost/', () => {
			const body = new ReadableStream<Uint8Array>({
				start(c) {
					c.enqueue(enc.encode('<html><head><!-- '))
				},
				pull(c) {
					const chunk = new Uint8Array(64 * 1024).fill(0x20)
					pulled += chunk.byteLength
					if (pulled > 50 * 1024 * 1024) c.close()
					else c.enqueue(chunk)
				},
			})
			return new Response(body, { headers: { 'content-type': 'text/html' } })
		})
		const p = await unfurl('http://huge.localhost/', { environment: DEV })
		expect([p.title, p.imageData]).toEqual(['huge.localhost', undefined])
		expect(pulled).toBeLessThan(HTML_MAX_BYTES + 4 * 64 * 1024)
	})

	it('keeps what a huge head had before the cap', async () => {
		pages.on('http://huge2.localhost/', () => {
			const body = new ReadableStream<Uint8Array>({
				start(c) {
					c.enqueue(enc.encode('<html><head><title>Kept</title><!-- '))
				},
				pull(c) {
					c.enqueue(new Uint8Array(64 * 1024).fill(0x20))
				},
			})
			return new Response(body, { headers: { 'content-type': 'text/html' } })
		})
		expect((await unfurl('http://huge2.localhost/', { environment: DEV })).title).toBe('Kept')
	})

	it('times out on a page whose body never finishes', async () => {
		pages.on('http://slow.localhost/', () => {
			const body = new ReadableStream<Uint8Array>({
				start(c) {
					c.enqueue(enc.encode('<html><head><title>Never ending'))
				},
			})
			return new Response(body, { headers: { 'content-type': 'text/html' } })
		})
		const started = Date.now()
		const err = await failure(unfurl('http://slow.localhost/', { environment: DEV, timeoutMs: 100 }))
		expect(err.code).toBe('timeout')
		expect(Date.now() - started).toBeLessThan(3_000)
	})

	it('times out on a server that never answers', async () => {
		pages.on('http://silent.localhost/', () => new Promise<Response>(() => {}))
		const err = await failure(unfurl('http://silent.localhost/', { environment: DEV, timeoutMs: 100 }))
		expect(err.code).toBe('timeout')
	})
})

describe('unfurl: redirects', () => {
	it('follows a chain of 3 redirects, each re-checked, and resolves images against the last hop', async () => {
		pages
			.redirect('http://r.localhost/1', '/2', 301)
			.redirect('http://r.localhost/2', 'http://r2.localhost/3')
			.redirect('http://r2.localhost/3', '/final/page', 307)
			.html('http://r2.localhost/final/page', page('<meta property="og:title" content="Arrived"><meta property="og:image" content="pic.jpg">'))
			.image('http://r2.localhost/final/pic.jpg', jpeg(1_000), 'image/jpeg')
		const p = await unfurl('http://r.localhost/1', { environment: DEV })
		expect(p).toMatchObject({ url: 'http://r.localhost/1', title: 'Arrived', imageMimeType: 'image/jpeg', imageUrl: 'http://r2.localhost/final/pic.jpg' })
	})

	it('refuses a fourth redirect', async () => {
		pages
			.redirect('http://loop.localhost/1', '/2')
			.redirect('http://loop.localhost/2', '/3')
			.redirect('http://loop.localhost/3', '/4')
			.redirect('http://loop.localhost/4', '/5')
			.html('http://loop.localhost/5', page('<title>too far</title>'))
		expect((await failure(unfurl('http://loop.localhost/1', { environment: DEV }))).code).toBe('too-many-redirects')
		expect(pages.count('http://loop.localhost/5')).toBe(0)
	})

	it.each([
		'http://169.254.169.254/latest/meta-data/',
		'http://10.0.0.7/admin',
		'http://192.168.1.1/',
		'http://metadata.google.internal/',
		'file:///etc/passwd',
	])('refuses a redirect to %s (even in development) without fetching it', async (target) => {
		pages.redirect('http://evil.localhost/go', target)
		const err = await failure(unfurl('http://evil.localhost/go', { environment: DEV }))
		expect(err.code).toBe('unsafe-url')
		expect(pages.hits).toEqual(['http://evil.localhost/go'])
	})

	it('in production, refuses a public page redirecting to loopback', async () => {
		pages.redirect('https://public.example.test/x', 'http://127.0.0.1/')
		const err = await failure(unfurl('https://public.example.test/x', { environment: 'production' }))
		expect(err.code).toBe('unsafe-url')
		expect(pages.hits).toEqual(['https://public.example.test/x'])
	})
})

describe('unfurl: images', () => {
	it('skips an og:image over 200 kB (declared) and takes twitter:image', async () => {
		pages
			.html('http://i.localhost/', page('<meta property="og:image" content="/big.png"><meta name="twitter:image" content="/small.png">'))
			.image('http://i.localhost/big.png', png(250_000))
			.image('http://i.localhost/small.png', png(10_000))
		const p = await unfurl('http://i.localhost/', { environment: DEV })
		expect(p.imageUrl).toBe('http://i.localhost/small.png')
		expect(p.imageData).toBe(bytesToBase64(png(10_000)))
	})

	it('skips an image that turns out larger than 200 kB while streaming (no content-length)', async () => {
		pages
			.html('http://i2.localhost/', page('<meta property="og:image" content="/big.png"><meta property="og:image" content="/ok.png">'))
			.on('http://i2.localhost/big.png', () => {
				const bytes = png(200_001)
				const stream = new ReadableStream<Uint8Array>({
					start(c) {
						for (let off = 0; off < bytes.length; off += 50_000) c.enqueue(bytes.subarray(off, off + 50_000))
						c.close()
					},
				})
				return new Response(stream, { headers: { 'content-type': 'image/png' } })
			})
			.image('http://i2.localhost/ok.png', png(200_000))
		const p = await unfurl('http://i2.localhost/', { environment: DEV })
		expect(p.imageUrl).toBe('http://i2.localhost/ok.png')
	})

	it('sends no image when every candidate is too large, not an image, or unreachable — and keeps the title', async () => {
		pages
			.html(
				'http://i3.localhost/',
				page(
					'<title>Only text</title><meta property="og:image" content="/huge.png"><meta name="twitter:image" content="/x.svg"><meta property="og:image" content="/page.html">',
				),
			)
			.image('http://i3.localhost/huge.png', png(300_000))
			.image('http://i3.localhost/x.svg', enc.encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml')
			.html('http://i3.localhost/page.html', '<html></html>')
		const p = await unfurl('http://i3.localhost/', { environment: DEV })
		expect(p).toEqual({ url: 'http://i3.localhost/', title: 'Only text', fromCache: false })
	})

	it('prefers og:image:secure_url and, in production, fetches only https images', async () => {
		pages
			.html(
				'https://shop.example.test/item',
				page(
					'<meta property="og:image" content="http://shop.example.test/plain.png"><meta property="og:image:secure_url" content="https://cdn.example.test/secure.png">',
				),
			)
			.image('https://cdn.example.test/secure.png', png(2_000))
			.image('http://shop.example.test/plain.png', png(2_000))
		const p = await unfurl('https://shop.example.test/item', { environment: 'production' })
		expect(p.imageUrl).toBe('https://cdn.example.test/secure.png')

		pages.html('https://shop.example.test/plain', page('<title>t</title><meta property="og:image" content="http://shop.example.test/plain.png">'))
		const plain = await unfurl('https://shop.example.test/plain', { environment: 'production' })
		expect(plain.imageData).toBeUndefined()
		expect(pages.count('http://shop.example.test/plain.png')).toBe(0)
	})
})

describe('unfurl: production refuses loopback and private targets before any fetch', () => {
	it.each([
		'http://news.localhost:8080/articles/1',
		'https://news.localhost/articles/1',
		'http://localhost:8787/',
		'http://127.0.0.1:9000/page',
		'https://127.0.0.1/',
		'https://[::1]/',
		'https://10.1.2.3/',
		'https://169.254.169.254/latest/meta-data/',
		'http://public.example.test/',
		'https://public.example.test:8443/',
		'https://user:pw@public.example.test/',
		'javascript:alert(1)',
	])('%s', async (url) => {
		pages.html('http://news.localhost:8080/articles/1', page('<title>dev only</title>'))
		const err = await failure(unfurl(url, { environment: 'production', bucket: env.ATTACHMENTS }))
		expect(err.code).toBe('unsafe-url')
		expect(pages.hits).toEqual([])
	})

	it('the same loopback page unfurls in development', async () => {
		pages.html('http://news.localhost:8080/articles/1', page('<title>dev only</title>'))
		expect((await unfurl('http://news.localhost:8080/articles/1', { environment: DEV })).title).toBe('dev only')
	})
})

describe('unfurl: R2 cache', () => {
	it('fetches a popular URL once, stores it under unfurl/<sha256(url)> for 24 h, and refetches after expiry', async () => {
		let clock = Date.parse('2026-03-01T12:00:00Z')
		const now = () => clock
		pages
			.html('http://popular.localhost/post', page('<meta property="og:title" content="Popular"><meta property="og:image" content="/p.png">'))
			.image('http://popular.localhost/p.png', png(3_000))
		const opts = { environment: DEV, bucket: env.ATTACHMENTS, now }
		const first = await unfurl('http://popular.localhost/post', opts)
		expect(first.fromCache).toBe(false)
		expect(pages.hits).toHaveLength(2)

		const second = await unfurl('http://popular.localhost/post', opts)
		expect(second).toEqual({ ...first, fromCache: true })
		expect(pages.hits).toHaveLength(2)

		const obj = await env.ATTACHMENTS.head(`unfurl/${await sha256Hex('http://popular.localhost/post')}`)
		expect(obj?.customMetadata?.expiresAt).toBe(new Date(clock + PREVIEW_TTL_MS).toISOString())

		clock += PREVIEW_TTL_MS + 1
		const third = await unfurl('http://popular.localhost/post', opts)
		expect(third.fromCache).toBe(false)
		expect(pages.hits).toHaveLength(4)
	})

	it('remembers a failure for a short while', async () => {
		let clock = Date.parse('2026-03-01T12:00:00Z')
		pages.on('http://broken.localhost/', () => new Response('down', { status: 503, headers: { 'content-type': 'text/html' } }))
		const opts = { environment: DEV, bucket: env.ATTACHMENTS, now: () => clock }
		expect((await failure(unfurl('http://broken.localhost/', opts))).cached).toBe(false)
		const again = await failure(unfurl('http://broken.localhost/', opts))
		expect(again).toMatchObject({ code: 'http-status', cached: true })
		expect(pages.hits).toHaveLength(1)
		clock += FAILURE_TTL_MS + 1
		await failure(unfurl('http://broken.localhost/', opts))
		expect(pages.hits).toHaveLength(2)
	})

	it('never serves a development entry in production', async () => {
		pages.html('http://cached.localhost/', page('<title>dev</title>'))
		await unfurl('http://cached.localhost/', { environment: DEV, bucket: env.ATTACHMENTS })
		const err = await failure(unfurl('http://cached.localhost/', { environment: 'production', bucket: env.ATTACHMENTS }))
		expect(err.code).toBe('unsafe-url')
	})
})

describe('fallback rich link', () => {
	it('titleFromUrl makes host and path readable, IDN hosts in Unicode', () => {
		expect(titleFromUrl('https://www.example.com/')).toBe('example.com')
		expect(titleFromUrl('https://www.example.com/blog/2024/my-great_post.html?x=1#top')).toBe('example.com › blog › 2024 › my great post')
		expect(titleFromUrl('https://xn--bcher-kva.de/kinder/neue%20b%C3%BCcher')).toBe('bücher.de › kinder › neue bücher')
		expect(titleFromUrl('https://a.example/1/2/3/4/5')).toBe('a.example › … › 3 › 4 › 5')
		expect(titleFromUrl('https://xn--mnchen-3ya.de/%E0%A4%A')).toBe('münchen.de › %E0%A4%A')
	})

	it('fallbackPreview gives the normalised URL and its title', () => {
		expect(fallbackPreview('https://bücher.de/x')).toEqual({ url: 'https://xn--bcher-kva.de/x', title: 'bücher.de › x' })
	})
})
