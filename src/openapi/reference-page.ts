/**
 * `/docs`: the Scalar API reference of `/openapi.json` (docs/api.md "The reference page").
 * Its script is this Worker's static asset (scripts/assets.mjs), never a CDN, and the page's
 * CSP allows only this origin: a self-hosted MSP may be offline or behind a strict policy.
 */
import { Scalar } from '@scalar/hono-api-reference'
import type { MiddlewareHandler } from 'hono'

/** Where `[assets]` serves the standalone script (scripts/assets.mjs SCALAR_SCRIPT_PATH). */
export const SCALAR_SCRIPT_PATH = '/docs/scalar.js'

const CSP = [
	"default-src 'self'",
	// Scalar boots from an inline script and injects its styles.
	"script-src 'self' 'unsafe-inline'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data: blob:",
	"font-src 'self' data:",
	"connect-src 'self'",
	"worker-src 'self' blob:",
	"base-uri 'none'",
	"frame-ancestors 'none'",
].join('; ')

const page = Scalar({
	url: '/openapi.json',
	cdn: SCALAR_SCRIPT_PATH,
	pageTitle: 'amb-edge API reference',
	// Offline by design: no web fonts from Scalar's servers, no hosted client or agent.
	withDefaultFonts: false,
	hideClientButton: true,
	showDeveloperTools: 'never',
	telemetry: false,
	agent: { disabled: true },
	defaultOpenAllTags: false,
	operationTitleSource: 'summary',
})

export const docsPage = (): MiddlewareHandler => async (c, next) => {
	c.header('content-security-policy', CSP)
	return page(c, next)
}
