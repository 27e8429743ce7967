/**
 * Settings-page forms → admin API PATCH bodies (admin-client.ts validates and stores).
 * Form values are checked by zod at the edge (text only, bounded); the admin schemas
 * then validate meaning (URLs, codes, routes). The IdP client secret is write-only: left
 * blank, the stored one is kept (re-sealed by the admin API).
 */
import { z } from 'zod'
import type { StoredAuthentication } from '../business/schema'
import type { ApplePayDraft, AuthDraft, WebhooksDraft } from './pages/settings'

/** What parseBody({ all: true }) gives, narrowed: no files, bounded text and lists. */
export const FormSchema = z.record(z.string().max(64), z.union([z.string().max(8192), z.array(z.string().max(8192)).max(100)]))
export type Form = z.infer<typeof FormSchema>

export const str = (form: Form, name: string): string => {
	const v = form[name]
	return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim()
}

export const strs = (form: Form, name: string): string[] => {
	const v = form[name]
	return (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim())
}

const words = (s: string) => s.split(/[\s,]+/).filter(Boolean)

export function webhooksForm(form: Form): { draft: WebhooksDraft; patch: Record<string, unknown> } {
	const intents = strs(form, 'routeIntent')
	const groups = strs(form, 'routeGroup')
	const urls = strs(form, 'routeUrl')
	const rows = Array.from({ length: Math.max(intents.length, groups.length, urls.length) }, (_, i) => ({
		intent: intents[i] ?? '',
		group: groups[i] ?? '',
		webhookUrl: urls[i] ?? '',
	})).filter((r) => r.intent || r.group || r.webhookUrl)
	const draft: WebhooksDraft = { webhookUrl: str(form, 'webhookUrl'), routes: rows }
	return {
		draft,
		patch: {
			webhookUrl: draft.webhookUrl,
			routes: rows.map((r) => ({
				...(r.intent ? { intent: r.intent } : {}),
				...(r.group ? { group: r.group } : {}),
				webhookUrl: r.webhookUrl,
			})),
		},
	}
}

export type FormOutcome<D> = { draft: D; patch: Record<string, unknown> } | { draft: D; errors: { path?: string; message: string }[] }

export async function authenticationForm(
	form: Form,
	current: StoredAuthentication | undefined,
	openCurrentSecret: () => Promise<string>,
): Promise<FormOutcome<AuthDraft>> {
	const draft: AuthDraft = {
		authorizationUrl: str(form, 'authorizationUrl'),
		tokenUrl: str(form, 'tokenUrl'),
		clientId: str(form, 'clientId'),
		scopes: str(form, 'scopes'),
		userIdUrl: str(form, 'userIdUrl'),
	}
	if (str(form, 'action') === 'remove') return { draft, patch: { authentication: null } }
	const typed = str(form, 'clientSecret')
	if (!typed && !current) return { draft, errors: [{ path: 'authentication.clientSecret', message: 'the client secret is required' }] }
	const clientSecret = typed || (await openCurrentSecret())
	return {
		draft,
		patch: {
			authentication: {
				authorizationUrl: draft.authorizationUrl,
				tokenUrl: draft.tokenUrl,
				clientId: draft.clientId,
				clientSecret,
				scopes: words(draft.scopes),
				...(draft.userIdUrl ? { userIdUrl: draft.userIdUrl } : {}),
			},
		},
	}
}

export function applePayForm(form: Form): { draft: ApplePayDraft; patch: Record<string, unknown> } {
	const draft: ApplePayDraft = {
		merchantIdentifier: str(form, 'merchantIdentifier'),
		displayName: str(form, 'displayName'),
		domainName: str(form, 'domainName'),
		countryCode: str(form, 'countryCode').toUpperCase(),
		currencyCode: str(form, 'currencyCode').toUpperCase(),
		supportedNetworks: [...new Set([...strs(form, 'supportedNetworks'), ...words(str(form, 'otherNetworks'))])].filter(Boolean),
		merchantCapabilities: [...new Set(strs(form, 'merchantCapabilities'))].filter(Boolean),
	}
	if (str(form, 'action') === 'remove') return { draft, patch: { applePay: null } }
	return { draft, patch: { applePay: { ...draft } } }
}
