/**
 * What the customer's browser shows after the IdP redirects to us (AUTH2,
 * docs/apple-interactive.md §5.6): a plain confirmation; Messages carries on from there.
 * Reasons are our stable codes, never text from the IdP.
 */
import type { FC } from 'hono/jsx'
import type { CallbackResult } from '../oauth'
import { Layout } from './layout'

const REASONS: Record<string, string> = {
	invalid_request: 'The sign-in link is incomplete.',
	state_mismatch: 'This sign-in link is not valid.',
	replayed: 'This sign-in link was already used.',
	expired: 'This sign-in request has expired. Ask for a new one in Messages.',
	idp_error: 'The sign-in was cancelled or refused.',
	token_exchange_failed: 'The sign-in could not be completed.',
	user_id_lookup_failed: 'Your account could not be confirmed.',
	not_configured: 'Sign-in is not available right now.',
}

export const AuthResultPage: FC<{ result: CallbackResult }> = ({ result }) => (
	<Layout title={result.outcome === 'authenticated' ? 'Signed in' : 'Sign-in failed'}>
		<section>
			{result.outcome === 'authenticated' ? (
				<>
					<h1>You're signed in</h1>
					<p id="auth-result" data-outcome="authenticated">
						You can return to Messages.
					</p>
				</>
			) : (
				<>
					<h1>Sign-in failed</h1>
					<p id="auth-result" data-outcome="failed" data-reason={result.reason ?? ''}>
						{REASONS[result.reason ?? ''] ?? 'The sign-in could not be completed.'} You can return to Messages.
					</p>
				</>
			)}
		</section>
	</Layout>
)
