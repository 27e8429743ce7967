/**
 * Sending invitations to Apple (docs/invitations.md "Sending"), on the same terms as the
 * conversation's send line: one call per attempt with a stable message id, 429/5xx/timeouts
 * retried at the stored time on the send schedule (conversation/outbound.ts), any other 4xx
 * final. Invitations go to different people, so one waiting on a retry does not hold the
 * others back. The alarm is derived from storage like a conversation's.
 */
import { sendToApple, type AppleSendResult } from '../apple/gateway-client'
import { NOTIFICATION_HEADERS } from '../apple/notification'
import { getConfig, type Env } from '../context'
import { WATCHDOG_MS, MIN_ALARM_DELAY_MS } from '../conversation/schedule'
import { nextSendAttemptAt } from '../conversation/outbound'
import { errorText, log } from '../lib/log'
import { outboundToken } from '../lib/outbound-token'
import { dueSend, isOptedOut, readMeta, scheduleRetry, transition } from './store'

export interface SendDeps {
	env: Env
	sql: SqlStorage
	transaction: <T>(fn: () => T) => T
}

/** Attempt the next due invitation. True when one was attempted (another may be due). */
export async function sendDue(deps: SendDeps, now = Date.now()): Promise<boolean> {
	const head = dueSend(deps.sql, now)
	if (!head) return false
	if (isOptedOut(deps.sql, head.phone)) {
		// The number opted out while this one waited on a retry: opt-outs are honoured forever.
		deps.transaction(() => transition(deps.sql, head.id, { status: 'declined', reason: 'opted_out_before_send' }))
		return true
	}
	const config = getConfig(deps.env)
	let result: AppleSendResult
	try {
		result = await sendToApple({
			gatewayUrl: config.APPLE_GATEWAY_URL,
			token: await outboundToken(config),
			body: head.body,
			headers: NOTIFICATION_HEADERS,
		})
	} catch (err) {
		result = { outcome: 'retryable', status: null, error: errorText(err), retryAfterSeconds: null }
	}
	const attempts = head.attempts + 1
	const retryAt = result.outcome === 'retryable' ? nextSendAttemptAt(attempts, result.retryAfterSeconds, Date.now()) : null
	deps.transaction(() => {
		if (result.outcome === 'accepted') transition(deps.sql, head.id, { status: 'submitted', attempts })
		else if (result.outcome === 'rejected')
			transition(deps.sql, head.id, { status: 'provider_rejected', attempts, appleStatus: result.status, appleBody: result.error, reason: 'apple_rejected' })
		else if (retryAt !== null) scheduleRetry(deps.sql, head.id, attempts, retryAt, result.status, result.error)
		else transition(deps.sql, head.id, { status: 'error', attempts, appleStatus: result.status, appleBody: result.error, reason: 'retries_exhausted' })
	})
	if (result.outcome !== 'accepted') {
		log.warn('invitation not accepted by Apple', {
			businessId: readMeta(deps.sql)?.business_id,
			invitationId: head.id,
			status: result.status,
			outcome: result.outcome,
		})
	}
	return true
}

export interface Due {
	at: number | null
	retrying: boolean
}

/** Earliest due work: the next send (first attempts only watched, as in a conversation) and the event head. */
export function earliestDue(sql: SqlStorage): Due {
	const heads = sql
		.exec<{ at: number | null; attempts: number | null }>(
			`SELECT * FROM (SELECT next_attempt_at + CASE WHEN attempts = 0 THEN ${WATCHDOG_MS} ELSE 0 END AS at, attempts FROM invitations
				WHERE next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1)
			 UNION ALL SELECT * FROM (SELECT due_at, attempts FROM events WHERE state = 'pending' ORDER BY seq, rowid LIMIT 1)`,
		)
		.toArray()
	let at: number | null = null
	let retrying = false
	for (const h of heads) {
		if (h.at === null) continue
		at = at === null ? h.at : Math.min(at, h.at)
		if ((h.attempts ?? 0) > 0) retrying = true
	}
	return { at, retrying }
}

/** Set or clear the alarm to match storage; synchronous, so it commits with the caller's change. */
export function syncAlarm(sql: SqlStorage, storage: DurableObjectStorage, now: number, inAlarm: boolean): Due {
	const due = earliestDue(sql)
	const meta = readMeta(sql)
	if (!meta) return due
	const stored = meta.alarm_at
	if (due.at === null) {
		if (stored !== null) {
			void storage.deleteAlarm()
			sql.exec('UPDATE meta SET alarm_at = NULL WHERE id = 1')
		}
		return due
	}
	const at = inAlarm ? Math.max(due.at, now + MIN_ALARM_DELAY_MS) : Math.max(due.at, now)
	if (stored !== null && stored > now && stored <= at) return due
	void storage.setAlarm(at)
	sql.exec('UPDATE meta SET alarm_at = ? WHERE id = 1', at)
	return due
}
