/** Run a zod schema as an Apple rule: the first issue becomes a 400 with a path and a rule id. */
import type { z } from 'zod'
import { fail } from '../lib/rejection'

export function parseRule<S extends z.ZodType>(schema: S, value: unknown, rule: string, where: string): z.infer<S> {
	const r = schema.safeParse(value)
	if (r.success) return r.data
	const issue = r.error.issues[0]
	const path = issue ? [where, ...issue.path.map(String)].filter(Boolean).join('.') : where
	return fail(400, rule, `${path}: ${issue?.message ?? 'invalid'}`)
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
