/** Webhook deliveries that failed for good, and their replay. */
import { readJson, type Transport } from './http.ts'
import { Paginator } from './paging.ts'
import type { CallOptions } from './conversations.ts'
import type { FailedDelivery, Page, ReplayResult } from './types/api.ts'

export class Deliveries {
	constructor(private readonly http: Transport) {}

	/** Newest first. Replayed ones only with `includeReplayed`. */
	listFailed(options: { limit?: number; includeReplayed?: boolean } & CallOptions = {}): Paginator<FailedDelivery> {
		return new Paginator((cursor) =>
			this.http.call<Page<FailedDelivery>>(
				{
					method: 'GET',
					path: '/v1/deliveries/failed',
					query: { limit: options.limit, cursor: cursor ?? undefined, includeReplayed: options.includeReplayed },
					signal: options.signal,
				},
				readJson,
			),
		)
	}

	/**
	 * Deliver the event again (same `webhook-id`, fresh timestamp and signature). Not retried
	 * on a lost answer: check `listFailed({ includeReplayed: true })` before calling again.
	 */
	replay(id: string, options: CallOptions = {}): Promise<ReplayResult> {
		return this.http.call({ method: 'POST', path: `/v1/deliveries/${encodeURIComponent(id)}/replay`, signal: options.signal }, readJson<ReplayResult>)
	}
}
