/**
 * Preflight's second level for the business API: what Apple accepts but the customer suffers
 * from (apple/outbound/preflight.ts preflightWarnings), with paths into the request body
 * (`message.slots.0.start`), as the send answer, `message.sent` and the template preview carry them.
 */
import { type BusinessMessage, type ContentMessage, preflightWarnings } from '../apple/outbound'
import type { SendWarning } from '../conversation/outbound'

/** `slots[0].start` → `message.slots.0.start`. */
export const bodyPath = (path: string) => `message.${path.replace(/\[(\d+)\]/g, '.$1')}`.replace(/\.$/, '')

export function sendWarnings(message: BusinessMessage | ContentMessage, now: number): SendWarning[] {
	return preflightWarnings(message, { now }).map((w) => ({ path: bodyPath(w.path), code: w.code, message: w.message }))
}
