/**
 * The hosted pages write through the admin API in-process, so a business created on the
 * landing page or settings saved on the settings page pass exactly the validation, URL
 * checks (SSRF) and secret sealing of `POST/PATCH /admin/businesses` (routes/admin.ts).
 * Callers have already checked that the signed-in principal may touch that business.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppBindings, Config, Env } from '../context'
import { AppError, errorBody } from '../lib/errors'
import { admin } from '../routes/admin'

const internal = new Hono<AppBindings>()
internal.onError((err, c) => {
	if (err instanceof AppError) return c.json(errorBody(err), err.status)
	throw err
})
internal.route('/', admin)

const ErrorBodySchema = z.object({
	error: z.object({
		code: z.string(),
		message: z.string(),
		details: z.array(z.looseObject({ path: z.string().optional(), message: z.string() })).optional(),
	}),
})

export type AdminResult = { ok: true; status: number; body: unknown } | { ok: false; status: number; errors: { path?: string; message: string }[] }

export async function adminCall(env: Env, config: Config, method: 'POST' | 'PATCH', path: string, json: unknown): Promise<AdminResult> {
	const res = await internal.fetch(
		new Request(`https://admin.internal${path}`, {
			method,
			headers: { authorization: `Bearer ${config.ADMIN_TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify(json),
		}),
		env,
	)
	const body: unknown = await res.json()
	if (res.ok) return { ok: true, status: res.status, body }
	const parsed = ErrorBodySchema.safeParse(body)
	if (!parsed.success) return { ok: false, status: res.status, errors: [{ message: 'the change was refused' }] }
	const { message, details } = parsed.data.error
	return {
		ok: false,
		status: res.status,
		errors: details && details.length > 0 ? details.map((d) => ({ ...(d.path ? { path: d.path } : {}), message: d.message })) : [{ message }],
	}
}

export const CreatedBusinessSchema = z.object({ businessId: z.string(), apiKey: z.string(), webhookSecret: z.string() })
