/** Reading JSON request bodies of the admin and business APIs: size cap, JSON, zod. */
import type { Context } from 'hono'
import type { z } from 'zod'
import { readCapped, BodyError } from '../apple/body'
import { type AppError, badRequest, payloadTooLarge } from './errors'

export const DEFAULT_JSON_LIMIT = 256 * 1024

/**
 * `classify` may turn validation issues into a more specific error (e.g. 422); otherwise 400.
 */
export async function readJson<S extends z.ZodType>(
	c: Context,
	schema: S,
	limit = DEFAULT_JSON_LIMIT,
	classify?: (issues: z.core.$ZodIssue[]) => AppError | null,
): Promise<z.output<S>> {
	const declared = Number(c.req.header('content-length') ?? '0')
	if (declared > limit) throw payloadTooLarge(`body exceeds ${limit} bytes`)
	let text: string
	try {
		const body = c.req.raw.body
		text = body ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await readCapped(body, limit)) : ''
	} catch (err) {
		if (err instanceof BodyError) throw payloadTooLarge(err.message)
		throw badRequest('body is not valid UTF-8')
	}
	let json: unknown
	try {
		json = JSON.parse(text)
	} catch {
		throw badRequest('body is not valid JSON')
	}
	const parsed = schema.safeParse(json)
	if (!parsed.success) throw bodyValidationError(parsed.error.issues, classify)
	return parsed.data
}

/** The answer to a body that fails its schema: `classify`'s error, or 400 with up to 20 fields. */
export function bodyValidationError(issues: z.core.$ZodIssue[], classify?: (issues: z.core.$ZodIssue[]) => AppError | null): AppError {
	return (
		classify?.(issues) ??
		badRequest(
			'body failed validation',
			issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
		)
	)
}
