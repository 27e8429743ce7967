/**
 * Helpers for routes declared with `@hono/zod-openapi` (docs/api.md): one validation hook that
 * answers like the rest of the app, error responses that reference the `Error` component, and
 * the split between the route as documented and the route as served for JSON bodies.
 */
import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi'
import type { Env } from 'hono'
import type { z } from 'zod'
import { type AppError, badRequest, ErrorEnvelopeSchema } from './errors'

type Target = 'query' | 'param' | 'header' | 'json' | 'form' | 'cookie'
type HookResult = { target: string; success: boolean; error?: z.ZodError }

const problems = (error: z.ZodError | undefined) => (error?.issues ?? []).slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }))

/**
 * The `defaultHook` of every OpenAPIHono: a query, header or path parameter that fails its
 * schema is a 400 `bad_request` with `details: [{ path, message }]`, the same envelope
 * `readJson` and `readQuery` produced before the routes were declared (docs/api.md "Validation").
 */
export function validationHook(result: HookResult): undefined {
	if (result.success) return undefined
	// A header names its own rule (e.g. the Idempotency-Key's), as the handlers said before.
	const what =
		result.target === 'query'
			? 'invalid query'
			: result.target === 'param'
				? 'invalid path parameter'
				: result.target === 'header'
					? (result.error?.issues[0]?.message ?? 'invalid header')
					: 'invalid request'
	throw badRequest(what, problems(result.error))
}

/**
 * A hook for one route whose failures on some targets answer differently (an unknown-looking
 * template id is a 404, like an unknown one); other targets fall back to `validationHook`.
 */
export function hookWith(overrides: Partial<Record<Target, (error: z.ZodError | undefined) => AppError>>) {
	return (result: HookResult): undefined => {
		if (result.success) return undefined
		const override = overrides[result.target as Target]
		if (override) throw override(result.error)
		return validationHook(result)
	}
}

/** A JSON response or request content whose schema is a (referenced) zod schema. */
export function json<S extends z.ZodType>(schema: S, description: string, examples?: Record<string, { summary?: string; value: unknown }>) {
	return { description, content: { 'application/json': { schema, ...(examples ? { examples } : {}) } } }
}

/** The error answer of one status, with at least one example of the envelope. */
export function errorResponse(description: string, ...examples: { code: string; message: string; details?: { path: string; message: string }[] }[]) {
	return {
		description,
		content: {
			'application/json': {
				schema: ErrorEnvelopeSchema,
				examples: Object.fromEntries(examples.map((e, i) => [i === 0 ? e.code : `${e.code}_${i}`, { summary: e.message, value: { error: e } }])),
			},
		},
	}
}

/** Answers every authenticated operation can give. */
export const authErrors = {
	401: errorResponse('Missing or invalid credentials', { code: 'unauthorized', message: 'invalid API key' }),
}

type JsonBodyRoute = RouteConfig & { request: { body: { content: { 'application/json': { schema: z.ZodType } } } } }
export type BodyOf<R extends JsonBodyRoute> = R['request']['body']['content']['application/json']['schema']

/**
 * The route as served, for a route with a JSON body: the full route is registered in the
 * document, and the served copy has no body validator, because the handler reads the body
 * with `readJson` and the route's own schema (`bodySchema`) — with its size cap, UTF-8 and
 * JSON checks and its 422 classification, which a plain validator would not keep
 * (docs/api.md "Bodies"). The schema that validates is the schema that is documented.
 */
export function served<R extends JsonBodyRoute, E extends Env>(
	app: OpenAPIHono<E>,
	route: R,
): Omit<R, 'request'> & { request: Omit<R['request'], 'body'>; hide: true } {
	app.openAPIRegistry.registerPath(route)
	const { body: _documented, ...request } = route.request
	// The spread keeps R's other keys; TypeScript cannot see that `body` is gone from `request`.
	return { ...route, request, hide: true } as unknown as Omit<R, 'request'> & { request: Omit<R['request'], 'body'>; hide: true }
}

/** The JSON body schema of a route declared for `served`. */
export function bodySchema<R extends JsonBodyRoute>(route: R): BodyOf<R> {
	return route.request.body.content['application/json'].schema as BodyOf<R>
}
