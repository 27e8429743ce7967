/**
 * Where account linking ends: linked (or already linked) with the way to the settings page,
 * refused because the account belongs to another business, or a link that names no account.
 * Every page says what happened and offers a way on.
 */
import type { FC } from 'hono/jsx'
import type { LandingAccount, LandingProblem } from '../landing-query'
import type { Principal } from '../session'
import { AccountName } from './landing'
import { Layout } from './layout'

const settingsHref = (businessId: string) => `/hosted/businesses/${encodeURIComponent(businessId)}/settings`

export const LinkedPage: FC<{
	principal: Principal
	csrf: string
	account: Pick<LandingAccount, 'id' | 'name'>
	businessId: string
	status: 'linked' | 'already'
	created?: { apiKey: string; webhookSecret: string } | undefined
}> = (p) => (
	<Layout title={p.status === 'linked' ? 'Account linked' : 'Account already linked'} principal={p.principal} csrf={p.csrf}>
		<section>
			<h1>{p.status === 'linked' ? 'Account linked' : 'Account already linked'}</h1>
			<p class="notice" id="link-result">
				{p.status === 'linked' ? 'Done: ' : 'Nothing to do: '}Messages for Business <AccountName account={p.account} /> is linked to business{' '}
				<code id="linked-business">{p.businessId}</code>. Messages customers send to it arrive at that business's webhook.
			</p>
			{p.created ? (
				<>
					<p>
						<strong>Copy these now; they are shown only once.</strong>
					</p>
					<p>
						API key:{' '}
						<span class="secret" id="api-key">
							{p.created.apiKey}
						</span>
					</p>
					<p>
						Webhook secret:{' '}
						<span class="secret" id="webhook-secret">
							{p.created.webhookSecret}
						</span>
					</p>
				</>
			) : null}
			<p>
				<a id="settings-link" href={settingsHref(p.businessId)}>
					Open channel settings
				</a>{' '}
				(webhook URLs, routing, linked accounts)
			</p>
		</section>
	</Layout>
)

/** Linked to another business: refused. The operator sees which one; a business does not. */
export const LinkRefusedPage: FC<{ principal: Principal; csrf: string; account: Pick<LandingAccount, 'id' | 'name'>; linkedTo: string }> = (p) => (
	<Layout title="Account linked to another business" principal={p.principal} csrf={p.csrf}>
		<section>
			<h1>Account linked to another business</h1>
			<p class="errors" id="link-refused">
				Messages for Business <AccountName account={p.account} /> is already linked to{' '}
				{p.principal.kind === 'admin' ? (
					<>
						business <code>{p.linkedTo}</code>
					</>
				) : (
					'another business'
				)}
				, so it was not linked
				{p.principal.kind === 'business' ? (
					<>
						{' '}
						to <code>{p.principal.businessId}</code>
					</>
				) : null}
				. An account belongs to one business.
			</p>
			<p>If it should be yours, ask the amb-edge operator to move it, or check in Apple Business Register that you chose the right account.</p>
			<p>
				{p.principal.kind === 'business' ? (
					<a id="settings-link" href={settingsHref(p.principal.businessId)}>
						Back to your channel settings
					</a>
				) : (
					<a id="settings-link" href={settingsHref(p.linkedTo)}>
						Open the settings of {p.linkedTo}
					</a>
				)}
			</p>
		</section>
	</Layout>
)

/** No usable account id on the link: say so, and let the admin enter the id Apple shows them. */
export const LandingProblemPage: FC<{ problem: LandingProblem; principal: Principal | null; csrf?: string | undefined; name?: string | undefined }> = (p) => (
	<Layout title="No account to link" principal={p.principal} {...(p.csrf ? { csrf: p.csrf } : {})}>
		<section>
			<h1>No account to link</h1>
			<p class="errors" id="landing-problem">
				{p.problem.kind === 'missing' ? (
					'This link does not say which Messages for Business account to link: it has no id parameter.'
				) : (
					<>
						<code>{p.problem.given}</code> is not a Messages for Business account id (letters, digits and . _ : -, at most 128 characters).
					</>
				)}
			</p>
			<p>
				Apple Business Register adds the account id when it sends you here (<code>/landing?id=…&amp;name=…</code>). Open the link from Apple Business Register
				again, or enter the account id it shows:
			</p>
			<form method="get" action="/landing">
				<label for="landing-id">Messages for Business account id</label>
				<input type="text" id="landing-id" name="id" required maxlength={128} />
				{p.name ? <input type="hidden" name="name" value={p.name} /> : null}
				<button type="submit" id="landing-continue">
					Continue
				</button>
			</form>
			<p>
				<a id="home-link" href="/hosted">
					Go to channel settings instead
				</a>
			</p>
		</section>
	</Layout>
)
