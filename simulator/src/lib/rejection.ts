/**
 * A request Apple would refuse. `rule` is a stable id the tests and the device page use;
 * `message` explains the mistake in Apple-like words and points at the spec.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export interface Rejection {
	status: ContentfulStatusCode
	rule: string
	message: string
}

export const reject = (status: ContentfulStatusCode, rule: string, message: string): Rejection => ({
	status,
	rule,
	message,
})

/** Thrown inside checks so deep validators can bail out with one precise reason. */
export class RejectionError extends Error {
	constructor(readonly rejection: Rejection) {
		super(rejection.message)
		this.name = 'RejectionError'
	}
}

export const fail = (status: ContentfulStatusCode, rule: string, message: string): never => {
	throw new RejectionError(reject(status, rule, message))
}

/** Body Apple-like gateways answer with: status code plus a human message. */
export const rejectionBody = (r: Rejection) => ({ code: r.status, message: r.message, rule: r.rule })
