/**
 * Retry schedule for webhook deliveries: the Standard Webhooks example (5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; ~75 h in all) with ±20 % jitter
 * (webhooks-security.md §7). A Queue retry delay is capped at 12 h (workers-limits.md §3),
 * so the longer hops are split: the schedule below is the same total in hops ≤ 12 h.
 */
const HOUR = 3600
export const RETRY_SCHEDULE_SECONDS = [
	5, 5 * 60, 30 * 60, 2 * HOUR, 5 * HOUR, 10 * HOUR, 12 * HOUR, 2 * HOUR, 12 * HOUR, 8 * HOUR, 12 * HOUR, 12 * HOUR,
] as const
export const MAX_QUEUE_DELAY_SECONDS = 12 * HOUR

/**
 * Delay before attempt `attempts + 1`, or null when the schedule is spent.
 * `attempts` is the Queue's count for the message (1 on first delivery).
 */
export function nextDelaySeconds(attempts: number, retryAfterSeconds: number | null, random = Math.random): number | null {
	const base = RETRY_SCHEDULE_SECONDS[attempts - 1]
	if (base === undefined) return null
	const jittered = Math.round(base * (0.8 + 0.4 * random()))
	// Honour Retry-After (429/503) when it asks for longer, within the queue's cap.
	const wanted = retryAfterSeconds !== null ? Math.max(jittered, retryAfterSeconds) : jittered
	return Math.min(Math.max(1, wanted), MAX_QUEUE_DELAY_SECONDS)
}

/** `Retry-After` as seconds (delta or HTTP date), or null. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
	if (!value) return null
	if (/^\d+$/.test(value.trim())) return Number(value.trim())
	const at = Date.parse(value)
	return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000))
}
