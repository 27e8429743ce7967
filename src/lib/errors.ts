/**
 * Typed failures that map to HTTP responses. Every expected failure is an AppError, so the
 * one error handler (routes/error-handler.tsx) can answer `{ error: { code, message, details } }`
 * with the right status and never leak internals; anything else is logged and becomes a
 * generic 500. `cause` and `internal` are for the log only, never sent.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'

export interface AppErrorOptions {
	/** The failure underneath (logged with its message, never sent). */
	cause?: unknown
	/** Facts for the operator's log (ids, upstream status); never sent. */
	internal?: Record<string, string | number | boolean | null>
}

export class AppError extends Error {
	readonly internal: AppErrorOptions['internal']
	constructor(
		readonly status: ContentfulStatusCode,
		readonly code: string,
		message: string,
		readonly details?: unknown,
		options: AppErrorOptions = {},
	) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause })
		this.name = 'AppError'
		this.internal = options.internal
	}
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details)
export const unauthorized = (message = 'missing credentials') => new AppError(401, 'unauthorized', message)
export const forbidden = (message = 'invalid credentials') => new AppError(403, 'forbidden', message)
export const notFound = (message = 'not found') => new AppError(404, 'not_found', message)
export const conflict = (message: string) => new AppError(409, 'conflict', message)
export const payloadTooLarge = (message = 'payload too large') => new AppError(413, 'payload_too_large', message)
export const unprocessable = (message: string, details?: unknown) => new AppError(422, 'unprocessable', message, details)
export const misconfigured = (message: string) => new AppError(500, 'misconfigured', message)

export function errorBody(err: AppError) {
	return {
		error: {
			code: err.code,
			message: err.message,
			...(err.details === undefined ? {} : { details: err.details }),
		},
	}
}

/** One per-field problem of a 4xx answer: where (dotted path into the request) and why. */
export const FieldProblemSchema = z
	.object({
		path: z.string().meta({ description: 'Dotted path into the request, e.g. `message.sections.0.items.1.id`.' }),
		message: z.string().meta({ description: 'Why the value is refused, in English.' }),
	})
	.meta({ id: 'FieldProblem' })

/**
 * The body of every error answer (`errorBody` above). Documented once as a component and
 * referenced by every operation (docs/api.md "Errors").
 */
export const ErrorEnvelopeSchema = z
	.object({
		error: z.object({
			code: z.string().meta({
				description:
					'Machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `payload_too_large`, `unprocessable`, `storage_unavailable`, `internal`…',
			}),
			message: z.string().meta({ description: 'Human-readable summary; not meant for matching.' }),
			details: z.array(FieldProblemSchema).optional().meta({ description: 'Per-field problems, when the request was refused field by field.' }),
		}),
	})
	.meta({ id: 'Error', description: 'The error envelope: every 4xx and 5xx answer has this shape.' })
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>
