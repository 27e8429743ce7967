/**
 * Hourly Cron Trigger (docs/ARCHITECTURE.md "Cron"). Every task here is idempotent: cron may
 * fire twice. Conversations wake themselves by alarm; the cron also re-drives every
 * conversation on the watchlist (work waiting on a retry), in case an alarm went missing.
 */
import { getConfig, type Env } from '../context'
import { purgeExpiredAttachments } from '../attachments/purge'
import { log } from '../lib/log'
import { redriveWatched } from './redrive'
import { refreshOutboundToken } from '../lib/outbound-token'
import { purgeExpiredPreviews } from '../links/preview-cache'

export type CronTask = (env: Env, scheduledTime: number) => Promise<unknown>

export const cronTasks: CronTask[] = [
	// Re-mint the MSP → Apple token early so none older than an hour is ever used (docs/apple-protocol.md §2.4).
	async (env) => refreshOutboundToken(getConfig(env)),
	// Staged attachments past their retention; pinned ones (a send in flight) are kept.
	async (env, t) => purgeExpiredAttachments(env, t),
	// Rich-link previews past their cache lifetime.
	async (env, t) => purgeExpiredPreviews(env.ATTACHMENTS, t),
	// Conversations with a retry pending: their due work runs now whatever their alarm did.
	async (env) => redriveWatched(env),
]

export async function runCron(controller: ScheduledController, env: Env): Promise<void> {
	getConfig(env) // fail loudly on a broken configuration, as requests do
	const results = await Promise.allSettled(cronTasks.map((t) => t(env, controller.scheduledTime)))
	const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
	for (const f of failed) log.error('cron task failed', { error: String(f.reason) })
	if (failed.length > 0) throw new Error(`${failed.length} cron task(s) failed`)
}
