/**
 * Retry schedule for webhook deliveries: the Standard Webhooks example (5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; ~75 h in all) with ±20 % jitter
 * (docs/webhooks.md "Retries"). The conversation keeps the schedule in its own storage and
 * wakes itself by alarm, so no hop is bounded by a queue's delay cap.
 */
const HOUR = 3600
export const RETRY_SCHEDULE_SECONDS = [5, 5 * 60, 30 * 60, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR] as const
/** The whole schedule: an event older than this gets one last attempt, then it is dead-lettered. */
export const RETRY_WINDOW_MS = RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0) * 1000

/**
 * When to attempt an event again after `attempts` failed attempts, or null when it is time
 * to give up. The window runs from the event's creation, not from its first attempt: events
 * that waited behind a failing one (a conversation delivers in order) do not each start a
 * fresh 75 h schedule once the one ahead of them is dead-lettered.
 */
export function nextDeliveryAt(attempts: number, createdAtMs: number, now: number, retryAfterSeconds: number | null, random = Math.random): number | null {
	const base = RETRY_SCHEDULE_SECONDS[attempts - 1]
	if (base === undefined || now - createdAtMs >= RETRY_WINDOW_MS) return null
	const jittered = Math.round(base * 1000 * (0.8 + 0.4 * random()))
	// Honour Retry-After (429/503) when it asks for longer, within a day.
	const wanted = retryAfterSeconds !== null ? Math.max(jittered, Math.min(retryAfterSeconds, 24 * HOUR) * 1000) : jittered
	return now + Math.max(1000, wanted)
}

/** `Retry-After` as seconds (delta or HTTP date), or null. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
	if (!value) return null
	if (/^\d+$/.test(value.trim())) return Number(value.trim())
	const at = Date.parse(value)
	return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000))
}
