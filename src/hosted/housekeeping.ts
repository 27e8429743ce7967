/**
 * The Business object's alarm work for hosted requests: expire what nobody completed
 * (the business learns `failed`/`expired` rather than nothing), re-send outcomes that did
 * not reach their conversation (outbox), drop old rows. Idempotent: an alarm may run twice.
 */
import { getConfig, type Env } from '../context'
import { emitOutcome, expiredOutcome, openOutcome, outcomeSummary, sealOutcome, type HostedOutcome } from './outcome'
import type { HostedRequest } from './store'
import { dueForExpiry, markHostedEmitted, nextHostedWake, purgeHosted, settleHostedRequest, unemitted } from './store'
import { log } from '../lib/log'

/** Runs inside the Business object; returns when the alarm should run next (or null). */
export async function runHostedHousekeeping(sql: SqlStorage, env: Env, now = Date.now()): Promise<number | null> {
	const kek = getConfig(env).DATA_ENCRYPTION_KEY
	for (const row of dueForExpiry(sql, now)) {
		settleHostedRequest(sql, row.requestId, await sealOutcome(kek, expiredOutcome(row)), now)
	}
	for (const row of unemitted(sql)) {
		const outcome = await openOutcome(kek, row).catch(() => null)
		if (!outcome) {
			// Unreadable (e.g. DATA_ENCRYPTION_KEY rotated): nothing can ever send it.
			log.error('hosted outcome unreadable; dropped', { conversationId: row.conversationId, requestId: row.requestId })
			markHostedEmitted(sql, row.requestId, '{}')
			continue
		}
		if (await emitOutcome(env, row, outcome)) markHostedEmitted(sql, row.requestId, outcomeSummary(outcome))
	}
	purgeHosted(sql, now)
	return nextHostedWake(sql, Date.now())
}

/**
 * Inside the Business object: store the sealed outcome (first settlement wins) and, when it
 * is the first, hand it to its conversation and mark it emitted in the same call, so a
 * settlement is one call from the request handler instead of a round trip back
 * (docs/ARCHITECTURE.md "Hosted flows"). `emitted: false` leaves it to the alarm.
 */
export async function settleAndHandOver(
	sql: SqlStorage,
	env: Env,
	input: { requestId: string; sealed: string; outcome: HostedOutcome },
	now = Date.now(),
): Promise<{ first: boolean; emitted: boolean; request: HostedRequest } | null> {
	const settled = settleHostedRequest(sql, input.requestId, input.sealed, now)
	if (!settled?.first) return settled ? { ...settled, emitted: false } : null
	const emitted = await emitOutcome(env, settled.request, input.outcome)
	if (emitted) markHostedEmitted(sql, input.requestId, outcomeSummary(input.outcome))
	return { ...settled, emitted }
}
