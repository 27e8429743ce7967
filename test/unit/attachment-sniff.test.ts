/** MIME type resolution for uploads: declared type, magic bytes, extension refinement. */
import { describe, expect, it } from 'vitest'
import { declaredMime, extensionFor, mimeFromName, resolveMime, sniffMagic } from '../../src/attachments/sniff'
import { contentDisposition } from '../../src/routes/attachments'
import { cleanName } from '../../src/attachments/attachment-meta'

const b = (...xs: (number | string)[]) => new Uint8Array(xs.flatMap((x) => (typeof x === 'string' ? [...x].map((c) => c.charCodeAt(0)) : [x])))

describe('sniff', () => {
	it('recognises common magic bytes', () => {
		expect(sniffMagic(b(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a))).toBe('image/png')
		expect(sniffMagic(b(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg')
		expect(sniffMagic(b('GIF89a'))).toBe('image/gif')
		expect(sniffMagic(b('RIFF', 0, 0, 0, 0, 'WEBP'))).toBe('image/webp')
		expect(sniffMagic(b(0, 0, 0, 0x18, 'ftypheic'))).toBe('image/heic')
		expect(sniffMagic(b(0, 0, 0, 0x14, 'ftypqt  '))).toBe('video/quicktime')
		expect(sniffMagic(b(0, 0, 0, 0x20, 'ftypM4A '))).toBe('audio/mp4')
		expect(sniffMagic(b('%PDF-1.7'))).toBe('application/pdf')
		expect(sniffMagic(b('caff', 0, 1))).toBe('audio/x-caf')
		expect(sniffMagic(b('PK', 3, 4))).toBe('application/zip')
		expect(sniffMagic(b('hello world'))).toBeNull()
		expect(sniffMagic(new Uint8Array())).toBeNull()
	})

	it('prefers a specific declared type, drops parameters, ignores the generic one', () => {
		expect(declaredMime('Image/PNG; foo=bar')).toBe('image/png')
		expect(declaredMime('application/octet-stream')).toBeNull()
		expect(declaredMime('not a type')).toBeNull()
		expect(resolveMime('image/gif', b(0x89, 'PNG'), 'x.jpg')).toBe('image/gif')
	})

	it('refines ZIP containers and unknown bytes by extension', () => {
		expect(resolveMime(null, b('PK', 3, 4), 'Ticket.PKPASS')).toBe('application/vnd.apple.pkpass')
		expect(resolveMime(undefined, b('PK', 3, 4), 'chair.usdz')).toBe('model/vnd.usdz+zip')
		expect(resolveMime(undefined, b('PK', 3, 4), null)).toBe('application/zip')
		expect(resolveMime(undefined, b('BEGIN:VCARD'), 'me.vcf')).toBe('text/vcard')
		expect(resolveMime(undefined, b('???'), 'file.unknown')).toBe('application/octet-stream')
		expect(mimeFromName('noext')).toBeNull()
		expect(extensionFor('image/jpeg')).toBe('jpg')
	})
})

describe('names', () => {
	it('cleans file names', () => {
		expect(cleanName('../../etc/passwd')).toBe('.._.._etc_passwd')
		expect(cleanName('a\u0000b\nc.txt')).toBe('a_b_c.txt')
		expect(cleanName('  ')).toBe('attachment')
		expect(cleanName('..', 'x')).toBe('x')
		expect(cleanName('é'.repeat(300)).length).toBe(255)
		const emoji = cleanName('😀'.repeat(300))
		expect(Array.from(emoji)).toHaveLength(255)
		expect(() => encodeURIComponent(emoji)).not.toThrow()
		expect(cleanName('a\ud800b')).toBe('a\ufffdb')
	})

	it('builds an RFC 6266 Content-Disposition', () => {
		expect(contentDisposition('plain.txt')).toBe(`attachment; filename="plain.txt"; filename*=UTF-8''plain.txt`)
		expect(contentDisposition("O'Brien (1).pdf")).toBe(`attachment; filename="O'Brien (1).pdf"; filename*=UTF-8''O%27Brien%20%281%29.pdf`)
		expect(contentDisposition('日本.png')).toBe(`attachment; filename="__.png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png`)
	})
})
