/**
 * The account-linking landing page (spec apple-msp-core.md §6.2): Apple Business Register
 * sends a business admin here with the new Messages for Business account's id (and name,
 * logo); they link it to an existing amb-edge business or, as the operator, create one.
 */
import type { FC } from 'hono/jsx'
import type { AccountAlias } from '../store'
import type { Principal } from '../session'
import { CsrfField, Errors, Layout } from './layout'

export interface LandingAccount {
	id: string
	name: string | null
	logo: string | null
}

export interface LandingProps {
	principal: Principal
	csrf: string
	account: LandingAccount
	alias: AccountAlias | null
	/** A business whose id is the account id already exists. */
	businessExists: boolean
	errors?: { path?: string; message: string }[] | undefined
	draft?: { name?: string | undefined; webhookUrl?: string | undefined; businessId?: string | undefined } | undefined
}

const AccountFields: FC<{ account: LandingAccount }> = ({ account }) => (
	<>
		<input type="hidden" name="accountId" value={account.id} />
		{account.logo ? <input type="hidden" name="logo" value={account.logo} /> : null}
	</>
)

export const LandingPage: FC<LandingProps> = (p) => {
	const { account, principal } = p
	const visibleAlias = p.alias && (principal.kind === 'admin' || principal.businessId === p.alias.businessId) ? p.alias : null
	return (
		<Layout title="Link your Messages for Business account" principal={principal} csrf={p.csrf}>
			<section>
				<h1>Link your Messages for Business account</h1>
				{account.logo ? <img class="logo" src={account.logo} alt="" referrerpolicy="no-referrer" /> : null}
				<p>
					Account <code id="account-id">{account.id}</code>
					{account.name ? (
						<>
							{' '}
							— <strong id="account-name">{account.name}</strong>
						</>
					) : null}
				</p>
				{visibleAlias ? (
					<p class="notice" id="link-status">
						Linked to business <code>{visibleAlias.businessId}</code> since {visibleAlias.linkedAt}.{' '}
						<a href={`/hosted/businesses/${encodeURIComponent(visibleAlias.businessId)}/settings`}>Channel settings</a>
					</p>
				) : p.alias ? (
					<p class="errors" id="link-status">
						This account is already linked to another business. Ask your operator to change it.
					</p>
				) : null}
				<Errors errors={p.errors} />
			</section>

			{p.alias ? null : principal.kind === 'business' ? (
				<section>
					<h2>Link to your business</h2>
					<form method="post" action="/landing/link">
						<CsrfField token={p.csrf} />
						<AccountFields account={account} />
						<input type="hidden" name="name" value={account.name ?? ''} />
						<input type="hidden" name="businessId" value={principal.businessId} />
						<p>
							Messages sent to this account will be delivered to <code>{principal.businessId}</code>.
						</p>
						<button type="submit" id="link-own">
							Link to {principal.businessId}
						</button>
					</form>
				</section>
			) : (
				<>
					{p.businessExists ? null : (
						<section>
							<h2>Create a new business for this account</h2>
							<form method="post" action="/landing/create">
								<CsrfField token={p.csrf} />
								<AccountFields account={account} />
								<label for="create-name">Business name</label>
								<input type="text" id="create-name" name="name" value={p.draft?.name ?? account.name ?? ''} required maxlength={200} />
								<label for="create-webhook">Webhook URL</label>
								<input type="url" id="create-webhook" name="webhookUrl" value={p.draft?.webhookUrl ?? ''} placeholder="https://…" required />
								<button type="submit" id="create-business">
									Create business
								</button>
							</form>
						</section>
					)}
					<section>
						<h2>Link to an existing business</h2>
						<form method="post" action="/landing/link">
							<CsrfField token={p.csrf} />
							<AccountFields account={account} />
							<input type="hidden" name="name" value={account.name ?? ''} />
							<label for="link-business">Business id</label>
							<input type="text" id="link-business" name="businessId" value={p.draft?.businessId ?? (p.businessExists ? account.id : '')} required />
							<button type="submit" id="link-existing">
								Link account
							</button>
						</form>
					</section>
				</>
			)}
		</Layout>
	)
}

export const LinkedPage: FC<{
	principal: Principal
	csrf: string
	accountId: string
	businessId: string
	status: 'linked' | 'already'
	created?: { apiKey: string; webhookSecret: string } | undefined
}> = (p) => (
	<Layout title="Account linked" principal={p.principal} csrf={p.csrf}>
		<section>
			<h1>{p.status === 'linked' ? 'Account linked' : 'Account already linked'}</h1>
			<p class="notice" id="link-result">
				Messages for Business account <code>{p.accountId}</code> is linked to business <code>{p.businessId}</code>.
			</p>
			{p.created ? (
				<>
					<p>
						<strong>Copy these now; they are shown only once.</strong>
					</p>
					<p>
						API key: <span class="secret" id="api-key">{p.created.apiKey}</span>
					</p>
					<p>
						Webhook secret: <span class="secret" id="webhook-secret">{p.created.webhookSecret}</span>
					</p>
				</>
			) : null}
			<p>
				<a id="settings-link" href={`/hosted/businesses/${encodeURIComponent(p.businessId)}/settings`}>
					Open channel settings
				</a>
			</p>
		</section>
	</Layout>
)
