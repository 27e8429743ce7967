/**
 * `GET /`: where a newcomer lands after `npm run dev` (README "Try it locally"): what this
 * server is and where to go next. In development it also links the simulator, which plays
 * Apple's gateway at APPLE_GATEWAY_URL.
 */
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { getConfig, type AppBindings } from '../context'
import { Layout } from '../hosted/pages/layout'

export const home = new Hono<AppBindings>()

home.get('/', secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], frameAncestors: ["'none'"] } }), (c) => {
	const config = getConfig(c.env)
	const simulator = config.ENVIRONMENT === 'development' ? new URL(config.APPLE_GATEWAY_URL).origin : null
	return c.html(
		<Layout title="amb-edge">
			<section>
				<h1>amb-edge</h1>
				<p>
					A Messaging Service Provider for Apple Messages for Business. Apple's gateway writes to <code>POST /message</code>; businesses use the API below.
				</p>
				<ul>
					<li>
						<a href="/docs">API reference</a> (<a href="/openapi.json">OpenAPI document</a>)
					</li>
					<li>
						<a href="/hosted">Business settings</a>: sign in with a business API key or the admin token
					</li>
					{simulator ? (
						<li>
							<a href={`${simulator}/device`}>Simulator</a>: the customer's iPhone and Apple's gateway (development only)
						</li>
					) : null}
				</ul>
			</section>
		</Layout>,
	)
})
