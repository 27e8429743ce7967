/**
 * Cursor paging as an async iterable: `for await (const item of client.conversations.list())`
 * walks every page, fetching the next one only when the loop gets there. `pages()` yields
 * whole pages (with their `nextCursor`, to resume later).
 */
import type { Page } from './types/api.ts'

export class Paginator<T> implements AsyncIterable<T> {
	constructor(
		private readonly fetchPage: (cursor: string | null) => Promise<Page<T>>,
		private readonly startCursor: string | null = null,
	) {}

	async *pages(): AsyncGenerator<Page<T>, void, undefined> {
		let cursor = this.startCursor
		for (;;) {
			const page = await this.fetchPage(cursor)
			yield page
			if (page.nextCursor === null || page.data.length === 0) return
			if (page.nextCursor === cursor) throw new Error(`paging did not advance (cursor ${cursor})`)
			cursor = page.nextCursor
		}
	}

	async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
		for await (const page of this.pages()) yield* page.data
	}

	/** The first page only. */
	async first(): Promise<Page<T>> {
		return this.fetchPage(this.startCursor)
	}

	/** Every item, up to `max` (default 10,000). */
	async toArray(max = 10_000): Promise<T[]> {
		const out: T[] = []
		for await (const item of this) {
			if (out.length >= max) break
			out.push(item)
		}
		return out
	}
}
