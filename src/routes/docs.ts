/** `/openapi.json` and `/docs`: public, no secrets in them. */
import { Hono } from 'hono'
import type { AppBindings } from '../context'
import { DOCS_HTML, openApiDocument } from '../openapi/document'

export const docs = new Hono<AppBindings>()
docs.get('/openapi.json', (c) => c.json(openApiDocument()))
docs.get('/docs', (c) => c.html(DOCS_HTML))
