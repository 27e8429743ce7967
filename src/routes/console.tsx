/**
 * The business console at `/console` (docs/product.md "Hosted pages", docs/console.md): wiring
 * only. The page is a server-rendered shell plus one same-origin script (src/console/page.tsx,
 * client-*.ts); its JSON endpoints live under `/console/api/b/:businessId/`:
 *
 * - sign-in is the hosted session (src/hosted/session.ts): a business sees only itself, the
 *   operator may open any business; an expired or rotated session answers 401;
 * - every request other than GET carries the session's CSRF token in `x-csrf-token` and must
 *   pass the Origin check (src/hosted/csrf.ts) before its body is read;
 * - sending, attachments and templates are the business API's own sub-apps (routes/messages.ts,
 *   attachments.ts, templates.ts) with the business taken from the session, so the console
 *   cannot do what the API would refuse;
 * - `GET …/live` upgrades to the business's ConsoleHub WebSocket (src/live/hub-do.ts).
 */
import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { secureHeaders } from 'hono/secure-headers'
import { z } from 'zod'
import { conversationIndexStub, loadBusiness } from '../business/directory'
import { BusinessIdSchema, type BusinessRecord } from '../business/schema'
import { CONSOLE_CSS } from '../console/client-style'
import { CONSOLE_SCRIPT } from '../console/client-script'
import { ChooseBusinessPage, ConsolePage } from '../console/page'
import { CheckBodySchema, checkMessage, PREVIEW_DEVICES } from '../console/preview'
import { getConfig, type Env } from '../context'
import { conversationById } from '../conversation/directory'
import { csrfToken, csrfValid, readSession, type Session } from '../hosted/session'
import { sameOrigin } from '../hosted/csrf'
import { AppError, forbidden, notFound, unauthorized } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { log } from '../lib/log'
import { readQuery } from '../lib/query'
import { consoleHubStub, InboxSummarySchema, SESSION_EXPIRY_HEADER } from '../live/summary'
import { attachments } from './attachments'
import { messages } from './messages'
import { templates } from './templates'

type ConsoleEnv = { Bindings: Env; Variables: { session: Session; business: BusinessRecord } }

export const consoleRoutes = new Hono<ConsoleEnv>()

export const CSRF_HEADER = 'x-csrf-token'

const pageHeaders = secureHeaders({
	contentSecurityPolicy: {
		defaultSrc: ["'none'"],
		scriptSrc: ["'self'"],
		styleSrc: ["'self'"],
		imgSrc: ["'self'", 'data:', 'blob:'],
		connectSrc: ["'self'"],
		formAction: ["'self'"],
		frameAncestors: ["'none'"],
		baseUri: ["'none'"],
	},
	xFrameOptions: 'DENY',
	referrerPolicy: 'same-origin',
	crossOriginResourcePolicy: 'same-origin',
})
const noStore = createMiddleware(async (c, next) => {
	await next()
	// A WebSocket upgrade's response has immutable headers (and nothing to cache).
	if (c.res.status !== 101 && !c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store')
})
consoleRoutes.use('/console', pageHeaders, noStore)
consoleRoutes.use('/console/api/*', noStore)

// --- Page --------------------------------------------------------------------------------

consoleRoutes.get('/console/app.js', (c) => c.body(CONSOLE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }))
consoleRoutes.get('/console/app.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }))

consoleRoutes.get('/console', async (c) => {
	const config = getConfig(c.env)
	const session = await readSession(c, config)
	if (!session) return c.redirect('/hosted/login?next=%2Fconsole', 303)
	const requested = c.req.query('business')
	let businessId: string | null = session.sub === 'business' ? (session.bid ?? null) : null
	if (session.sub === 'admin' && requested !== undefined) {
		const id = BusinessIdSchema.safeParse(requested)
		if (id.success) businessId = id.data
	}
	const csrf = await csrfToken(config, session)
	if (!businessId) return c.html(<ChooseBusinessPage csrf={csrf} error={requested !== undefined ? 'Not a valid business id.' : null} />)
	const business = await loadBusiness(c.env, businessId)
	if (!business) return c.html(<ChooseBusinessPage csrf={csrf} error="No such business." />, 404)
	const devices = Object.entries(PREVIEW_DEVICES).map(([key, d]) => ({ key, label: d.label }))
	return c.html(<ConsolePage csrf={csrf} admin={session.sub === 'admin'} businessId={businessId} businessName={business.settings.name} devices={devices} />)
})

// --- API: session, business, CSRF ---------------------------------------------------------

const api = new Hono<ConsoleEnv>()

api.use('/b/:bid/*', async (c, next) => {
	const config = getConfig(c.env)
	const session = await readSession(c, config)
	if (!session) throw unauthorized('your session has ended; sign in again')
	const id = BusinessIdSchema.safeParse(c.req.param('bid'))
	if (!id.success) throw notFound('no such business')
	// Same rule as the settings pages: 403 for every other id, so nothing is learnt about which exist.
	if (session.sub !== 'admin' && session.bid !== id.data) throw forbidden('this business is not yours')
	if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
		// Before any body is read: a refused request stores nothing.
		if (!sameOrigin(c.req.raw)) throw forbidden('cross-origin requests are not accepted')
		if (!(await csrfValid(config, session, c.req.header(CSRF_HEADER) ?? ''))) throw forbidden('missing or invalid CSRF token; reload the page')
	}
	const business = await loadBusiness(c.env, id.data)
	if (!business) throw notFound('no such business')
	c.set('session', session)
	c.set('business', business)
	await next()
})

const InboxQuery = z.object({
	status: z.enum(['open', 'closed', 'all']).default('all'),
	q: z.string().trim().max(200).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(200),
})

/** Conversations the hub has not heard of (started before the console existed) are reported once. */
const BACKFILL_MAX = 20

api.get('/b/:bid/inbox', async (c) => {
	const q = readQuery(c, InboxQuery)
	const businessId = c.var.business.settings.businessId
	const hub = consoleHubStub(c.env, businessId)
	let rows = await hub.list({ status: q.status, search: q.q || null, limit: q.limit })
	if (q.status === 'all' && !q.q) {
		const known = new Set(rows.map((r) => r.conversationId))
		const missing = (await conversationIndexStub(c.env, businessId).listConversations(500, null))
			.filter((r) => !known.has(r.conversationId))
			.slice(0, BACKFILL_MAX)
		if (missing.length > 0) {
			await Promise.all(
				missing.map(async (m) => {
					const raw = await conversationById(c.env, m.conversationId)?.consoleSummary()
					const summary = raw ? InboxSummarySchema.safeParse(JSON.parse(raw)) : null
					if (summary?.success) await hub.note(summary.data)
				}),
			).catch((err: unknown) => log.warn('console inbox backfill failed', { businessId, error: err instanceof Error ? err.message : String(err) }))
			rows = await hub.list({ status: q.status, search: null, limit: q.limit })
		}
	}
	return c.json({ data: rows })
})

async function ownConversation(c: { env: Env; var: { business: BusinessRecord } }, id: string) {
	const stub = conversationById(c.env, id)
	const state = stub ? await stub.state() : null
	// Another business's conversation answers like an unknown one.
	if (!stub || !state || state.businessId !== c.var.business.settings.businessId) throw notFound('unknown conversation')
	return { stub, state }
}

const ThreadQuery = z.object({
	/** Older than this sequence (paging back); the newest messages without it. */
	before: z.coerce.number().int().min(1).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(200),
})

api.get('/b/:bid/conversations/:cid', async (c) => {
	const { stub, state } = await ownConversation(c, c.req.param('cid'))
	const q = readQuery(c, ThreadQuery)
	// The newest page, then oldest first as the page shows it; `hasMore` says older ones exist.
	const page = JSON.parse(await stub.consoleThread({ limit: q.limit, after: null, before: q.before ?? null, order: 'desc' })) as {
		data: unknown[]
		hasMore: boolean
	}
	return c.json({ state, thread: { data: page.data.reverse(), hasMore: page.hasMore } })
})

const ReadBody = z.strictObject({ inboundCount: z.number().int().min(0) })

api.post('/b/:bid/conversations/:cid/read', async (c) => {
	const body = await readJson(c, ReadBody, 1024)
	const { state } = await ownConversation(c, c.req.param('cid'))
	const row = await consoleHubStub(c.env, state.businessId).markRead(state.conversationId, body.inboundCount)
	return c.json({ conversation: row })
})

api.post('/b/:bid/check', async (c) => {
	const body = await readJson(c, CheckBodySchema, 2 * 1024 * 1024)
	const { state } = await ownConversation(c, body.conversationId)
	const result = checkMessage(body.message, state)
	return c.json({ ...result, conversation: { status: state.status } })
})

api.get('/b/:bid/live', async (c) => {
	if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new AppError(426, 'upgrade_required', 'expected a WebSocket')
	// A WebSocket is not bound by CORS: without this check any site could open one with the cookie.
	if (!sameOrigin(c.req.raw)) throw forbidden('cross-origin WebSocket refused')
	const headers = new Headers(c.req.raw.headers)
	headers.set(SESSION_EXPIRY_HEADER, String(c.var.session.exp))
	return consoleHubStub(c.env, c.var.business.settings.businessId).fetch(new Request(c.req.raw, { headers }))
})

// The business API's own handlers, with the business from the session (see the header comment).
api.route('/b/:bid/messages', messages)
api.route('/b/:bid/attachments', attachments)
api.route('/b/:bid/templates', templates)

consoleRoutes.route('/console/api', api)
