/**
 * The Hono app: route mounting and the one error path (routes/error-handler.tsx): known
 * failures answer with their status, anything else is logged and becomes a generic 500
 * without internals.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppBindings } from './context'
import { validationHook } from './lib/openapi'
import { registerDocumentParts } from './openapi/document'
import { admin } from './routes/admin'
import { attachments, signedAttachments } from './routes/attachments'
import { appleInbound } from './routes/apple-inbound'
import { requireBusiness } from './routes/business-auth'
import { consoleRoutes } from './routes/console'
import { conversations } from './routes/conversations'
import { deliveries } from './routes/deliveries'
import { mountDocs } from './routes/docs'
import { handleError } from './routes/error-handler'
import { home } from './routes/home'
import { hosted } from './routes/hosted'
import { invitations } from './routes/invitations'
import { messages } from './routes/messages'
import { templates } from './routes/templates'

// OpenAPIHono throughout, so every declared route reaches the document (docs/api.md).
export const app = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })

app.onError(handleError)

app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such route' } }, 404))

app.get('/health', (c) => c.json({ ok: true }))
app.route('/', home)
app.route('/', appleInbound)
mountDocs(app)
app.route('/', signedAttachments)
app.route('/', hosted)
app.route('/', consoleRoutes)
app.route('/admin', admin)

const v1 = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
v1.use('*', requireBusiness)
v1.route('/deliveries', deliveries)
v1.route('/attachments', attachments)
v1.route('/messages', messages)
v1.route('/conversations', conversations)
v1.route('/templates', templates)
v1.route('/invitations', invitations)
app.route('/v1', v1)
registerDocumentParts(app)
