/**
 * Sessions of the hosted pages (docs/product.md "Hosted pages"). Log in with the admin token
 * (the operator: every business) or a business API key (that business only). The session
 * is a signed cookie (tokens.ts), HttpOnly, SameSite=Strict, Secure unless development,
 * `__Host-` prefixed when Secure (bound to this host, path /). It carries a fingerprint of
 * the credential it was opened with, so rotating the admin token or the API key ends it.
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { apiKeyMatches, businessIdOfKey } from '../business/api-key'
import { loadBusiness } from '../business/directory'
import type { Config, Env } from '../context'
import { randomToken, sha256Hex, timingSafeEqualStr } from '../lib/crypto'
import { mac, nowSeconds, signToken, TokenError, verifyMac, verifyToken } from './tokens'

export const SESSION_TTL_S = 8 * 3600
const FINGERPRINT_HEX = 16

const SessionSchema = z.object({
	v: z.literal(1),
	sid: z.string().min(16).max(64),
	sub: z.enum(['admin', 'business']),
	bid: z.string().min(1).max(128).optional(),
	fp: z.string().regex(/^[0-9a-f]+$/),
	exp: z.number().int(),
})
export type Session = z.infer<typeof SessionSchema>

export type Principal = { kind: 'admin' } | { kind: 'business'; businessId: string }

export const principalOf = (s: Session): Principal => (s.sub === 'admin' || !s.bid ? { kind: 'admin' } : { kind: 'business', businessId: s.bid })

/** Whether this session may see and change a business. */
export const mayManage = (s: Session, businessId: string) => s.sub === 'admin' || s.bid === businessId

const secure = (config: Config) => config.ENVIRONMENT !== 'development'
export const sessionCookieName = (config: Config) => (secure(config) ? '__Host-amb_session' : 'amb_session')

const cookieOptions = (config: Config, maxAge: number) => ({
	httpOnly: true,
	secure: secure(config),
	sameSite: 'Strict' as const,
	path: '/',
	maxAge,
})

const fingerprint = async (secret: string) => (await sha256Hex(`amb-edge/session-fp/${secret}`)).slice(0, FINGERPRINT_HEX)
/** API keys are stored as SHA-256 hex: the fingerprint is a prefix of that hash. */
const keyFingerprint = (keyHash: string) => keyHash.slice(0, FINGERPRINT_HEX)

/**
 * Check a credential typed into the login form. Unknown business and wrong key give the
 * same answer as a wrong admin token: nothing to learn by probing.
 */
export async function authenticateCredential(env: Env, config: Config, credential: string): Promise<{ principal: Principal; fp: string } | null> {
	const businessId = businessIdOfKey(credential)
	if (businessId) {
		const business = await loadBusiness(env, businessId)
		if (!business || !(await apiKeyMatches(credential, business.apiKeyHashes))) return null
		return { principal: { kind: 'business', businessId }, fp: keyFingerprint(await sha256Hex(credential)) }
	}
	if (!timingSafeEqualStr(credential, config.ADMIN_TOKEN)) return null
	return { principal: { kind: 'admin' }, fp: await fingerprint(config.ADMIN_TOKEN) }
}

export async function startSession(c: Context, config: Config, who: { principal: Principal; fp: string }): Promise<Session> {
	const session: Session = {
		v: 1,
		sid: randomToken(24),
		sub: who.principal.kind,
		...(who.principal.kind === 'business' ? { bid: who.principal.businessId } : {}),
		fp: who.fp,
		exp: nowSeconds() + SESSION_TTL_S,
	}
	setCookie(c, sessionCookieName(config), await signToken(config.DATA_ENCRYPTION_KEY, 'session', session), cookieOptions(config, SESSION_TTL_S))
	return session
}

export function endSession(c: Context, config: Config): void {
	deleteCookie(c, sessionCookieName(config), { path: '/', secure: secure(config), httpOnly: true, sameSite: 'Strict' })
}

/** The valid session of this request, or null (no cookie, bad signature, expired, credential rotated). */
export async function readSession<E extends { Bindings: Env }>(c: Context<E>, config: Config): Promise<Session | null> {
	const raw = getCookie(c, sessionCookieName(config))
	if (!raw) return null
	let session: Session
	try {
		session = await verifyToken(config.DATA_ENCRYPTION_KEY, 'session', raw, SessionSchema)
	} catch (err) {
		if (err instanceof TokenError) return null
		throw err
	}
	if (session.sub === 'admin') {
		return timingSafeEqualStr(session.fp, await fingerprint(config.ADMIN_TOKEN)) ? session : null
	}
	if (!session.bid) return null
	const business = await loadBusiness(c.env, session.bid)
	if (!business) return null
	let live = false
	for (const h of business.apiKeyHashes) live = timingSafeEqualStr(keyFingerprint(h), session.fp) || live
	return live ? session : null
}

// ---------------------------------------------------------------------------------------
// CSRF tokens (synchronizer token bound to the session; csrf.ts checks them with Origin).

export const csrfToken = (config: Config, session: Session) => mac(config.DATA_ENCRYPTION_KEY, 'csrf', session.sid)

export const csrfValid = (config: Config, session: Session, token: string) => verifyMac(config.DATA_ENCRYPTION_KEY, 'csrf', session.sid, token)

/**
 * Before login there is no session to bind to: a signed double-submit. A random nonce in
 * a short-lived cookie, its MAC in the form; both must come back together.
 */
export const LOGIN_NONCE_COOKIE = (config: Config) => (secure(config) ? '__Host-amb_login' : 'amb_login')
const LOGIN_NONCE_TTL_S = 3600

export async function loginCsrfToken(c: Context, config: Config): Promise<string> {
	let nonce = getCookie(c, LOGIN_NONCE_COOKIE(config))
	if (!nonce || !/^[A-Za-z0-9_-]{32,64}$/.test(nonce)) {
		nonce = randomToken(32)
		setCookie(c, LOGIN_NONCE_COOKIE(config), nonce, cookieOptions(config, LOGIN_NONCE_TTL_S))
	}
	return mac(config.DATA_ENCRYPTION_KEY, 'login-csrf', nonce)
}

export async function loginCsrfValid(c: Context, config: Config, token: string): Promise<boolean> {
	const nonce = getCookie(c, LOGIN_NONCE_COOKIE(config))
	if (!nonce) return false
	return verifyMac(config.DATA_ENCRYPTION_KEY, 'login-csrf', nonce, token)
}
