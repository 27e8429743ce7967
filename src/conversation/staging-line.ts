/**
 * The staging line: inbound messages whose attachments (or by-reference reply) must be
 * fetched before their event can leave, in sequence order (docs/ARCHITECTURE.md "Life of an
 * inbound message"). Retries at 5 s, 30 s, 2 min and 10 min; the last attempt releases the
 * event with the failure marked, so the text always reaches the business.
 */
import type { Env } from '../context'
import type { WebhookEvent } from '../delivery/queue-messages'
import type { StoredRequest } from './inbound-events'
import { stageOnce, type StagingJob, type StagingResult } from './inbound-staging'

const STAGING_RETRY_MS = [5_000, 30_000, 120_000, 600_000] as const

export interface StagingDeps {
	env: Env
	sql: SqlStorage
	transaction: <T>(fn: () => T) => T
	storedRequest: (id: string) => StoredRequest | null
}

/** Stage the oldest held message. True when it was released (the next may go). */
export async function stageHead(deps: StagingDeps, now = Date.now()): Promise<boolean> {
	const { sql } = deps
	const head = sql
		.exec<{ seq: number; event_id: string; job: string; attempts: number; next_attempt_at: number }>(
			'SELECT seq, event_id, job, attempts, next_attempt_at FROM staging ORDER BY seq LIMIT 1',
		)
		.toArray()[0]
	if (!head || head.next_attempt_at > now) return false
	const attempts = head.attempts + 1
	const finalAttempt = attempts > STAGING_RETRY_MS.length
	let result: StagingResult
	try {
		result = await stageOnce(deps.env, JSON.parse(head.job) as StagingJob, finalAttempt, deps.storedRequest)
	} catch (err) {
		result = finalAttempt ? { done: true, patch: { stagingError: String(err).slice(0, 500) } } : { done: false, reason: String(err) }
	}
	if (!result.done) {
		const at = Date.now() + STAGING_RETRY_MS[attempts - 1]!
		sql.exec('UPDATE staging SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?', attempts, at, result.reason.slice(0, 1000), head.seq)
		return false
	}
	const patch = result.patch
	deps.transaction(() => {
		const row = sql.exec<{ payload: string }>('SELECT payload FROM events WHERE event_id = ?', head.event_id).toArray()[0]
		if (row) {
			const event = JSON.parse(row.payload) as WebhookEvent
			event.data = { ...event.data, ...patch }
			// Released now: due at once for whoever delivers next (the doorbell follows).
			sql.exec('UPDATE events SET payload = ?, blocked = 0 WHERE event_id = ?', JSON.stringify(event), head.event_id)
		}
		sql.exec('DELETE FROM staging WHERE seq = ?', head.seq)
	})
	return true
}
