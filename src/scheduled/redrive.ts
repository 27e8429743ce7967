/**
 * The cron's re-drive (docs/ARCHITECTURE.md "Alarm"): every conversation on the watchlist
 * runs its due work now. A conversation with nothing left is taken off the list.
 */
import type { Env } from '../context'
import { conversationById } from '../conversation/directory'
import { WATCH_SHARDS, watchlistStub } from '../conversation/watchlist-do'
import { businessOfWatchKey, invitationsStub } from '../invitations/directory'
import { log } from '../lib/log'

/** Per shard and run; the rest waits for the next hour (their alarms are the first line). */
const PER_SHARD = 200
const PARALLEL = 8

export async function redriveWatched(env: Env): Promise<{ redriven: number }> {
	let redriven = 0
	for (const shard of WATCH_SHARDS) {
		const list = watchlistStub(env, shard)
		const ids = await list.list(PER_SHARD)
		for (let i = 0; i < ids.length; i += PARALLEL) {
			await Promise.all(
				ids.slice(i, i + PARALLEL).map(async (id) => {
					// Entries are conversation ids, or a business's invitations object (invitations/directory.ts).
					const business = businessOfWatchKey(id)
					const stub = business !== null ? invitationsStub(env, business) : conversationById(env, id)
					try {
						const { pending } = stub ? await stub.redrive() : { pending: false }
						if (!pending) await list.unwatch(id)
						redriven++
					} catch (err) {
						log.warn('re-drive failed; next hour', { conversationId: id, error: err instanceof Error ? err.message : String(err) })
					}
				}),
			)
		}
	}
	return { redriven }
}
