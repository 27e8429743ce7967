/**
 * @amb-edge/client: the typed client of the amb-edge business API and its webhooks. Runs on
 * Node 20+, Cloudflare Workers, Deno and browsers (fetch, Web Crypto and streams only).
 */
export { AmbClient, type AmbClientOptions, type SendOptions } from './client.ts'
export type { CallOptions, Conversations } from './conversations.ts'
export type { Deliveries } from './deliveries.ts'
export type { Templates } from './templates.ts'
export { Paginator } from './paging.ts'
export { MAX_ATTACHMENT_BYTES, type UploadData, type UploadOptions } from './upload.ts'
export type { FetchLike } from './http.ts'
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts'
export {
	AmbApiError,
	AmbAttachmentTooLargeError,
	AmbBadRequestError,
	AmbConflictError,
	AmbConnectionError,
	AmbError,
	AmbForbiddenError,
	AmbNotFoundError,
	AmbPayloadTooLargeError,
	AmbRateLimitError,
	AmbServerError,
	AmbUnauthorizedError,
	AmbUnprocessableError,
	type ErrorBody,
} from './errors.ts'
export {
	AmbWebhookVerificationError,
	signWebhook,
	verifyWebhook,
	type VerificationFailure,
	type VerifyOptions,
	type WebhookBody,
	type WebhookHeaders,
} from './webhooks.ts'
export type * from './types/api.ts'
export type * from './types/events.ts'
export type * from './types/messages.ts'
