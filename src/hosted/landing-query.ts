/**
 * What Apple Business Register puts on the landing URL (docs/apple-protocol.md §6.2, Apple's
 * sample `GET /landingPage?id=…&name=…&logo=…`): the Messages for Business account id, and
 * for display its name and logo. The id is required and checked; a bad name or logo is dropped,
 * not an error, because they are decoration.
 */
import { z } from 'zod'
import { BusinessIdSchema } from '../business/schema'

export const LogoUrlSchema = z
	.string()
	.max(2048)
	.refine((s) => {
		try {
			return new URL(s).protocol === 'https:'
		} catch {
			return false
		}
	})

export const LandingQuerySchema = z.object({
	id: BusinessIdSchema,
	name: z.string().trim().min(1).max(200).optional().catch(undefined),
	// A logo that is not an https URL is dropped, not an error: it is decoration.
	logo: LogoUrlSchema.optional().catch(undefined),
})

export interface LandingAccount {
	id: string
	name: string | null
	logo: string | null
}

export function landingAccount(q: { id: string; name?: string | undefined; logo?: string | undefined }): LandingAccount {
	return { id: q.id, name: q.name ?? null, logo: q.logo ?? null }
}

/** Why a landing URL names no account: no `id` at all, or one that is not an account id. */
export type LandingProblem = { kind: 'missing' } | { kind: 'malformed'; given: string }

export type ParsedLanding = { ok: true; account: LandingAccount } | { ok: false; problem: LandingProblem }

export function parseLanding(query: Record<string, string>): ParsedLanding {
	const q = LandingQuerySchema.safeParse(query)
	if (q.success) return { ok: true, account: landingAccount(q.data) }
	const given = (query.id ?? '').trim()
	return { ok: false, problem: given === '' ? { kind: 'missing' } : { kind: 'malformed', given: given.slice(0, 200) } }
}

/** The account a post-login target (`/landing?…`, `/landingPage?…`) is about, for the sign-in page. */
export function accountOfNext(next: string): LandingAccount | null {
	let url: URL
	try {
		url = new URL(next, 'https://landing.invalid')
	} catch {
		return null
	}
	if (url.pathname !== '/landing' && url.pathname !== '/landingPage') return null
	const parsed = parseLanding(Object.fromEntries(url.searchParams))
	return parsed.ok ? parsed.account : null
}
