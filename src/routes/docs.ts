/**
 * `/openapi.json` and `/docs`: public, no secrets in them. The document is generated from the
 * app's routes once per isolate (docs/api.md); `/docs` is the Scalar reference, whose script
 * is served by this Worker's static assets, never a CDN.
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { AppBindings } from '../context'
import { DOCUMENT_CONFIG } from '../openapi/document'
import { docsPage } from '../openapi/reference-page'

export function mountDocs(app: OpenAPIHono<AppBindings>): void {
	// Generated and serialised once per isolate: the routes do not change while it lives.
	let cached: string | undefined
	app.get('/openapi.json', (c) => {
		cached ??= JSON.stringify(app.getOpenAPI31Document(DOCUMENT_CONFIG))
		return c.body(cached, 200, { 'content-type': 'application/json; charset=UTF-8' })
	})
	app.get('/docs', docsPage())
}
