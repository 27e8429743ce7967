/** Errors of the /sim/api surface: `{ error: { code, message } }` with a 4xx status. */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'

export class ApiError extends Error {
	constructor(
		readonly status: ContentfulStatusCode,
		readonly code: string,
		message: string,
	) {
		super(message)
		this.name = 'ApiError'
	}
}

export const apiErrorResponse = (c: Context, e: ApiError) => c.json({ error: { code: e.code, message: e.message } }, e.status)

export function parseApi<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
	const r = schema.safeParse(value)
	if (r.success) return r.data
	const issue = r.error.issues[0]
	const path = issue?.path.map(String).join('.')
	throw new ApiError(400, 'bad_request', `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`)
}

export async function jsonBody(c: Context): Promise<unknown> {
	try {
		return await c.req.json()
	} catch {
		throw new ApiError(400, 'bad_request', 'body must be JSON')
	}
}
