/**
 * When the conversation must wake up, derived from storage alone (docs/ARCHITECTURE.md
 * "Alarm"): the earliest due time among the heads of its three lines (events to deliver,
 * inbound messages to stage, sends to Apple). Only heads count, since each line moves in
 * order. The alarm that is set is remembered in the conversation row, so a write that
 * changes nothing earlier does not set it again; a remembered time that has passed is never
 * trusted (the runtime may have dropped it) and is set anew.
 */
import { readRow } from './schema'

/** How long a send or staging started with its write may take before the alarm looks at it. */
export const WATCHDOG_MS = 30_000

export interface Due {
	/** Earliest due time in ms, or null when nothing is pending. */
	at: number | null
	/** Some head is waiting on a retry: the hourly cron watches this conversation too. */
	retrying: boolean
}

export function earliestDue(sql: SqlStorage): Due {
	const heads = sql
		.exec<{ at: number | null; attempts: number | null; blocked: number | null }>(
			// A head never tried is being worked on right now (the pump or stager started with the
			// write); the alarm only watches it, WATCHDOG_MS later.
			`SELECT * FROM (SELECT next_attempt_at + CASE WHEN attempts = 0 THEN ${WATCHDOG_MS} ELSE 0 END AS at, attempts, 0 AS blocked FROM outbound ORDER BY seq LIMIT 1)
			 UNION ALL SELECT * FROM (SELECT next_attempt_at + CASE WHEN attempts = 0 THEN ${WATCHDOG_MS} ELSE 0 END, attempts, 0 FROM staging ORDER BY seq LIMIT 1)
			 UNION ALL SELECT * FROM (SELECT due_at, attempts, blocked FROM events WHERE state = 'pending' ORDER BY seq, rowid LIMIT 1)`,
		)
		.toArray()
	let at: number | null = null
	let retrying = false
	for (const h of heads) {
		// An event held for staging waits on the staging line, which has its own head.
		if (h.at === null || h.blocked === 1) continue
		at = at === null ? h.at : Math.min(at, h.at)
		if ((h.attempts ?? 0) > 0) retrying = true
	}
	return { at, retrying }
}

/** Inside `alarm()`, an alarm for "now" may be dropped by local workerd: never closer than this. */
export const MIN_ALARM_DELAY_MS = 1_000

/**
 * Set (or clear) the alarm to match storage. Synchronous writes only, so it commits with the
 * change that called it. Returns the due state for the caller's watch decision.
 */
export function syncAlarm(sql: SqlStorage, storage: DurableObjectStorage, now: number, inAlarm: boolean): Due {
	const due = earliestDue(sql)
	const stored = readRow(sql)?.alarm_at ?? null
	if (due.at === null) {
		if (stored !== null) {
			void storage.deleteAlarm()
			sql.exec('UPDATE conversation SET alarm_at = NULL WHERE id = 1')
		}
		return due
	}
	const at = inAlarm ? Math.max(due.at, now + MIN_ALARM_DELAY_MS) : Math.max(due.at, now)
	if (stored !== null && stored > now && stored <= at) return due
	// Not awaited: with no await in between, the alarm commits atomically with the rows.
	void storage.setAlarm(at)
	sql.exec('UPDATE conversation SET alarm_at = ? WHERE id = 1', at)
	return due
}

/**
 * After work was added whose earliest due time is `addedDue`: an alarm already stored for a
 * future time no later than that still covers everything (every earlier change synced it,
 * and new work only adds due times), so the common inbound write skips the head query.
 * Otherwise the full derivation. Never later than storage asks; at worst a wake-up finds
 * nothing due and re-arms.
 */
export function armFor(sql: SqlStorage, storage: DurableObjectStorage, storedAlarm: number | null, addedDue: number, now: number): void {
	if (storedAlarm !== null && storedAlarm > now && storedAlarm <= addedDue) return
	syncAlarm(sql, storage, now, false)
}
