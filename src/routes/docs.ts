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
	let cached: object | undefined
	app.get('/openapi.json', (c) => {
		cached ??= app.getOpenAPI31Document(DOCUMENT_CONFIG)
		return c.json(cached)
	})
	app.get('/docs', docsPage())
}
