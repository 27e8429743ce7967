/** Sign-in for the hosted pages: the operator's admin token or a business API key (session.ts). */
import type { FC } from 'hono/jsx'
import { CsrfField, Errors, Layout } from './layout'

export const LoginPage: FC<{ csrf: string; next: string; error?: string }> = ({ csrf, next, error }) => (
	<Layout title="Sign in">
		<section>
			<h1>Sign in</h1>
			<p class="muted">
				Operators sign in with the admin token; a business signs in with its API key and sees only its own channel.
			</p>
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
