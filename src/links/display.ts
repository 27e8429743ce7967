/**
 * Human-readable forms of a URL, for a rich link whose page could not be read: Apple requires
 * a title (docs/apple-interactive.md §5.4), and "bücher.de › kinder › neue bücher" reads
 * better than the punycode, percent-encoded href the URL parser gives.
 */

const BASE = 36
const TMIN = 1
const TMAX = 26
const SKEW = 38
const DAMP = 700

function adapt(delta: number, points: number, first: boolean): number {
	let d = first ? Math.floor(delta / DAMP) : delta >> 1
	d += Math.floor(d / points)
	let k = 0
	while (d > ((BASE - TMIN) * TMAX) >> 1) {
		d = Math.floor(d / (BASE - TMIN))
		k += BASE
	}
	return k + Math.floor(((BASE - TMIN + 1) * d) / (d + SKEW))
}

function digit(code: number): number {
	if (code >= 48 && code <= 57) return code - 22
	if (code >= 65 && code <= 90) return code - 65
	if (code >= 97 && code <= 122) return code - 97
	return BASE
}

/** RFC 3492 decoding of one label's part after `xn--`; null when it is not valid punycode. */
export function punycodeDecode(input: string): string | null {
	const out: number[] = []
	const basic = Math.max(input.lastIndexOf('-'), 0)
	for (let j = 0; j < basic; j++) {
		const c = input.charCodeAt(j)
		if (c >= 0x80) return null
		out.push(c)
	}
	let n = 128
	let bias = 72
	let i = 0
	for (let idx = basic > 0 ? basic + 1 : 0; idx < input.length; ) {
		const old = i
		for (let w = 1, k = BASE; ; k += BASE) {
			if (idx >= input.length) return null
			const d = digit(input.charCodeAt(idx++))
			if (d >= BASE) return null
			i += d * w
			const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias
			if (d < t) break
			w *= BASE - t
			if (i > 0x7fffffff) return null
		}
		const len = out.length + 1
		bias = adapt(i - old, len, old === 0)
		n += Math.floor(i / len)
		i %= len
		if (n > 0x10ffff) return null
		out.splice(i, 0, n)
		i++
	}
	return String.fromCodePoint(...out)
}

/** Host name for people: IDN labels in Unicode, no leading `www.`. */
export function displayHost(hostname: string): string {
	const labels = hostname
		.toLowerCase()
		.split('.')
		.map((label) => {
			if (!label.startsWith('xn--')) return label
			return punycodeDecode(label.slice(4)) ?? label
		})
	const host = labels.join('.')
	return host.startsWith('www.') ? host.slice(4) : host
}

function safeDecode(s: string): string {
	try {
		return decodeURIComponent(s)
	} catch {
		return s
	}
}

/** Truncate to `max` code points with an ellipsis, never splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
	const points = [...s]
	return points.length <= max
		? s
		: `${points
				.slice(0, max - 1)
				.join('')
				.trimEnd()}…`
}

const MAX_TITLE = 120
const MAX_SEGMENTS = 3

/**
 * A title made from the URL alone: host plus the last path segments made readable
 * (`https://www.example.com/blog/my-first_post.html` → "example.com › blog › my first post").
 */
export function titleFromUrl(raw: string): string {
	let url: URL
	try {
		url = new URL(raw)
	} catch {
		return truncate(raw, MAX_TITLE)
	}
	const segments = url.pathname
		.split('/')
		.map((seg) =>
			safeDecode(seg)
				.replace(/\.(html?|php\d?|aspx?|jsp|cgi)$/i, '')
				.replace(/[-_+]+/g, ' ')
				.replace(/\s+/g, ' ')
				.trim(),
		)
		.filter((seg) => seg !== '')
	const shown = segments.length > MAX_SEGMENTS ? ['…', ...segments.slice(-MAX_SEGMENTS)] : segments
	return truncate([displayHost(url.hostname), ...shown].join(' › '), MAX_TITLE)
}
