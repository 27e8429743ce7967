/**
 * Conversations with work waiting on a retry (a send to Apple, a delivery, a staging), so
 * the hourly cron can wake any whose alarm went missing (docs/ARCHITECTURE.md "Alarm").
 * Sixteen shards by the conversation id's first hex digit: no single object on any path,
 * and a conversation writes here only when a retry is scheduled or its last one settled,
 * never on the happy path.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../context'
import { migrate } from '../lib/sql-migrations'

const MIGRATIONS = ['CREATE TABLE watched (conversation_id TEXT PRIMARY KEY, since INTEGER NOT NULL)'] as const

export const WATCH_SHARDS = '0123456789abcdef'.split('')

export const watchlistStub = (env: Env, shard: string) => env.WATCHLIST.getByName(`watch-${shard}`)
export const watchlistFor = (env: Env, conversationId: string) => watchlistStub(env, conversationId[0] ?? '0')

export class Watchlist extends DurableObject<Env> {
	private readonly sql: SqlStorage

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		ctx.blockConcurrencyWhile(async () => migrate(this.sql, MIGRATIONS))
	}

	watch(conversationId: string): void {
		this.sql.exec('INSERT OR IGNORE INTO watched (conversation_id, since) VALUES (?, ?)', conversationId, Date.now())
	}

	unwatch(conversationId: string): void {
		this.sql.exec('DELETE FROM watched WHERE conversation_id = ?', conversationId)
	}

	list(limit: number): string[] {
		return this.sql
			.exec<{ conversation_id: string }>('SELECT conversation_id FROM watched ORDER BY since LIMIT ?', limit)
			.toArray()
			.map((r) => r.conversation_id)
	}
}
