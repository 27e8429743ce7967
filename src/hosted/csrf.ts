/**
 * CSRF defence of the hosted pages' forms, two independent checks (OWASP CSRF cheat sheet):
 * the request's Origin must be ours (Fetch Metadata / Referer when a browser sends no
 * Origin; nothing at all is refused), and the form must carry the synchronizer token bound
 * to the session (session.ts). SameSite=Strict cookies are a third layer, not relied on:
 * another origin on the same site (another port, a sibling subdomain) still sends them.
 */
export function sameOrigin(req: Request): boolean {
	const expected = new URL(req.url).origin
	const origin = req.headers.get('origin')
	if (origin !== null) return origin === expected
	const site = req.headers.get('sec-fetch-site')
	if (site !== null) return site === 'same-origin'
	const referer = req.headers.get('referer')
	if (!referer) return false
	try {
		return new URL(referer).origin === expected
	} catch {
		return false
	}
}

/** Form field carrying the token in every hosted form. */
export const CSRF_FIELD = '_csrf'
