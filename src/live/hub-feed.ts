/**
 * Reports to the console hubs, batched per business (docs/console.md "Live updates"): from
 * the inbound route (every inbound message changes its conversation's inbox row) and from the
 * conversation objects of this isolate. One hub object per business would otherwise take one
 * call and one commit per change. Reports that arrive within FLUSH_MS in this isolate go in
 * one call; the newest summary of a conversation wins. Best effort like every hub report: the conversation's next change
 * reports its whole row again.
 */
import type { Env } from '../context'
import { errorText, log } from '../lib/log'
import { consoleHubStub } from './summary'

/** How long the first report waits for others to join its batch. */
export const FLUSH_MS = 20

/** A batch older than this was cut off with its request (a flush that never ran): the next report sends it. */
const STALE_MS = 1_000

/** At most this many summaries per hub call. */
const MAX_PER_CALL = 500

/** Summaries (JSON text, as the conversation object produced them) by business, then conversation. */
const pending = new Map<string, Map<string, { sequence: number; summary: string }>>()
/** When the open batch's flush was scheduled, or null when none is. */
let scheduledAt: number | null = null

/**
 * Adds one conversation's summary to the next batch. The request that opens a batch keeps
 * it alive with `waitUntil` and sends it; the others only add to it.
 */
export function reportToHub(
	env: Env,
	waitUntil: (p: Promise<unknown>) => void,
	businessId: string,
	row: { conversationId: string; sequence: number; summary: string },
): void {
	const rows = pending.get(businessId) ?? new Map<string, { sequence: number; summary: string }>()
	pending.set(businessId, rows)
	const cur = rows.get(row.conversationId)
	if (!cur || cur.sequence <= row.sequence) rows.set(row.conversationId, { sequence: row.sequence, summary: row.summary })
	const now = Date.now()
	if (scheduledAt !== null && now - scheduledAt < STALE_MS) return
	scheduledAt = now
	waitUntil(new Promise((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => flush(env)))
}

function flush(env: Env): Promise<unknown> {
	const batch = [...pending]
	pending.clear()
	scheduledAt = null
	const calls: Promise<unknown>[] = []
	for (const [businessId, rows] of batch) {
		const summaries = [...rows.values()].map((r) => r.summary)
		for (let i = 0; i < summaries.length; i += MAX_PER_CALL) {
			calls.push(
				consoleHubStub(env, businessId)
					.noteMany(summaries.slice(i, i + MAX_PER_CALL))
					.catch((err: unknown) => log.warn('console hub update failed', { businessId, error: errorText(err) })),
			)
		}
	}
	return Promise.all(calls)
}
