/**
 * The business API client. One instance per API key:
 *
 *   const amb = new AmbClient({ baseUrl: 'https://msp.example.com', apiKey })
 *   await amb.sendMessage({ customerId, message: { type: 'text', text: 'Hello' } })
 *
 * Calls that may be repeated are retried on 408, 429, 5xx and lost connections (backoff,
 * jitter, `Retry-After`); a POST only when it carries an Idempotency-Key, which every
 * `sendMessage` does (minted once per call, reused by each of its retries).
 */
import { Conversations, type CallOptions } from './conversations.ts'
import { Deliveries } from './deliveries.ts'
import { type FetchLike, globalFetch, readJson, sleep, Transport } from './http.ts'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts'
import { Templates } from './templates.ts'
import type { Attachment, SendMessageBody, SendMessageResult, SendResponse } from './types/api.ts'
import { type UploadData, type UploadOptions, uploadAttachment } from './upload.ts'

export interface AmbClientOptions {
	/** The platform's origin, e.g. `https://msp.example.com` (paths start with `/v1`). */
	baseUrl: string
	/** The business's API key. */
	apiKey: string
	/** A fetch to use instead of the global one (a proxy, a test double, a Worker's service binding). */
	fetch?: FetchLike
	/** Retries after the first attempt (default 2); 0 turns retrying off. */
	retries?: number
	/** Backoff and Retry-After limits, beyond `retries`. */
	retryPolicy?: Partial<Omit<RetryPolicy, 'retries'>>
	/** Per attempt, in milliseconds (default 30,000). */
	timeoutMs?: number
}

export interface SendOptions extends CallOptions {
	/** Reuse to make a send at most once, e.g. your own message id. Default: a fresh UUID per call. */
	idempotencyKey?: string
}

export class AmbClient {
	readonly conversations: Conversations
	readonly templates: Templates
	readonly deliveries: Deliveries
	private readonly http: Transport

	constructor(options: AmbClientOptions) {
		if (!options.baseUrl) throw new TypeError('baseUrl is required')
		if (!options.apiKey) throw new TypeError('apiKey is required')
		this.http = new Transport({
			baseUrl: options.baseUrl,
			apiKey: options.apiKey,
			fetch: options.fetch ?? globalFetch,
			retry: { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy, retries: options.retries ?? DEFAULT_RETRY_POLICY.retries },
			timeoutMs: options.timeoutMs ?? 30_000,
			random: Math.random,
			sleep,
		})
		this.conversations = new Conversations(this.http)
		this.templates = new Templates(this.http)
		this.deliveries = new Deliveries(this.http)
	}

	/**
	 * `POST /v1/messages`. Accepted means queued for Apple: `message.sent` or `message.failed`
	 * follows as a webhook. The same key with the same body answers the first result
	 * (`replayed: true`); with another body, AmbConflictError.
	 */
	async sendMessage(body: SendMessageBody, options: SendOptions = {}): Promise<SendMessageResult> {
		const idempotencyKey = options.idempotencyKey ?? crypto.randomUUID()
		let replayed = false
		const response = await this.http.call(
			{ method: 'POST', path: '/v1/messages', json: body, headers: { 'idempotency-key': idempotencyKey }, signal: options.signal },
			(res) => {
				replayed = res.headers.get('idempotent-replayed') === 'true'
				return readJson<SendResponse>(res)
			},
		)
		return { ...response, idempotencyKey, replayed }
	}

	/**
	 * `POST /v1/attachments`: stream a file up (up to 100 MiB); use the returned `id` in a text
	 * message's `attachments`. Not retried (a stream cannot be sent twice).
	 */
	uploadAttachment(data: UploadData, options: UploadOptions = {}): Promise<Attachment> {
		return uploadAttachment(this.http, data, options)
	}

	/**
	 * `GET /v1/attachments/{id}`: the file as a streamed Response (read it with `.body`,
	 * `.blob()`…). `timeoutMs` covers the wait for the headers; `signal` also cancels the body.
	 */
	downloadAttachment(id: string, options: CallOptions = {}): Promise<Response> {
		return this.http.call(
			{ method: 'GET', path: `/v1/attachments/${encodeURIComponent(id)}`, headers: { accept: '*/*' }, signal: options.signal, streamAnswer: true },
			async (res) => res,
		)
	}
}
