/**
 * Time-picker times (docs/apple-interactive.md §5.3, docs/product.md "Protocol decisions"):
 * businesses give RFC 3339 with any offset; Apple gets UTC as `yyyy-MM-dd'T'HH:mm+0000`
 * (Apple's sample A-PY/10, COREZOID, WEBEX replies, CW-FORK). One WEBEX send example uses `Z`
 * and RingCentral sends other offsets ([U]); we always send `+0000` as Apple's sample does.
 * Apple's format has minute precision, which is why preflight rejects starts with seconds.
 */

// RFC 3339 §5.6 date-time; `t`/`z` in lower case and a space separator are allowed by its notes.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/** Epoch milliseconds of an RFC 3339 date-time, or null when it is not one (bad field values included). */
export function parseRfc3339(value: string): number | null {
	const m = RFC3339.exec(value)
	if (!m) return null
	const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
	if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null
	// Date.UTC rolls 31 February over into March; reject instead of guessing.
	if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null
	let offsetMinutes = 0
	if (!m[8]) {
		const oh = Number(m[10])
		const om = Number(m[11])
		if (oh > 23 || om > 59) return null
		offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om)
	}
	const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0
	const local = Date.UTC(year, month - 1, day, hour, minute, second, fraction)
	return local - offsetMinutes * 60_000
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Apple's outbound time-slot format: UTC, minute precision, `+0000`. */
export function toAppleTime(epochMs: number): string {
	const d = new Date(epochMs)
	return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` + `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}+0000`
}

/** RFC 3339 (any offset) → Apple's `yyyy-MM-dd'T'HH:mm+0000`; null when the input is not RFC 3339. */
export function rfc3339ToAppleTime(value: string): string | null {
	const ms = parseRfc3339(value)
	return ms === null ? null : toAppleTime(ms)
}

// Forms seen in Apple payloads (§5.3): `+0000` (Apple), `Z` (WEBEX), `+02:00` (RC), seconds optional.
const APPLE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(Z|[+-]\d{2}:?\d{2})$/

/** Epoch milliseconds of a time-slot `startTime` in any of the seen forms, or null. */
export function parseAppleTime(value: string): number | null {
	const m = APPLE_TIME.exec(value)
	if (!m) return null
	const zone = m[4] === 'Z' ? 'Z' : `${m[4]!.slice(0, 3)}:${m[4]!.slice(-2)}`
	return parseRfc3339(`${m[1]}T${m[2]}${m[3] ?? ':00'}${zone}`)
}
