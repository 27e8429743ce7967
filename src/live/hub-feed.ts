/**
 * The inbound route's reports to the console hubs, batched per business (docs/console.md
 * "Live updates"): every inbound message changes its conversation's inbox row, and one hub
 * object per business would otherwise take one call and one commit per message. Reports
 * that arrive within FLUSH_MS in this isolate go in one call; the newest summary of a
 * conversation wins. Best effort like every hub report: the conversation's next change
 * reports its whole row again.
 */
import type { Env } from '../context'
import { errorText, log } from '../lib/log'
import { consoleHubStub } from './summary'

/** How long the first report waits for others to join its batch. */
export const FLUSH_MS = 20

/** Summaries (JSON text, as the conversation object produced them) by business, then conversation. */
const pending = new Map<string, Map<string, { sequence: number; summary: string }>>()
let scheduled = false

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
	if (scheduled) return
	scheduled = true
	waitUntil(
		new Promise((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => {
			const batch = [...pending]
			pending.clear()
			scheduled = false
			return Promise.all(
				batch.map(([id, rows]) =>
					consoleHubStub(env, id)
						.noteMany([...rows.values()].map((r) => r.summary))
						.catch((err: unknown) => log.warn('console hub update failed', { businessId: id, error: errorText(err) })),
				),
			)
		}),
	)
}
