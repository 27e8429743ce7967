/** Parsing query strings with zod; bad input is a 400 naming the parameter. */
import type { Context } from 'hono'
import type { z } from 'zod'
import { badRequest } from './errors'

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
	const parsed = schema.safeParse(c.req.query())
	if (!parsed.success) {
		throw badRequest(
			'invalid query',
			parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
		)
	}
	return parsed.data
}
