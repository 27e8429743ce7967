/**
 * The hosted pages change businesses through the same service as the admin API
 * (business/service.ts): a business created on the landing page or settings saved on the
 * settings page pass exactly the validation, URL checks (SSRF) and secret sealing of
 * `POST/PATCH /admin/businesses`. Refusals come back as per-field errors for the form.
 * Callers have already checked that the signed-in principal may touch that business.
 */
import { CreateBusinessSchema, UpdateBusinessSchema } from '../business/schema'
import { createBusiness, updateBusiness } from '../business/service'
import type { Config, Env } from '../context'
import { AppError } from '../lib/errors'

export type AdminResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; errors: { path?: string; message: string }[] }

type FieldError = { path?: string; message: string }

function refused(err: unknown): AdminResult<never> {
	if (!(err instanceof AppError) || err.status >= 500) throw err
	const details = Array.isArray(err.details) ? (err.details as FieldError[]) : []
	return {
		ok: false,
		status: err.status,
		errors: details.length > 0 ? details.map((d) => ({ ...(d.path ? { path: d.path } : {}), message: d.message })) : [{ message: err.message }],
	}
}

function invalid(issues: { path: PropertyKey[]; message: string }[]): AdminResult<never> {
	return { ok: false, status: 400, errors: issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) }
}

export async function createFromPage(env: Env, config: Config, input: unknown): Promise<AdminResult<Awaited<ReturnType<typeof createBusiness>>>> {
	const parsed = CreateBusinessSchema.safeParse(input)
	if (!parsed.success) return invalid(parsed.error.issues)
	try {
		return { ok: true, status: 201, body: await createBusiness(env, config, parsed.data) }
	} catch (err) {
		return refused(err)
	}
}

export async function updateFromPage(
	env: Env,
	config: Config,
	businessId: string,
	patch: unknown,
): Promise<AdminResult<Awaited<ReturnType<typeof updateBusiness>>>> {
	const parsed = UpdateBusinessSchema.safeParse(patch)
	if (!parsed.success) return invalid(parsed.error.issues)
	try {
		return { ok: true, status: 200, body: await updateBusiness(env, config, businessId, parsed.data) }
	} catch (err) {
		return refused(err)
	}
}
