/**
 * Checks on URLs that users give us (webhook endpoints now, rich links later), before
 * any fetch (docs/webhooks.md "Security"): http(s) only on default ports, no
 * userinfo, no IP literals or names of private, loopback, link-local or metadata
 * addresses. `development` alone permits plain http and loopback targets, so the local
 * webhook inbox and test servers work (docs/product.md "Configuration", ENVIRONMENT).
 */

export type Environment = 'production' | 'development'

export class UnsafeUrlError extends Error {
	constructor(message: string) {
		super(message)
		this.name = 'UnsafeUrlError'
	}
}

const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /\.local$/, /\.internal$/, /^metadata\./, /^metadata$/]

function ipv4Private(host: string): boolean | null {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
	if (!m) return null
	const [a, b] = [Number(m[1]), Number(m[2])]
	return (
		a === 0 ||
		a === 10 ||
		a === 127 ||
		(a === 100 && b >= 64 && b <= 127) ||
		(a === 169 && b === 254) ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168) ||
		(a === 198 && (b === 18 || b === 19)) ||
		a >= 224
	)
}

const isLoopbackHost = (h: string) => h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '[::1]'

/** Parse and check; returns the normalised URL or throws UnsafeUrlError. */
export function checkOutboundUrl(raw: string, environment: Environment): URL {
	let url: URL
	try {
		url = new URL(raw)
	} catch {
		throw new UnsafeUrlError('not a valid URL')
	}
	const dev = environment === 'development'
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && dev)) {
		throw new UnsafeUrlError(dev ? 'only http(s) URLs are allowed' : 'only https URLs are allowed')
	}
	if (url.username || url.password) throw new UnsafeUrlError('URLs with credentials are not allowed')
	const host = url.hostname.toLowerCase()
	if (dev && isLoopbackHost(host)) return url
	if (url.port !== '') throw new UnsafeUrlError('only default ports are allowed')
	if (host.startsWith('[')) throw new UnsafeUrlError('IP address hosts are not allowed')
	const v4 = ipv4Private(host)
	if (v4 !== null) throw new UnsafeUrlError('IP address hosts are not allowed')
	// Numeric forms a parser may read as an address (e.g. 2130706433, 0x7f.1).
	if (/^[0-9.]+$/.test(host) || /^0x/i.test(host)) throw new UnsafeUrlError('IP address hosts are not allowed')
	if (!host.includes('.') || BLOCKED_NAMES.some((re) => re.test(host))) {
		throw new UnsafeUrlError('private host names are not allowed')
	}
	return url
}
