/**
 * The simulator's Hono app: Apple's gateway (`/v1/*`), the MMCS host (`/mmcs/*`), Apple Pay's
 * merchant-session endpoint (`/paymentservices/*`), the test/page API (`/sim/api/*`), the
 * device page and the webhook inbox. Unexpected errors become a logged generic 500.
 */
import { Hono } from 'hono'
import { simApi } from './api/sim-api'
import type { SimBindings } from './env'
import { applePayRoutes } from './gateway/apple-pay-route'
import { decodePayloadRoutes } from './gateway/decode-payload-route'
import { messageRoutes } from './gateway/message-route'
import { gatewayMmcsRoutes, mmcsHostRoutes } from './gateway/mmcs-routes'
import { inboxRoutes } from './inbox/inbox-routes'
import { pageRoutes } from './pages/page-routes'

export const app = new Hono<SimBindings>()

app.onError((err, c) => {
	console.error('amb-simulator: unhandled error', err instanceof Error ? `${err.name}: ${err.message}` : String(err))
	return c.json({ code: 500, message: 'internal error' }, 500)
})

app.notFound((c) => c.json({ code: 404, message: 'no such route' }, 404))

app.route('/v1', messageRoutes)
app.route('/v1', gatewayMmcsRoutes)
app.route('/v1', decodePayloadRoutes)
app.route('/mmcs', mmcsHostRoutes)
app.route('/paymentservices', applePayRoutes)
app.route('/sim/api', simApi)
app.route('/inbox', inboxRoutes)
app.route('/', pageRoutes)
