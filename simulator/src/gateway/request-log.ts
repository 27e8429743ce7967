/**
 * Turn a refused request into a rejection-log entry (headers with the token redacted, a body
 * excerpt) and the response Apple-like gateways give: the status and a JSON message.
 */
import type { Context } from 'hono'
import type { SimBindings } from '../env'
import { simState } from '../env'
import { type Rejection, rejectionBody } from '../lib/rejection'

const BODY_EXCERPT_CHARS = 4000

export function requestHeaders(req: Request): Record<string, string> {
	const out: Record<string, string> = {}
	req.headers.forEach((v, k) => {
		out[k] = k === 'authorization' ? v.replace(/^(\S+)\s+.*$/, '$1 <redacted>') : v
	})
	return out
}

export async function respondRejected(
	c: Context<SimBindings>,
	r: Rejection,
	body: string | null,
	who: { customerId?: string | null; businessId?: string | null } = {},
): Promise<Response> {
	await simState(c.env).logRejection({
		method: c.req.method,
		path: new URL(c.req.url).pathname,
		status: r.status,
		rule: r.rule,
		message: r.message,
		customerId: who.customerId ?? c.req.header('destination-id') ?? null,
		businessId: who.businessId ?? c.req.header('source-id') ?? null,
		request: { headers: requestHeaders(c.req.raw), body: body === null ? null : body.slice(0, BODY_EXCERPT_CHARS) },
	})
	return c.json(rejectionBody(r), r.status)
}
