/** The rich-object library: `/v1/templates` CRUD and preview. */
import { readJson, readNothing, type Transport } from './http.ts'
import { Paginator } from './paging.ts'
import type { CallOptions } from './conversations.ts'
import type { Page, Template, TemplateInput, TemplatePreview } from './types/api.ts'

const pathOf = (id: string) => `/v1/templates/${encodeURIComponent(id)}`

export class Templates {
	constructor(private readonly http: Transport) {}

	/** Create (POST is not retried: a repeat would create a second template). */
	create(input: TemplateInput, options: CallOptions = {}): Promise<Template> {
		return this.http.call({ method: 'POST', path: '/v1/templates', json: input, signal: options.signal }, readJson<Template>)
	}

	list(options: { limit?: number } & CallOptions = {}): Paginator<Template> {
		return new Paginator((cursor) =>
			this.http.call<Page<Template>>(
				{ method: 'GET', path: '/v1/templates', query: { limit: options.limit, cursor: cursor ?? undefined }, signal: options.signal },
				readJson,
			),
		)
	}

	get(id: string, options: CallOptions = {}): Promise<Template> {
		return this.http.call({ method: 'GET', path: pathOf(id), signal: options.signal }, readJson<Template>)
	}

	/** Replace name and message. */
	update(id: string, input: TemplateInput, options: CallOptions = {}): Promise<Template> {
		return this.http.call({ method: 'PUT', path: pathOf(id), json: input, signal: options.signal }, readJson<Template>)
	}

	delete(id: string, options: CallOptions = {}): Promise<void> {
		return this.http.call({ method: 'DELETE', path: pathOf(id), signal: options.signal }, readNothing)
	}

	/** Fill the variables and check the message as a send would, without sending. */
	preview(id: string, variables: Record<string, string> = {}, options: CallOptions = {}): Promise<TemplatePreview> {
		return this.http.call(
			{ method: 'POST', path: `${pathOf(id)}/preview`, json: { variables }, sideEffectFree: true, signal: options.signal },
			readJson<TemplatePreview>,
		)
	}
}
