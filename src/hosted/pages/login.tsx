/** Sign-in for the hosted pages: the operator's admin token or a business API key (session.ts). */
import type { FC } from 'hono/jsx'
import type { LandingAccount } from '../landing-query'
import { AccountName } from './landing'
import { CsrfField, Errors, Layout } from './layout'

/** Signing in on the way to the landing page: which account, and what comes next. */
const Linking: FC<{ account: LandingAccount }> = ({ account }) => (
	<section id="linking">
		<h1>Link a Messages for Business account</h1>
		{account.logo ? <img class="logo" src={account.logo} alt="" referrerpolicy="no-referrer" /> : null}
		<p>
			Apple Business Register sent you here to connect <AccountName account={account} /> to amb-edge.
		</p>
		<p>
			Sign in with your business's API key (or, as the operator, the admin token). You then confirm once, and messages customers send to this account arrive at
			your business.
		</p>
	</section>
)

export const LoginPage: FC<{ csrf: string; next: string; error?: string; linking?: LandingAccount | null }> = ({ csrf, next, error, linking }) => (
	<Layout title={linking ? 'Sign in to link your account' : 'Sign in'}>
		{linking ? <Linking account={linking} /> : null}
		<section>
			{linking ? <h2>Sign in</h2> : <h1>Sign in</h1>}
			<p class="muted">Operators sign in with the admin token; a business signs in with its API key and sees only its own channel.</p>
			<Errors errors={error ? [{ message: error }] : undefined} />
			<form method="post" action="/hosted/login">
				<CsrfField token={csrf} />
				<input type="hidden" name="next" value={next} />
				<label for="credential">Admin token or API key</label>
				<input type="password" id="credential" name="credential" autocomplete="current-password" required />
				<button type="submit" id="sign-in">
					Sign in
				</button>
			</form>
		</section>
	</Layout>
)
