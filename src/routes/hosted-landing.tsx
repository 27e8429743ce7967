/**
 * Account linking (docs/apple-protocol.md §6.2), mounted in the hosted sub-app:
 *
 * - `GET /landing?id=<account id>&name=<name>&logo=<https URL>` and Apple's sample path
 *   `/landingPage`: a link without a usable id gets a page saying so (before any sign-in), with
 *   a form for the id; signed out, the sign-in page names the account; signed in, the account
 *   is named with what linking does and one confirmation, or, when it is linked already, the
 *   outcome (this business: done; another business: refused).
 * - `POST /landing/link`, `POST /landing/create` (operator only): behind the session and CSRF
 *   checks of routes/hosted.tsx; linking is idempotent (src/hosted/links.ts).
 */
import { Hono } from 'hono'
import { businessStub } from '../business/directory'
import { BusinessIdSchema } from '../business/schema'
import { getConfig } from '../context'
import { AppError, forbidden } from '../lib/errors'
import { createFromPage } from '../hosted/admin-client'
import { type LandingAccount, landingAccount, LogoUrlSchema, parseLanding } from '../hosted/landing-query'
import { linkAccount } from '../hosted/links'
import { LandingPage } from '../hosted/pages/landing'
import { LandingProblemPage, LinkedPage, LinkRefusedPage } from '../hosted/pages/landing-outcomes'
import { csrfToken, principalOf, readSession, type Session } from '../hosted/session'
import { str, type Form } from '../hosted/settings'
import type { HostedContext as C, HostedEnv } from './hosted-context'
import { z } from 'zod'

export const landing = new Hono<HostedEnv>()

const config = (c: C) => getConfig(c.env)

type Extra = { errors?: { path?: string; message: string }[]; draft?: { name?: string; webhookUrl?: string; businessId?: string } }

/** The page for this account as things stand: linked (here or elsewhere) or the confirmation. */
async function renderLanding(c: C, session: Session, account: LandingAccount, extra: Extra = {}, status: 200 | 422 = 200) {
	const [alias, existing] = await Promise.all([businessStub(c.env, account.id).accountAlias(), businessStub(c.env, account.id).get()])
	const principal = principalOf(session)
	const csrf = await csrfToken(config(c), session)
	if (alias) {
		const mine = principal.kind === 'admin' || principal.businessId === alias.businessId
		if (!mine) return c.html(<LinkRefusedPage principal={principal} csrf={csrf} account={account} linkedTo={alias.businessId} />, 409)
		return c.html(<LinkedPage principal={principal} csrf={csrf} account={account} businessId={alias.businessId} status="already" />)
	}
	return c.html(
		<LandingPage principal={principal} csrf={csrf} account={account} businessExists={existing !== null} errors={extra.errors} draft={extra.draft} />,
		status,
	)
}

const show = async (c: C) => {
	const parsed = parseLanding(c.req.query())
	const session = await readSession(c, config(c))
	if (!parsed.ok) {
		const name = z.string().trim().min(1).max(200).safeParse(c.req.query('name'))
		return c.html(
			<LandingProblemPage
				problem={parsed.problem}
				principal={session ? principalOf(session) : null}
				csrf={session ? await csrfToken(config(c), session) : undefined}
				name={name.success ? name.data : undefined}
			/>,
			400,
		)
	}
	if (!session) {
		const url = new URL(c.req.url)
		return c.redirect(`/hosted/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303)
	}
	return renderLanding(c, session, parsed.account)
}
landing.get('/landing', show)
landing.get('/landingPage', show)

const LandingForm = z.object({
	accountId: BusinessIdSchema,
	name: z.string().trim().max(200).optional(),
	logo: LogoUrlSchema.optional().catch(undefined),
})

function landingForm(form: Form) {
	const parsed = LandingForm.safeParse({
		accountId: str(form, 'accountId'),
		name: str(form, 'name') || undefined,
		logo: str(form, 'logo') || undefined,
	})
	if (!parsed.success) throw new AppError(400, 'bad_request', 'The form does not carry a valid account id.')
	return parsed.data
}

const linkedBy = (s: Session) => (s.sub === 'admin' ? 'operator' : `business:${s.bid}`)

landing.post('/landing/link', async (c) => {
	const session = c.var.session
	const form = c.var.form
	const account = landingForm(form)
	const target = BusinessIdSchema.safeParse(str(form, 'businessId'))
	const shown = landingAccount({ id: account.accountId, name: account.name, logo: account.logo })
	if (!target.success) return renderLanding(c, session, shown, { errors: [{ path: 'businessId', message: 'not a valid business id' }] }, 422)
	if (session.sub !== 'admin' && session.bid !== target.data) throw forbidden('You can link accounts only to your own business.')
	const result = await linkAccount(c.env, {
		accountId: account.accountId,
		name: account.name ?? null,
		logoUrl: account.logo ?? null,
		businessId: target.data,
		linkedBy: linkedBy(session),
	})
	const principal = principalOf(session)
	const csrf = await csrfToken(config(c), session)
	if (result.status === 'no_business') {
		return renderLanding(c, session, shown, { errors: [{ path: 'businessId', message: 'no business with this id' }], draft: { businessId: target.data } }, 422)
	}
	if (result.status === 'conflict') return c.html(<LinkRefusedPage principal={principal} csrf={csrf} account={shown} linkedTo={result.businessId} />, 409)
	return c.html(<LinkedPage principal={principal} csrf={csrf} account={shown} businessId={result.businessId} status={result.status} />)
})

landing.post('/landing/create', async (c) => {
	const session = c.var.session
	if (session.sub !== 'admin') throw forbidden('Only the operator can create businesses.')
	const form = c.var.form
	const account = landingForm(form)
	const shown = landingAccount({ id: account.accountId, name: account.name, logo: account.logo })
	const draft = { name: str(form, 'name'), webhookUrl: str(form, 'webhookUrl') }
	const principal = principalOf(session)
	const csrf = await csrfToken(config(c), session)
	// Linked elsewhere already: refuse before creating anything (no business left half-linked).
	const alias = await businessStub(c.env, account.accountId).accountAlias()
	if (alias && alias.businessId !== account.accountId)
		return c.html(<LinkRefusedPage principal={principal} csrf={csrf} account={shown} linkedTo={alias.businessId} />, 409)
	const created = await createFromPage(c.env, config(c), { businessId: account.accountId, name: draft.name, webhookUrl: draft.webhookUrl })
	if (!created.ok && created.status !== 409) return renderLanding(c, session, shown, { errors: created.errors, draft }, 422)
	// 409: the business exists (a double submit, or created before): linking is idempotent.
	const secrets = created.ok ? created.body : null
	const result = await linkAccount(c.env, {
		accountId: account.accountId,
		name: account.name ?? null,
		logoUrl: account.logo ?? null,
		businessId: account.accountId,
		linkedBy: linkedBy(session),
	})
	if (result.status === 'conflict') return c.html(<LinkRefusedPage principal={principal} csrf={csrf} account={shown} linkedTo={result.businessId} />, 409)
	if (result.status === 'no_business') throw new AppError(500, 'internal', 'business vanished while linking')
	return c.html(
		<LinkedPage
			principal={principal}
			csrf={csrf}
			account={shown}
			businessId={account.accountId}
			status={result.status}
			created={secrets ? { apiKey: secrets.apiKey, webhookSecret: secrets.webhookSecret } : undefined}
		/>,
	)
})
