/**
 * The one error path (docs/ARCHITECTURE.md "Layers"): every route's failure ends here.
 * Pages (hosted, landing, console) get an HTML page; the APIs and the pay endpoints get the
 * JSON envelope `{ error: { code, message, details } }`. Server-side failures are logged with
 * their cause and internal facts; a client never sees either.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { MessagePage } from '../hosted/pages/layout'
import { AppError, errorBody } from '../lib/errors'
import { log } from '../lib/log'

/** Paths answered with HTML pages; everything else (APIs, `/hosted/pay/*`) is JSON. */
const PAGE_PATH = /^\/(landing|landingPage|hosted|console)(?:[/?#]|$)/
const JSON_UNDER_PAGES = /^\/(hosted\/pay|console\/api)\//

export function wantsPage(path: string): boolean {
	return PAGE_PATH.test(path) && !JSON_UNDER_PAGES.test(path)
}

function errorText(err: unknown): string {
	return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

export function handleError(err: Error, c: Context): Response | Promise<Response> {
	const known =
		err instanceof AppError
			? err
			: err instanceof HTTPException
				? new AppError(err.status as ContentfulStatusCode, 'http_error', err.message || 'request failed')
				: null
	const status = known?.status ?? 500
	if (!known || status >= 500) {
		log.error(known ? `${known.code}: ${known.message}` : 'unhandled error', {
			path: c.req.path,
			method: c.req.method,
			error: errorText(known ? (known.cause ?? known) : err),
			...known?.internal,
		})
	}
	if (wantsPage(c.req.path)) {
		const message = known && status < 500 ? known.message : 'Something went wrong. Try again later.'
		const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 401 ? 'Signed out' : 'Error'
		return c.html(<MessagePage title={title} message={message} />, status)
	}
	if (known && status < 500) return c.json(errorBody(known), status)
	if (known) return c.json({ error: { code: known.code, message: known.message } }, status)
	return c.json({ error: { code: 'internal', message: 'internal error' } }, 500)
}
