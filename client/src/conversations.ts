/** `GET /v1/conversations`, `/v1/conversations/{id}` and its history, with cursor paging. */
import { readJson, type Transport } from './http.ts'
import { Paginator } from './paging.ts'
import type { Conversation, ConversationSummary, HistoryOptions, MessageRecord, Page } from './types/api.ts'

export interface CallOptions {
	signal?: AbortSignal
}

export class Conversations {
	constructor(private readonly http: Transport) {}

	/** Every conversation of the business, in id order. `limit` is the page size (1–100). */
	list(options: { limit?: number } & CallOptions = {}): Paginator<ConversationSummary> {
		return new Paginator((cursor) =>
			this.http.call<Page<ConversationSummary>>(
				{ method: 'GET', path: '/v1/conversations', query: { limit: options.limit, cursor: cursor ?? undefined }, signal: options.signal },
				readJson,
			),
		)
	}

	get(conversationId: string, options: CallOptions = {}): Promise<Conversation> {
		return this.http.call({ method: 'GET', path: `/v1/conversations/${encodeURIComponent(conversationId)}`, signal: options.signal }, readJson<Conversation>)
	}

	/** The conversation's messages, both directions, in sequence order (`order: 'desc'` for newest first). */
	messages(conversationId: string, options: HistoryOptions & CallOptions = {}): Paginator<MessageRecord> {
		const path = `/v1/conversations/${encodeURIComponent(conversationId)}/messages`
		return new Paginator(
			(cursor) =>
				this.http.call<Page<MessageRecord>>(
					{ method: 'GET', path, query: { limit: options.limit, order: options.order, cursor: cursor ?? undefined }, signal: options.signal },
					readJson,
				),
			options.after === undefined ? null : String(options.after),
		)
	}
}
