/**
 * Channel settings of one business (docs/product.md "Hosted pages"; a required MSP feature,
 * docs/apple-protocol.md §6.2–6.3): webhook URLs and routing rules on intent/group,
 * authentication and Apple Pay settings, a test delivery (status code and latency only,
 * docs/webhooks.md "Security"), recent failed deliveries with replay, linked accounts.
 * Secrets are never rendered: the IdP client secret shows only whether it is set.
 */
import type { FC } from 'hono/jsx'
import type { DeadLetter } from '../../business/business-do'
import type { BusinessRecord } from '../../business/schema'
import { AUTH_CALLBACK_PATH } from '../oauth'
import type { Principal } from '../session'
import type { AccountLink } from '../store'
import { CsrfField, Errors, Layout } from './layout'

export const KNOWN_NETWORKS = ['amex', 'visa', 'masterCard', 'discover', 'chinaUnionPay', 'interac', 'jcb', 'maestro', 'privateLabel'] as const
export const KNOWN_CAPABILITIES = ['supports3DS', 'supportsCredit', 'supportsDebit', 'supportsEMV'] as const
/** Blank route rows offered for new rules. */
const BLANK_ROUTES = 2

export type SettingsSection = 'webhooks' | 'authentication' | 'applePay'

export type Notice = { kind: 'saved' | 'removed' | 'replayed' } | { kind: 'test'; status: number | null; ms: number; error: string | null }

export interface WebhooksDraft {
	webhookUrl: string
	routes: { intent: string; group: string; webhookUrl: string }[]
}
export interface AuthDraft {
	authorizationUrl: string
	tokenUrl: string
	clientId: string
	scopes: string
	userIdUrl: string
}
export interface ApplePayDraft {
	merchantIdentifier: string
	displayName: string
	domainName: string
	countryCode: string
	currencyCode: string
	supportedNetworks: string[]
	merchantCapabilities: string[]
}

export interface SettingsProps {
	principal: Principal
	csrf: string
	origin: string
	business: BusinessRecord
	deadLetters: DeadLetter[]
	links: AccountLink[]
	notice?: Notice | undefined
	errors?: { section: SettingsSection; list: { path?: string; message: string }[] } | undefined
	draft?: { webhooks?: WebhooksDraft; authentication?: AuthDraft; applePay?: ApplePayDraft } | undefined
}

const base = (businessId: string) => `/hosted/businesses/${encodeURIComponent(businessId)}`

const NoticeBox: FC<{ notice?: Notice | undefined }> = ({ notice }) => {
	if (!notice) return null
	if (notice.kind !== 'test') {
		const text = { saved: 'Settings saved.', removed: 'Settings removed.', replayed: 'Delivery queued for replay.' }[notice.kind]
		return (
			<p class="notice" id="notice" role="status">
				{text}
			</p>
		)
	}
	return (
		<p class="notice" id="notice" role="status">
			Test delivery:{' '}
			<span id="test-result">
				{notice.status === null ? `no response (${notice.error ?? 'error'})` : `HTTP ${notice.status}`} in {notice.ms} ms
			</span>
		</p>
	)
}

export const SettingsPage: FC<SettingsProps> = (p) => {
	const s = p.business.settings
	const id = s.businessId
	const err = (section: SettingsSection) => (p.errors?.section === section ? p.errors.list : undefined)
	const webhooks: WebhooksDraft = p.draft?.webhooks ?? {
		webhookUrl: s.webhookUrl,
		routes: s.routes.map((r) => ({ intent: r.intent ?? '', group: r.group ?? '', webhookUrl: r.webhookUrl })),
	}
	const rows = [...webhooks.routes, ...Array.from({ length: BLANK_ROUTES }, () => ({ intent: '', group: '', webhookUrl: '' }))]
	const auth: AuthDraft = p.draft?.authentication ?? {
		authorizationUrl: s.authentication?.authorizationUrl ?? '',
		tokenUrl: s.authentication?.tokenUrl ?? '',
		clientId: s.authentication?.clientId ?? '',
		scopes: (s.authentication?.scopes ?? []).join(' '),
		userIdUrl: s.authentication?.userIdUrl ?? '',
	}
	const pay: ApplePayDraft = p.draft?.applePay ?? {
		merchantIdentifier: s.applePay?.merchantIdentifier ?? '',
		displayName: s.applePay?.displayName ?? '',
		domainName: s.applePay?.domainName ?? '',
		countryCode: s.applePay?.countryCode ?? '',
		currencyCode: s.applePay?.currencyCode ?? '',
		supportedNetworks: s.applePay?.supportedNetworks ?? [],
		merchantCapabilities: s.applePay?.merchantCapabilities ?? [],
	}
	const otherNetworks = pay.supportedNetworks.filter((n) => !(KNOWN_NETWORKS as readonly string[]).includes(n))
	return (
		<Layout title={`Channel settings — ${s.name}`} principal={p.principal} csrf={p.csrf}>
			<h1>
				Channel settings — <span id="business-name">{s.name}</span>
			</h1>
			<p class="muted">
				Business id <code>{id}</code>
			</p>
			<NoticeBox notice={p.notice} />

			<section id="webhooks">
				<h2>Webhooks and routing</h2>
				<Errors errors={err('webhooks')} />
				<form method="post" action={`${base(id)}/webhooks`}>
					<CsrfField token={p.csrf} />
					<label for="webhookUrl">Default webhook URL</label>
					<input type="url" id="webhookUrl" name="webhookUrl" value={webhooks.webhookUrl} required />
					{p.business.disabledEndpoints.length > 0 ? (
						<p class="errors">Disabled after 410 Gone: {p.business.disabledEndpoints.join(', ')} (saving a new URL enables it).</p>
					) : null}
					<h3>Routing rules</h3>
					<p class="muted">The first rule whose intent and/or group equal the conversation's wins; otherwise the default URL.</p>
					<table>
						<thead>
							<tr>
								<th>Intent</th>
								<th>Group</th>
								<th>Webhook URL</th>
							</tr>
						</thead>
						<tbody>
							{rows.map((r, i) => (
								<tr>
									<td>
										<input type="text" name="routeIntent" aria-label={`Route ${i + 1} intent`} value={r.intent} maxlength={512} />
									</td>
									<td>
										<input type="text" name="routeGroup" aria-label={`Route ${i + 1} group`} value={r.group} maxlength={512} />
									</td>
									<td>
										<input type="url" name="routeUrl" aria-label={`Route ${i + 1} webhook URL`} value={r.webhookUrl} />
									</td>
								</tr>
							))}
						</tbody>
					</table>
					<button type="submit" id="save-webhooks">
						Save webhooks
					</button>
				</form>
				<form method="post" action={`${base(id)}/test-delivery`}>
					<CsrfField token={p.csrf} />
					<label for="test-target">Send a signed test event to</label>
					<select id="test-target" name="target">
						<option value="default">Default — {s.webhookUrl}</option>
						{s.routes.map((r, i) => (
							<option value={String(i)}>
								Rule {i + 1} — {r.webhookUrl}
							</option>
						))}
					</select>
					<button type="submit" id="test-delivery" class="secondary">
						Test delivery
					</button>
				</form>
			</section>

			<section id="authentication">
				<h2>Customer authentication (OAuth 2.0)</h2>
				<p class="muted">
					Register this redirect URI at your identity provider: <code id="redirect-uri">{`${p.origin}${AUTH_CALLBACK_PATH}`}</code>
				</p>
				<Errors errors={err('authentication')} />
				<form method="post" action={`${base(id)}/authentication`}>
					<CsrfField token={p.csrf} />
					<label for="authorizationUrl">Authorization URL</label>
					<input type="url" id="authorizationUrl" name="authorizationUrl" value={auth.authorizationUrl} />
					<label for="tokenUrl">Token URL</label>
					<input type="url" id="tokenUrl" name="tokenUrl" value={auth.tokenUrl} />
					<label for="clientId">Client id</label>
					<input type="text" id="clientId" name="clientId" value={auth.clientId} />
					<label for="clientSecret">Client secret</label>
					<input
						type="password"
						id="clientSecret"
						name="clientSecret"
						autocomplete="off"
						placeholder={s.authentication ? 'set — leave blank to keep' : 'required'}
					/>
					<label for="scopes">Scopes (space-separated)</label>
					<input type="text" id="scopes" name="scopes" value={auth.scopes} />
					<label for="userIdUrl">User-id endpoint (optional)</label>
					<input type="url" id="userIdUrl" name="userIdUrl" value={auth.userIdUrl} />
					<button type="submit" name="action" value="save" id="save-authentication">
						Save authentication
					</button>{' '}
					{s.authentication ? (
						<button type="submit" name="action" value="remove" class="danger" id="remove-authentication">
							Remove
						</button>
					) : null}
				</form>
			</section>

			<section id="apple-pay">
				<h2>Apple Pay</h2>
				<p class="muted">The merchant identity certificate is a Workers mTLS binding of the deployment, not a setting.</p>
				<Errors errors={err('applePay')} />
				<form method="post" action={`${base(id)}/apple-pay`}>
					<CsrfField token={p.csrf} />
					<label for="merchantIdentifier">Merchant identifier</label>
					<input type="text" id="merchantIdentifier" name="merchantIdentifier" value={pay.merchantIdentifier} />
					<label for="displayName">Display name (at most 64 bytes)</label>
					<input type="text" id="displayName" name="displayName" value={pay.displayName} />
					<label for="domainName">Domain name (no scheme)</label>
					<input type="text" id="domainName" name="domainName" value={pay.domainName} />
					<label for="countryCode">Country code</label>
					<input type="text" id="countryCode" name="countryCode" value={pay.countryCode} maxlength={2} />
					<label for="currencyCode">Currency code</label>
					<input type="text" id="currencyCode" name="currencyCode" value={pay.currencyCode} maxlength={3} />
					<fieldset>
						<legend>Supported networks</legend>
						{KNOWN_NETWORKS.map((n) => (
							<label class="inline">
								<input type="checkbox" name="supportedNetworks" value={n} checked={pay.supportedNetworks.includes(n)} /> {n}{' '}
							</label>
						))}
						<label for="otherNetworks">Other networks (space-separated)</label>
						<input type="text" id="otherNetworks" name="otherNetworks" value={otherNetworks.join(' ')} />
					</fieldset>
					<fieldset>
						<legend>Merchant capabilities</legend>
						{KNOWN_CAPABILITIES.map((n) => (
							<label class="inline">
								<input type="checkbox" name="merchantCapabilities" value={n} checked={pay.merchantCapabilities.includes(n)} /> {n}{' '}
							</label>
						))}
					</fieldset>
					<button type="submit" name="action" value="save" id="save-apple-pay">
						Save Apple Pay
					</button>{' '}
					{s.applePay ? (
						<button type="submit" name="action" value="remove" class="danger" id="remove-apple-pay">
							Remove
						</button>
					) : null}
				</form>
			</section>

			<section id="failed-deliveries">
				<h2>Recent failed deliveries</h2>
				{p.deadLetters.length === 0 ? (
					<p class="muted" id="no-failures">
						No failed deliveries.
					</p>
				) : (
					<table>
						<thead>
							<tr>
								<th>Failed at</th>
								<th>Event</th>
								<th>Endpoint</th>
								<th>Attempts</th>
								<th>Last result</th>
								<th></th>
							</tr>
						</thead>
						<tbody>
							{p.deadLetters.map((d) => (
								<tr data-delivery={d.id}>
									<td>{d.failedAt}</td>
									<td>{d.eventType}</td>
									<td>{d.webhookUrl}</td>
									<td>{d.attempts}</td>
									<td>{d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '')}</td>
									<td>
										<form method="post" action={`${base(id)}/deliveries/${encodeURIComponent(d.id)}/replay`}>
											<CsrfField token={p.csrf} />
											<button type="submit" class="secondary">
												Replay
											</button>
										</form>
									</td>
								</tr>
							))}
						</tbody>
					</table>
				)}
			</section>

			<section id="linked-accounts">
				<h2>Linked Messages for Business accounts</h2>
				{p.links.length === 0 ? (
					<p class="muted">None linked through the landing page.</p>
				) : (
					<ul>
						{p.links.map((l) => (
							<li>
								<code>{l.accountId}</code> {l.name ? `— ${l.name}` : ''} <span class="muted">linked {l.linkedAt}</span>
							</li>
						))}
					</ul>
				)}
			</section>
		</Layout>
	)
}

export const DashboardPage: FC<{ principal: Principal; csrf: string }> = ({ principal, csrf }) => (
	<Layout title="Businesses" principal={principal} csrf={csrf}>
		<section>
			<h1>Channel settings</h1>
			<form method="get" action="/hosted/businesses">
				<label for="open-business">Business id</label>
				<input type="text" id="open-business" name="businessId" required />
				<button type="submit" id="open-settings">
					Open
				</button>
			</form>
		</section>
	</Layout>
)
