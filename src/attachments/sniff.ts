/**
 * The MIME type of an uploaded file when the request does not say (no Content-Type, or the
 * generic `application/octet-stream`): magic bytes first, then the name's extension. Apple
 * does not reject by MIME type, but the customer's device picks its viewer from it, and a few
 * Apple-specific types (voice notes, passes, AR objects; docs/apple-protocol.md §4.4) only show as themselves
 * with the right one.
 */

/** Bytes of the file's head that sniffing looks at. */
export const SNIFF_BYTES = 64

export const GENERIC_MIME = 'application/octet-stream'

const ascii = (b: Uint8Array, from: number, len: number) => String.fromCharCode(...b.subarray(from, from + len))
const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v)

/** ISO-BMFF brands (`ftyp` box) → type; HEIC is what iPhones send for photos. */
const FTYP_BRANDS: Record<string, string> = {
	heic: 'image/heic',
	heix: 'image/heic',
	heim: 'image/heic',
	heis: 'image/heic',
	hevc: 'image/heic-sequence',
	hevx: 'image/heic-sequence',
	mif1: 'image/heif',
	msf1: 'image/heif-sequence',
	avif: 'image/avif',
	'qt  ': 'video/quicktime',
	'M4A ': 'audio/mp4',
	'M4V ': 'video/mp4',
	isom: 'video/mp4',
	iso2: 'video/mp4',
	mp41: 'video/mp4',
	mp42: 'video/mp4',
	avc1: 'video/mp4',
	'3gp4': 'video/3gpp',
	'3gp5': 'video/3gpp',
}

/** From magic bytes alone; null when nothing matches. ZIP is returned as `application/zip`. */
export function sniffMagic(b: Uint8Array): string | null {
	if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
	if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg'
	if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'image/gif'
	if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'image/webp'
	if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE') return 'audio/wav'
	if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'AVI ') return 'video/x-msvideo'
	if (ascii(b, 4, 4) === 'ftyp') return FTYP_BRANDS[ascii(b, 8, 4)] ?? 'video/mp4'
	if (ascii(b, 0, 5) === '%PDF-') return 'application/pdf'
	if (ascii(b, 0, 4) === 'caff') return 'audio/x-caf' // Messages voice notes (docs/apple-protocol.md §4.4)
	if (ascii(b, 0, 6) === '#!AMR\n') return 'audio/amr'
	if (ascii(b, 0, 3) === 'ID3' || startsWith(b, [0xff, 0xfb]) || startsWith(b, [0xff, 0xf3])) return 'audio/mpeg'
	if (ascii(b, 0, 4) === 'OggS') return 'audio/ogg'
	if (ascii(b, 0, 4) === 'fLaC') return 'audio/flac'
	if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm'
	if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff'
	if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'application/zip'
	if (startsWith(b, [0x1f, 0x8b])) return 'application/gzip'
	if (ascii(b, 0, 8) === 'bplist00') return 'application/x-plist'
	return null
}

const BY_EXTENSION: Record<string, string> = {
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	heic: 'image/heic',
	heif: 'image/heif',
	tif: 'image/tiff',
	tiff: 'image/tiff',
	svg: 'image/svg+xml',
	pdf: 'application/pdf',
	caf: 'audio/x-caf',
	m4a: 'audio/mp4',
	mp3: 'audio/mpeg',
	wav: 'audio/wav',
	amr: 'audio/amr',
	mov: 'video/quicktime',
	mp4: 'video/mp4',
	m4v: 'video/mp4',
	pkpass: 'application/vnd.apple.pkpass', // docs/apple-protocol.md §4.4
	usdz: 'model/vnd.usdz+zip', // docs/apple-protocol.md §4.4 ("vnd.usdz+zip")
	zip: 'application/zip',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
	key: 'application/vnd.apple.keynote',
	pages: 'application/vnd.apple.pages',
	numbers: 'application/vnd.apple.numbers',
	txt: 'text/plain',
	csv: 'text/csv',
	json: 'application/json',
	vcf: 'text/vcard',
	ics: 'text/calendar',
}

export function mimeFromName(name: string | null | undefined): string | null {
	const ext = name?.match(/\.([A-Za-z0-9]{1,10})$/)?.[1]?.toLowerCase()
	return ext ? (BY_EXTENSION[ext] ?? null) : null
}

/**
 * The declared `Content-Type` as a bare, lower-case `type/subtype` (parameters dropped, as
 * Apple's `mimeType` has none), or null when absent, malformed or generic.
 */
export function declaredMime(contentType: string | null | undefined): string | null {
	const bare = contentType?.split(';')[0]?.trim().toLowerCase()
	if (!bare || bare === GENERIC_MIME || !/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(bare)) return null
	return bare
}

/**
 * Final MIME type: the declared one, else magic bytes, refined by the extension for ZIP
 * containers (a `.pkpass` or `.usdz` is a ZIP inside), else the extension, else generic.
 */
export function resolveMime(declared: string | null | undefined, head: Uint8Array, name: string | null | undefined): string {
	const given = declaredMime(declared)
	if (given) return given
	const magic = sniffMagic(head)
	const byName = mimeFromName(name)
	if (magic === 'application/zip' && byName) return byName
	return magic ?? byName ?? GENERIC_MIME
}

/** A file extension for a MIME type, to name files uploaded without `?name=`. */
export function extensionFor(mime: string): string | null {
	for (const [ext, type] of Object.entries(BY_EXTENSION)) if (type === mime) return ext
	return null
}
