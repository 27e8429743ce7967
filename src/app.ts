/**
 * The Hono app: route mounting and the error boundary. Known failures (AppError,
 * HTTPException) answer `{ error: { code, message } }` with their status; anything else is
 * logged and becomes a generic 500 without internals (workers-house-style.md §3.8).
 */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppBindings } from './context'
import { AppError, errorBody } from './lib/errors'
import { admin } from './routes/admin'
import { attachments, signedAttachments } from './routes/attachments'
import { appleInbound } from './routes/apple-inbound'
import { requireBusiness } from './routes/business-auth'
import { consoleRoutes } from './routes/console'
import { conversations } from './routes/conversations'
import { deliveries } from './routes/deliveries'
import { docs } from './routes/docs'
import { hosted } from './routes/hosted'
import { messages } from './routes/messages'
import { templates } from './routes/templates'

export const app = new Hono<AppBindings>()

app.onError((err, c) => {
	if (err instanceof AppError) {
		if (err.status >= 500) console.error(`${err.code}: ${err.message}`)
		return c.json(errorBody(err), err.status)
	}
	if (err instanceof HTTPException) {
		return c.json({ error: { code: 'http_error', message: err.message || 'request failed' } }, err.status)
	}
	console.error('unhandled error', err instanceof Error ? `${err.name}: ${err.message}` : String(err))
	return c.json({ error: { code: 'internal', message: 'internal error' } }, 500)
})

app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such route' } }, 404))

app.get('/health', (c) => c.json({ ok: true }))
app.route('/', appleInbound)
app.route('/', docs)
app.route('/', signedAttachments)
app.route('/', hosted)
app.route('/', consoleRoutes)
app.route('/admin', admin)

const v1 = new Hono<AppBindings>()
v1.use('*', requireBusiness)
v1.route('/deliveries', deliveries)
v1.route('/attachments', attachments)
v1.route('/messages', messages)
v1.route('/conversations', conversations)
v1.route('/templates', templates)
app.route('/v1', v1)
