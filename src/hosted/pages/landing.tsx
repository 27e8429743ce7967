/**
 * The account-linking landing page (docs/apple-protocol.md §6.2): Apple Business Register
 * sends a business admin here with the new Messages for Business account's id (and name,
 * logo). Signed in, they see which account this is and what linking does, and confirm once:
 * a business links it to itself; the operator links it to any business or creates one for it.
 * What comes after (linked, already linked, refused, no account id) is landing-outcomes.tsx.
 */
import type { FC } from 'hono/jsx'
import type { LandingAccount } from '../landing-query'
import type { Principal } from '../session'
import { CsrfField, Errors, Layout } from './layout'

export type { LandingAccount } from '../landing-query'

export interface LandingProps {
	principal: Principal
	csrf: string
	account: LandingAccount
	/** A business whose id is the account id already exists. */
	businessExists: boolean
	errors?: { path?: string; message: string }[] | undefined
	draft?: { name?: string | undefined; webhookUrl?: string | undefined; businessId?: string | undefined } | undefined
}

const AccountFields: FC<{ account: LandingAccount }> = ({ account }) => (
	<>
		<input type="hidden" name="accountId" value={account.id} />
		<input type="hidden" name="name" value={account.name ?? ''} />
		{account.logo ? <input type="hidden" name="logo" value={account.logo} /> : null}
	</>
)

/** "Acme Coffee (id 1234…)" or just the id: every page says which account it is about. */
export const AccountName: FC<{ account: Pick<LandingAccount, 'id' | 'name'> }> = ({ account }) =>
	account.name ? (
		<>
			<strong id="account-name">{account.name}</strong> (account <code id="account-id">{account.id}</code>)
		</>
	) : (
		<>
			account <code id="account-id">{account.id}</code>
		</>
	)

const WhatLinkingDoes: FC<{ target: string | null }> = ({ target }) => (
	<ul id="what-happens">
		<li>
			Messages customers send to this account in Apple Messages are delivered to {target ? <code>{target}</code> : 'the business you choose'} (its webhook).
		</li>
		<li>Replies from that business go out from this account.</li>
		<li>An account belongs to one business; you see the link on the business's channel settings page.</li>
	</ul>
)

export const LandingPage: FC<LandingProps> = (p) => {
	const { account, principal } = p
	return (
		<Layout title="Link your Messages for Business account" principal={principal} csrf={p.csrf}>
			<section>
				<h1>Link your Messages for Business account</h1>
				{account.logo ? <img class="logo" src={account.logo} alt="" referrerpolicy="no-referrer" /> : null}
				<p id="account">
					Apple Business Register sent you here to connect <AccountName account={account} /> to amb-edge.
				</p>
				<WhatLinkingDoes target={principal.kind === 'business' ? principal.businessId : null} />
				<Errors errors={p.errors} />
			</section>

			{principal.kind === 'business' ? (
				<section>
					<h2>Link to your business</h2>
					<form method="post" action="/landing/link">
						<CsrfField token={p.csrf} />
						<AccountFields account={account} />
						<input type="hidden" name="businessId" value={principal.businessId} />
						<button type="submit" id="link-own">
							Link {account.name ?? account.id} to {principal.businessId}
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
								<input type="hidden" name="accountId" value={account.id} />
								{account.logo ? <input type="hidden" name="logo" value={account.logo} /> : null}
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
