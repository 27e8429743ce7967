/**
 * Typed failures. An answer of 4xx/5xx becomes the subclass of AmbApiError for its status,
 * carrying the server's `{ error: { code, message, details } }`; a request that never got an
 * answer is an AmbConnectionError. Every error of this client is an AmbError.
 */
import type { FieldProblem } from './types/api.ts'

/** The server's error envelope: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
	code: string
	message: string
	/** Usually `{ path, message }[]` for 400 and 422; see `fieldErrors`. */
	details?: unknown
}

export class AmbError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options)
		this.name = new.target.name
	}
}

export class AmbApiError extends AmbError {
	readonly status: number
	readonly code: string
	readonly details: unknown
	readonly headers: Headers
	/** The HTTP method and path of the request that failed, e.g. `POST /v1/messages`. */
	readonly request: string

	constructor(status: number, body: ErrorBody, headers: Headers, request: string) {
		super(body.message)
		this.status = status
		this.code = body.code
		this.details = body.details
		this.headers = headers
		this.request = request
	}

	/** Per-field problems (`details` of a 400 or 422), or [] when there are none. */
	get fieldErrors(): FieldProblem[] {
		if (!Array.isArray(this.details)) return []
		return this.details.filter(
			(d): d is FieldProblem =>
				typeof d === 'object' && d !== null && typeof (d as FieldProblem).path === 'string' && typeof (d as FieldProblem).message === 'string',
		)
	}
}

/** 400: the request is malformed; `fieldErrors` names the fields. */
export class AmbBadRequestError extends AmbApiError {}
/** 401: missing or invalid API key. */
export class AmbUnauthorizedError extends AmbApiError {}
/** 403 */
export class AmbForbiddenError extends AmbApiError {}
/** 404: unknown resource, or (for a send) no conversation with this customer. */
export class AmbNotFoundError extends AmbApiError {}
/** 409: an Idempotency-Key reused with another body, or a closed conversation. */
export class AmbConflictError extends AmbApiError {}
/** 413 */
export class AmbPayloadTooLargeError extends AmbApiError {}
/** 422: Apple would reject the message; `fieldErrors` says why. */
export class AmbUnprocessableError extends AmbApiError {}

/** 429: slow down; `retryAfterMs` is the server's `Retry-After`, when it gave one. */
export class AmbRateLimitError extends AmbApiError {
	get retryAfterMs(): number | null {
		return parseRetryAfter(this.headers.get('retry-after'), Date.now())
	}
}

/** 5xx */
export class AmbServerError extends AmbApiError {}

/** No answer: the connection failed, was reset, or the attempt timed out. */
export class AmbConnectionError extends AmbError {
	readonly timedOut: boolean
	constructor(message: string, options: { cause?: unknown; timedOut?: boolean }) {
		super(message, { cause: options.cause })
		this.timedOut = options.timedOut ?? false
	}
}

/** Refused before sending: the attachment is larger than the platform accepts. */
export class AmbAttachmentTooLargeError extends AmbError {
	constructor(
		readonly size: number,
		readonly limit: number,
	) {
		super(`attachment of ${size} bytes exceeds the limit of ${limit} bytes (100 MiB); nothing was sent`)
	}
}

type ApiErrorClass = new (status: number, body: ErrorBody, headers: Headers, request: string) => AmbApiError

const BY_STATUS: Record<number, ApiErrorClass> = {
	400: AmbBadRequestError,
	401: AmbUnauthorizedError,
	403: AmbForbiddenError,
	404: AmbNotFoundError,
	409: AmbConflictError,
	413: AmbPayloadTooLargeError,
	422: AmbUnprocessableError,
	429: AmbRateLimitError,
}

/** The error for a failed answer; its body is read (and consumed) here. */
export async function errorFromResponse(res: Response, request: string): Promise<AmbApiError> {
	const body = parseErrorBody(await res.text().catch(() => ''), res)
	const Class = BY_STATUS[res.status] ?? (res.status >= 500 ? AmbServerError : AmbApiError)
	return new Class(res.status, body, res.headers, request)
}

function parseErrorBody(text: string, res: Response): ErrorBody {
	try {
		const json: unknown = JSON.parse(text)
		const error = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined
		if (typeof error === 'object' && error !== null) {
			const e = error as Record<string, unknown>
			if (typeof e.code === 'string' && typeof e.message === 'string') {
				return { code: e.code, message: e.message, ...('details' in e ? { details: e.details } : {}) }
			}
		}
	} catch {
		// Not JSON: a proxy's page, an empty body.
	}
	return { code: 'http_error', message: res.statusText || `HTTP ${res.status}`, ...(text ? { details: text.slice(0, 500) } : {}) }
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; null if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
	if (value === null) return null
	const v = value.trim()
	if (/^\d+$/.test(v)) return Number(v) * 1000
	const at = Date.parse(v)
	return Number.isNaN(at) ? null : Math.max(0, at - now)
}
