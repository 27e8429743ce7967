/**
 * Settle a hosted request from a request handler: store the sealed outcome in the Business
 * object (first settlement wins), then hand it to the conversation at once; the alarm
 * retries a hand-over that failed (outcome.ts, store.ts).
 */
import { businessStub } from '../business/directory'
import type { Config, Env } from '../context'
import { emitOutcome, openOutcome, outcomeSummary, sealOutcome, type HostedOutcome } from './outcome'

/** Returns the outcome that counts: ours, or the one settled before (a race or a replay). */
export async function settleAndEmit(env: Env, config: Config, businessId: string, outcome: HostedOutcome): Promise<HostedOutcome> {
	const stub = businessStub(env, businessId)
	const settled = await stub.settleHostedRequest(outcome.requestId, await sealOutcome(config.DATA_ENCRYPTION_KEY, outcome))
	if (!settled) return outcome
	if (!settled.first) return (await openOutcome(config.DATA_ENCRYPTION_KEY, settled.request).catch(() => null)) ?? outcome
	if (await emitOutcome(env, settled.request, outcome)) {
		await stub.markHostedEmitted(outcome.requestId, outcomeSummary(outcome))
	}
	return outcome
}
