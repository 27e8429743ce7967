/**
 * Settle a hosted request from a request handler: one call to the Business object stores
 * the sealed outcome (first settlement wins), hands it to the conversation and marks it
 * emitted; the alarm retries a hand-over that failed (housekeeping.ts, store.ts).
 */
import { businessStub } from '../business/directory'
import type { Config, Env } from '../context'
import { openOutcome, sealOutcome, type HostedOutcome } from './outcome'

/** Returns the outcome that counts: ours, or the one settled before (a race or a replay). */
export async function settleAndEmit(env: Env, config: Config, businessId: string, outcome: HostedOutcome): Promise<HostedOutcome> {
	const sealed = await sealOutcome(config.DATA_ENCRYPTION_KEY, outcome)
	const settled = await businessStub(env, businessId).settleHostedRequest({ requestId: outcome.requestId, sealed, outcome })
	if (!settled || settled.first) return outcome
	return (await openOutcome(config.DATA_ENCRYPTION_KEY, settled.request).catch(() => null)) ?? outcome
}
