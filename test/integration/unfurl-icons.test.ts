/** The unfurler's icon fallbacks, on loopback pages (see unfurl.test.ts for the rest). */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bytesToBase64 } from '../../src/apple/encoding'
import type { Environment } from '../../src/lib/safe-url'
import { unfurl } from '../../src/links/unfurl'
import { enc, page, Pages, png } from '../helpers/test-pages'

const DEV = env.ENVIRONMENT as Environment

let pages: Pages
beforeEach(() => {
	pages = new Pages().install()
})
afterEach(() => pages.restore())

describe('unfurl: icons when the page has no usable image', () => {
	it('takes the apple-touch-icon before other icon links and /favicon.ico', async () => {
		const touch = png(3_000)
		pages
			.html('http://ic.localhost/', page('<title>Icons</title><link rel="icon" href="/i.png"><link rel="apple-touch-icon" href="/touch.png">'))
			.image('http://ic.localhost/touch.png', touch)
			.image('http://ic.localhost/i.png', png(100))
			.image('http://ic.localhost/favicon.ico', png(100))
		const p = await unfurl('http://ic.localhost/', { environment: DEV })
		expect([p.title, p.imageUrl, p.imageData]).toEqual(['Icons', 'http://ic.localhost/touch.png', bytesToBase64(touch)])
		expect(pages.count('http://ic.localhost/i.png') + pages.count('http://ic.localhost/favicon.ico')).toBe(0)
	})

	it('after an unusable og:image: skips SVG and ICO icons and icons over 200 kB, then takes /favicon.ico when it is a PNG', async () => {
		const fav = png(1_200)
		const ico = new Uint8Array(64).fill(0)
		ico.set([0, 0, 1, 0, 1, 0])
		pages
			.html(
				'http://ic2.localhost/',
				page(
					'<meta property="og:image" content="/gone.png"><link rel="icon" type="image/svg+xml" href="/i.svg"><link rel="shortcut icon" href="/old.ico"><link rel="apple-touch-icon" href="/big.png">',
				),
			)
			.on('http://ic2.localhost/gone.png', () => new Response('no', { status: 404 }))
			.image('http://ic2.localhost/old.ico', ico, 'image/x-icon')
			.image('http://ic2.localhost/big.png', png(250_000))
			.image('http://ic2.localhost/favicon.ico', fav, 'image/x-icon')
		const p = await unfurl('http://ic2.localhost/', { environment: DEV })
		expect([p.title, p.imageUrl, p.imageMimeType, p.imageData]).toEqual(['ic2.localhost', 'http://ic2.localhost/favicon.ico', 'image/png', bytesToBase64(fav)])
		expect(pages.count('http://ic2.localhost/i.svg')).toBe(0)
	})

	it('a WebP icon is not taken (icons must be PNG, JPEG or GIF); no image then', async () => {
		const webp = enc.encode('RIFF\0\0\0\0WEBPVP8 ')
		pages
			.html('http://ic3.localhost/', page('<title>W</title><link rel="apple-touch-icon" href="/t.webp">'))
			.image('http://ic3.localhost/t.webp', webp, 'image/webp')
			.on('http://ic3.localhost/favicon.ico', () => new Response('none', { status: 404 }))
		expect(await unfurl('http://ic3.localhost/', { environment: DEV })).toEqual({ url: 'http://ic3.localhost/', title: 'W', fromCache: false })
	})
})
