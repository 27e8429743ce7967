/**
 * The identity provider's side of authentication (docs/apple-interactive.md §5.6): the
 * authorization-code exchange and the user-id lookup. Both are fetches of business-given
 * URLs, so each has a timeout, a response cap, manual redirects and the public-address
 * check (lib/safe-fetch.ts). Error details are reduced to safe codes before they travel.
 */
import { z } from 'zod'
import type { StoredAuthentication } from '../business/schema'
import type { Config } from '../context'
import { readBodyCapped, safeFetch } from '../lib/safe-fetch'

const IDP_TIMEOUT_MS = 10_000
const IDP_MAX_RESPONSE_BYTES = 64 * 1024

/** An IdP's error code as it may appear in an outcome: short, plain, or `unspecified`. */
export const safeCode = (s: string | undefined) => (s && /^[A-Za-z0-9_.-]{1,64}$/.test(s) ? s : 'unspecified')

const TokenResponseSchema = z.looseObject({
	access_token: z.string().min(1).max(16_384),
	token_type: z.string().max(64).optional(),
	expires_in: z.union([z.number().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
	scope: z.string().max(4096).optional(),
})
const OAuthErrorSchema = z.looseObject({ error: z.string() })

export interface AccessToken {
	accessToken: string
	tokenType?: string
	expiresIn?: number
	scope?: string[]
}

async function readJsonCapped(res: Response): Promise<unknown> {
	const bytes = await readBodyCapped(res, IDP_MAX_RESPONSE_BYTES)
	try {
		return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
	} catch {
		return null
	}
}

/** RFC 6749 §4.1.3 with client credentials in the body, as Apple's sample does (A-PY/20). */
export async function exchangeCode(
	config: Config,
	auth: Pick<StoredAuthentication, 'tokenUrl' | 'clientId'>,
	clientSecret: string,
	code: string,
	redirectUri: string,
): Promise<{ ok: true; token: AccessToken } | { ok: false; detail: string }> {
	const body = new URLSearchParams({
		grant_type: 'authorization_code',
		code,
		redirect_uri: redirectUri,
		client_id: auth.clientId,
		client_secret: clientSecret,
	})
	let res: Response
	try {
		res = await safeFetch(auth.tokenUrl, {
			environment: config.ENVIRONMENT,
			timeoutMs: IDP_TIMEOUT_MS,
			maxResponseBytes: IDP_MAX_RESPONSE_BYTES,
			init: {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
				body: body.toString(),
			},
		})
	} catch (err) {
		return { ok: false, detail: err instanceof Error ? err.name : 'fetch failed' }
	}
	const json = await readJsonCapped(res).catch(() => null)
	if (res.status < 200 || res.status >= 300) {
		const oauthError = OAuthErrorSchema.safeParse(json)
		return { ok: false, detail: `status ${res.status}${oauthError.success ? `: ${safeCode(oauthError.data.error)}` : ''}` }
	}
	const parsed = TokenResponseSchema.safeParse(json)
	if (!parsed.success) return { ok: false, detail: 'token response without access_token' }
	const t = parsed.data
	return {
		ok: true,
		token: {
			accessToken: t.access_token,
			...(t.token_type ? { tokenType: t.token_type } : {}),
			...(t.expires_in !== undefined ? { expiresIn: t.expires_in } : {}),
			...(t.scope ? { scope: t.scope.split(/\s+/).filter(Boolean) } : {}),
		},
	}
}

const UserIdValue = z.union([z.string().min(1).max(512), z.number().transform(String)])
const UserInfoSchema = z.looseObject({
	sub: UserIdValue.optional(),
	id: UserIdValue.optional(),
	user_id: UserIdValue.optional(),
	userId: UserIdValue.optional(),
	externalUserId: UserIdValue.optional(),
})

/**
 * GET the business's user-id endpoint with the access token (ASAPP's "external user
 * identifier" endpoint, OpenID userinfo in practice): the id is `sub`, `id`, `user_id`,
 * `userId` or `externalUserId`, whichever comes first.
 */
export async function lookupUserId(config: Config, userIdUrl: string, token: AccessToken): Promise<{ ok: true; id: string } | { ok: false; detail: string }> {
	let res: Response
	try {
		res = await safeFetch(userIdUrl, {
			environment: config.ENVIRONMENT,
			timeoutMs: IDP_TIMEOUT_MS,
			maxResponseBytes: IDP_MAX_RESPONSE_BYTES,
			init: { headers: { authorization: `Bearer ${token.accessToken}`, accept: 'application/json' } },
		})
	} catch (err) {
		return { ok: false, detail: err instanceof Error ? err.name : 'fetch failed' }
	}
	if (res.status < 200 || res.status >= 300) {
		await res.body?.cancel()
		return { ok: false, detail: `status ${res.status}` }
	}
	const parsed = UserInfoSchema.safeParse(await readJsonCapped(res).catch(() => null))
	if (!parsed.success) return { ok: false, detail: 'response is not a JSON object' }
	const u = parsed.data
	const id = u.sub ?? u.id ?? u.user_id ?? u.userId ?? u.externalUserId
	return id === undefined ? { ok: false, detail: 'no user id in the response' } : { ok: true, id }
}
