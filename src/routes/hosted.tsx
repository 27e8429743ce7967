/**
 * Hosted pages and endpoints (docs/product.md "Hosted pages"), a sub-app mounted at `/`:
 *
 * - `GET /landing` (and `/landingPage`, Apple's sample path): account linking (routes/hosted-landing.tsx).
 * - `/hosted/login`, `/hosted/logout`, `/hosted`, `/hosted/businesses/:id/settings` and its
 *   forms: channel settings behind a session (admin token or business API key).
 * - `GET /hosted/auth/callback`: the OAuth redirect URI of AUTH2 (src/hosted/oauth.ts).
 * - `POST /hosted/pay/:token/:endpoint`: Apple Pay's gateway and update callbacks
 *   (src/hosted/apple-pay.ts), JSON, no session: the signed path token is the credential.
 *
 * Pages are server-rendered (hono/jsx), without scripts, under a strict CSP. Every form
 * POST passes the Origin check and the session's synchronizer token (src/hosted/csrf.ts).
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { secureHeaders } from 'hono/secure-headers'
import { deleteCookie } from 'hono/cookie'
import { z } from 'zod'
import { businessStub } from '../business/directory'
import { BusinessIdSchema } from '../business/schema'
import { getConfig, type Config } from '../context'
import { replayDeadLetter } from '../conversation/replay'
import { openSecret } from '../lib/crypto'
import { AppError, forbidden, notFound } from '../lib/errors'
import { readJson } from '../lib/json-body'
import { clientSecretAad } from '../business/service'
import { updateFromPage } from '../hosted/admin-client'
import { handlePayCallback, PAY_ENDPOINTS } from '../hosted/apple-pay'
import { CSRF_FIELD, sameOrigin } from '../hosted/csrf'
import { accountOfNext } from '../hosted/landing-query'
import { CallbackQuerySchema, handleAuthCallback } from '../hosted/oauth'
import { AuthResultPage } from '../hosted/pages/auth-result'
import { MessagePage } from '../hosted/pages/layout'
import { LoginPage } from '../hosted/pages/login'
import { DashboardPage, SettingsPage, type Notice, type SettingsProps, type SettingsSection } from '../hosted/pages/settings'
import { testDelivery } from '../hosted/relay'
import {
	authenticateCredential,
	csrfToken,
	csrfValid,
	endSession,
	LOGIN_NONCE_COOKIE,
	loginCsrfToken,
	loginCsrfValid,
	mayManage,
	principalOf,
	readSession,
	startSession,
} from '../hosted/session'
import { applePayForm, authenticationForm, FormSchema, str, webhooksForm, type Form } from '../hosted/settings'
import type { HostedContext, HostedEnv } from './hosted-context'
import { landing } from './hosted-landing'

type C = HostedContext

export const hosted = new Hono<HostedEnv>()

const FORM_LIMIT_BYTES = 64 * 1024
const PAY_BODY_LIMIT_BYTES = 64 * 1024

// Pages answer errors as pages; Apple Pay callbacks as JSON like the rest of the API.
// --- Middleware -------------------------------------------------------------------------

const pageHeaders = [
	secureHeaders({
		contentSecurityPolicy: {
			defaultSrc: ["'none'"],
			styleSrc: ["'unsafe-inline'"],
			imgSrc: ['https:', 'data:'],
			formAction: ["'self'"],
			frameAncestors: ["'none'"],
			baseUri: ["'none'"],
		},
		xFrameOptions: 'DENY',
		referrerPolicy: 'same-origin',
		crossOriginResourcePolicy: 'same-origin',
	}),
	createMiddleware<HostedEnv>(async (c, next) => {
		await next()
		c.res.headers.set('cache-control', 'no-store')
	}),
]
for (const path of ['/landing', '/landing/*', '/landingPage', '/hosted', '/hosted/*']) hosted.use(path, ...pageHeaders)

const formLimit = bodyLimit({
	maxSize: FORM_LIMIT_BYTES,
	onError: (c) => c.html(<MessagePage title="Too large" message="The form is too large." />, 413),
})

/** Parse the (size-capped) form once; zod keeps files and oversized values out. */
async function readForm(c: C): Promise<Form> {
	const parsed = FormSchema.safeParse(await c.req.parseBody({ all: true }))
	if (!parsed.success) throw new AppError(400, 'bad_request', 'The form could not be read.')
	return parsed.data
}

const withSession = createMiddleware<HostedEnv>(async (c, next) => {
	const session = await readSession(c, getConfig(c.env))
	if (!session) {
		if (c.req.method === 'GET') {
			const url = new URL(c.req.url)
			return c.redirect(`/hosted/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303)
		}
		return c.html(<MessagePage title="Signed out" message="Your session has ended. Sign in again." />, 401)
	}
	c.set('session', session)
	await next()
})

const csrfProtect = createMiddleware<HostedEnv>(async (c, next) => {
	if (!sameOrigin(c.req.raw)) return c.html(<MessagePage title="Request refused" message="Cross-origin form submissions are not accepted." />, 403)
	const form = await readForm(c)
	if (!(await csrfValid(getConfig(c.env), c.var.session, str(form, CSRF_FIELD)))) {
		return c.html(<MessagePage title="Request refused" message="The form expired or was not issued by this site. Reload the page and try again." />, 403)
	}
	c.set('form', form)
	await next()
})

for (const path of ['/hosted', '/hosted/businesses', '/hosted/businesses/*', '/hosted/logout']) hosted.use(path, withSession)
// POST only: `/landing/*` also matches `/landing`, whose GET checks the account id before asking for a session.
hosted.post('/landing/*', withSession)
for (const path of ['/landing/*', '/hosted/businesses/*', '/hosted/logout']) hosted.post(path, formLimit, csrfProtect)

/** Only our own pages as post-login targets (no open redirect). */
function safeNext(raw: string | undefined): string {
	if (raw && raw.length <= 2048 && /^\/(landing|landingPage|hosted|console)(?:[/?#]|$)/.test(raw) && !raw.includes('//') && !raw.includes('\\')) return raw
	return '/hosted'
}

const config = (c: C): Config => getConfig(c.env)
const origin = (c: C) => new URL(c.req.url).origin

// --- Login ----------------------------------------------------------------------------

hosted.get('/hosted/login', async (c) => {
	const next = safeNext(c.req.query('next'))
	if (await readSession(c, config(c))) return c.redirect(next, 303)
	return c.html(<LoginPage csrf={await loginCsrfToken(c, config(c))} next={next} linking={accountOfNext(next)} />)
})

hosted.post('/hosted/login', formLimit, async (c) => {
	const cfg = config(c)
	if (!sameOrigin(c.req.raw)) return c.html(<MessagePage title="Request refused" message="Cross-origin form submissions are not accepted." />, 403)
	const form = await readForm(c)
	const next = safeNext(str(form, 'next'))
	if (!(await loginCsrfValid(c, cfg, str(form, CSRF_FIELD)))) {
		return c.html(<LoginPage csrf={await loginCsrfToken(c, cfg)} next={next} linking={accountOfNext(next)} error="The sign-in form expired. Try again." />, 403)
	}
	const who = await authenticateCredential(c.env, cfg, str(form, 'credential'))
	if (!who)
		return c.html(<LoginPage csrf={await loginCsrfToken(c, cfg)} next={next} linking={accountOfNext(next)} error="Invalid admin token or API key." />, 401)
	await startSession(c, cfg, who)
	deleteCookie(c, LOGIN_NONCE_COOKIE(cfg), { path: '/', secure: cfg.ENVIRONMENT !== 'development' })
	return c.redirect(next, 303)
})

hosted.post('/hosted/logout', (c) => {
	endSession(c, config(c))
	return c.redirect('/hosted/login', 303)
})

// --- Settings -------------------------------------------------------------------------

hosted.get('/hosted', async (c) => {
	const session = c.var.session
	if (session.sub === 'business' && session.bid) return c.redirect(`/hosted/businesses/${encodeURIComponent(session.bid)}/settings`, 303)
	return c.html(<DashboardPage principal={principalOf(session)} csrf={await csrfToken(config(c), session)} />)
})

hosted.get('/hosted/businesses', (c) => {
	const id = BusinessIdSchema.safeParse(c.req.query('businessId') ?? '')
	if (!id.success) throw new AppError(400, 'bad_request', 'Not a valid business id.')
	return c.redirect(`/hosted/businesses/${encodeURIComponent(id.data)}/settings`, 303)
})

function managedId(c: C): string {
	const id = BusinessIdSchema.safeParse(c.req.param('id') ?? '')
	if (!id.success) throw notFound('No such business.')
	// The operator may open any business; a business gets 403 for every other id, so it
	// learns nothing about which ids exist.
	if (!mayManage(c.var.session, id.data)) throw forbidden('This business is not yours to manage.')
	return id.data
}

const settingsUrl = (id: string) => `/hosted/businesses/${encodeURIComponent(id)}/settings`

async function renderSettings(c: C, id: string, extra: Pick<SettingsProps, 'notice' | 'errors' | 'draft'> = {}, status: 200 | 422 = 200) {
	const stub = businessStub(c.env, id)
	const business = await stub.get()
	if (!business) throw notFound('No such business.')
	const [deadLetters, links] = await Promise.all([stub.listDeadLetters(20, null, false), stub.accountLinks()])
	const session = c.var.session
	return c.html(
		<SettingsPage
			principal={principalOf(session)}
			csrf={await csrfToken(config(c), session)}
			origin={origin(c)}
			business={business}
			deadLetters={deadLetters}
			links={links}
			{...extra}
		/>,
		status,
	)
}

const NoticeQuery = z.object({
	notice: z.enum(['saved', 'removed', 'replayed', 'test']).optional(),
	status: z.coerce.number().int().min(100).max(599).optional(),
	ms: z.coerce.number().int().min(0).max(600_000).optional(),
	error: z.enum(['timed out', 'could not connect', 'URL not allowed']).optional(),
})

hosted.get('/hosted/businesses/:id/settings', async (c) => {
	const id = managedId(c)
	const q = NoticeQuery.safeParse(c.req.query())
	const kind = q.success ? q.data.notice : undefined
	let notice: Notice | undefined
	if (q.success && kind === 'test') notice = { kind, status: q.data.status ?? null, ms: q.data.ms ?? 0, error: q.data.error ?? null }
	else if (kind && kind !== 'test') notice = { kind }
	return renderSettings(c, id, { notice })
})

/** Save through the business service; errors re-render the page with the section's draft. */
async function saveSection(
	c: C,
	id: string,
	section: SettingsSection,
	built: { draft: unknown; patch?: Record<string, unknown>; errors?: { path?: string; message: string }[] },
) {
	const draft = { [section]: built.draft } as SettingsProps['draft']
	if (built.errors) return renderSettings(c, id, { errors: { section, list: built.errors }, draft }, 422)
	const result = await updateFromPage(c.env, config(c), id, built.patch)
	if (!result.ok) {
		if (result.status === 404) throw notFound('No such business.')
		// 400 (schema) or 422 (URL refused); to a form both are "fix these fields".
		return renderSettings(c, id, { errors: { section, list: result.errors }, draft }, 422)
	}
	const removed = built.patch && Object.values(built.patch).some((v) => v === null)
	return c.redirect(`${settingsUrl(id)}?notice=${removed ? 'removed' : 'saved'}#${section === 'applePay' ? 'apple-pay' : section}`, 303)
}

hosted.post('/hosted/businesses/:id/webhooks', (c) => saveSection(c, managedId(c), 'webhooks', webhooksForm(c.var.form)))

hosted.post('/hosted/businesses/:id/authentication', async (c) => {
	const id = managedId(c)
	const current = (await businessStub(c.env, id).get())?.settings.authentication
	const built = await authenticationForm(c.var.form, current, () => openSecret(config(c).DATA_ENCRYPTION_KEY, current!.clientSecretSealed, clientSecretAad(id)))
	return saveSection(c, id, 'authentication', built)
})

hosted.post('/hosted/businesses/:id/apple-pay', (c) => saveSection(c, managedId(c), 'applePay', applePayForm(c.var.form)))

hosted.post('/hosted/businesses/:id/test-delivery', async (c) => {
	const id = managedId(c)
	const business = await businessStub(c.env, id).get()
	if (!business) throw notFound('No such business.')
	// Only saved URLs (already checked on save): the button is not a way to probe arbitrary hosts.
	const target = str(c.var.form, 'target')
	const url = target === 'default' ? business.settings.webhookUrl : business.settings.routes[Number(target)]?.webhookUrl
	if (!url || !/^(default|\d{1,2})$/.test(target)) throw new AppError(400, 'bad_request', 'Unknown delivery target.')
	const r = await testDelivery(config(c), business, url)
	const params = new URLSearchParams({ notice: 'test', ms: String(r.latencyMs) })
	if (r.status !== null) params.set('status', String(r.status))
	if (r.error) params.set('error', r.error)
	return c.redirect(`${settingsUrl(id)}?${params}#webhooks`, 303)
})

hosted.post('/hosted/businesses/:id/deliveries/:deliveryId/replay', async (c) => {
	const id = managedId(c)
	const deliveryId = c.req.param('deliveryId')
	if (!/^[A-Za-z0-9_-]{1,128}$/.test(deliveryId)) throw notFound('No such delivery.')
	const replay = await replayDeadLetter(c.env, id, deliveryId)
	if (replay === 'unknown') throw notFound('No such delivery.')
	if (replay === 'gone') throw new AppError(422, 'unprocessable', 'This delivery cannot be replayed: its event is no longer stored.')
	return c.redirect(`${settingsUrl(id)}?notice=replayed#failed-deliveries`, 303)
})

// --- Landing page (account linking): routes/hosted-landing.tsx --------------------------

hosted.route('/', landing)

// --- Customer authentication (AUTH2 redirect URI) --------------------------------------

hosted.get('/hosted/auth/callback', async (c) => {
	const q = CallbackQuerySchema.safeParse(c.req.query())
	const result = q.success ? await handleAuthCallback(c.env, config(c), q.data) : ({ status: 400, outcome: 'failed', reason: 'invalid_request' } as const)
	return c.html(<AuthResultPage result={result} />, result.status)
})

// --- Apple Pay callbacks --------------------------------------------------------------

const PayEndpointSchema = z.enum(PAY_ENDPOINTS)

hosted.post('/hosted/pay/:token/:endpoint', async (c) => {
	const endpoint = PayEndpointSchema.safeParse(c.req.param('endpoint'))
	if (!endpoint.success) throw notFound('no such endpoint')
	const body = await readJson(c, z.unknown(), PAY_BODY_LIMIT_BYTES)
	const answer = await handlePayCallback(c.env, config(c), c.req.param('token'), endpoint.data, body)
	return c.json(answer.json, answer.status as 200)
})
