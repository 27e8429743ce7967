import { describe, expect, it } from 'vitest'
import { alternateTime } from '../../src/device/replies'
import { slotIso } from '../../src/device/render'
import { tapbackText } from '../../src/device/tapback'
import { parseStartTime } from '../../src/gateway/interactive/time-picker'
import { verifyStandardWebhook } from '../../src/inbox/standard-webhooks'
import { h, raw } from '../../src/pages/html'
import { linkify } from '../../src/pages/linkify'

describe('tapback wording (docs/apple-protocol.md §4.9)', () => {
	it('writes the English system strings', () => {
		expect(tapbackText('like', { kind: 'text', text: 'Order #1' })).toBe('Liked “Order #1”')
		expect(tapbackText('laugh', { kind: 'text', text: 'lol' })).toBe('Laughed at “lol”')
		expect(tapbackText('emphasize', { kind: 'image' })).toBe('Emphasized an image')
		expect(tapbackText('emoji', { kind: 'text', text: 'ok' }, '👀')).toBe('Reacted 👀 to “ok”')
		expect(tapbackText('sticker', { kind: 'business-message' })).toBe('Reacted with a sticker to 1 Business Message')
		expect(tapbackText('love', { kind: 'text', text: 'x'.repeat(150) })).toBe(`Loved “${'x'.repeat(100)}…”`)
	})
})

describe('time formats (docs/apple-interactive.md §5.3)', () => {
	it('parses only yyyy-MM-ddTHH:mm+0000', () => {
		expect(parseStartTime('2026-07-10T17:00+0000')).toBe(Date.UTC(2026, 6, 10, 17, 0))
		expect(parseStartTime('2026-07-10T17:00Z')).toBeNull()
		expect(parseStartTime('2026-07-10T17:00:00+0000')).toBeNull()
		expect(parseStartTime('2026-07-10T17:00+0200')).toBeNull()
		expect(parseStartTime('2026-13-10T17:00+0000')).toBeNull()
	})
	it('renders the chosen slot like the device and converts to RFC 3339', () => {
		expect(alternateTime('2022-07-10T17:00+0000', -420)).toBe('Jul 10, 2022 at 10:00 AM')
		expect(alternateTime('2022-07-10T00:05+0000', undefined)).toBe('Jul 10, 2022 at 12:05 AM')
		expect(slotIso('2022-07-10T17:00+0000')).toBe('2022-07-10T17:00:00.000Z')
		expect(slotIso('2022-07-10T17:00Z')).toBe('2022-07-10T17:00:00.000Z')
		expect(slotIso('garbage')).toBeNull()
	})
})

describe('Standard Webhooks check', () => {
	const secret = 'whsec_' + btoa('0123456789abcdef0123456789abcdef')
	async function sign(id: string, ts: string, body: string) {
		const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('0123456789abcdef0123456789abcdef'), { name: 'HMAC', hash: 'SHA-256' }, false, [
			'sign',
		])
		const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${ts}.${body}`)))
		return btoa(String.fromCharCode(...mac))
	}
	it('accepts any matching v1 signature among several', async () => {
		const ts = String(Math.floor(Date.now() / 1000))
		const sig = await sign('msg_1', ts, '{}')
		expect(await verifyStandardWebhook(secret, { id: 'msg_1', timestamp: ts, signature: `v1,AAAA v1,${sig}` }, '{}')).toEqual({ ok: true })
		expect((await verifyStandardWebhook(secret, { id: 'msg_2', timestamp: ts, signature: `v1,${sig}` }, '{}')).ok).toBe(false)
		expect((await verifyStandardWebhook(secret, { id: 'msg_1', timestamp: ts, signature: null }, '{}')).ok).toBe(false)
	})
})

describe('html tag', () => {
	it('escapes interpolations but not nested templates or raw()', () => {
		expect(h`<p title="${'"x"'}">${'<b>'}${h`<i>${'&'}</i>`}${raw('<br>')}${[1, 2]}${null}${false}</p>`.value).toBe(
			'<p title="&quot;x&quot;">&lt;b&gt;<i>&amp;</i><br>12</p>',
		)
	})
})

describe('links in message text', () => {
	const a = (url: string, text = url) => `<a href="${url}" target="_blank" rel="noopener noreferrer" data-testid="bubble-link">${text}</a>`
	it('links http(s) URLs, leaving sentence punctuation and balanced parentheses right', () => {
		expect(linkify('Menu: https://coffee.example/menu?a=1&b=2. Or (see http://x.example/Foo_(bar))!').value).toBe(
			`Menu: ${a('https://coffee.example/menu?a=1&amp;b=2')}. Or (see ${a('http://x.example/Foo_(bar)')})!`,
		)
	})
	it('escapes everything and links nothing but http and https', () => {
		expect(linkify('javascript:alert(1) data:text/html,<b>x</b> ftp://f.example').value).toBe(
			'javascript:alert(1) data:text/html,&lt;b&gt;x&lt;/b&gt; ftp://f.example',
		)
		expect(linkify('https://e.example/"onmouseover="alert(1)').value).toBe(`${a('https://e.example/')}&quot;onmouseover=&quot;alert(1)`)
		expect(linkify("https://e.example/a'b<script>").value).toBe(`${a('https://e.example/a&#39;b')}&lt;script&gt;`)
	})
})
