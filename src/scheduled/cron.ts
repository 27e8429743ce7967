/**
 * Hourly Cron Trigger (PRODUCT.md "Data flow" 5). Every task here is idempotent: cron may
 * fire twice. Conversations re-drive their own outboxes and sends by alarm, so nothing here
 * needs a global scan of conversations.
 */
import { getConfig, type Env } from '../context'
import { purgeExpiredAttachments } from '../attachments/purge'
import { refreshOutboundToken } from '../lib/outbound-token'
import { purgeExpiredPreviews } from '../links/preview-cache'

export type CronTask = (env: Env, scheduledTime: number) => Promise<unknown>

export const cronTasks: CronTask[] = [
	// Re-mint the MSP → Apple token early so none older than an hour is ever used (core §2.4).
	async (env) => refreshOutboundToken(getConfig(env)),
	// Staged attachments past their retention; pinned ones (a send in flight) are kept.
	async (env, t) => purgeExpiredAttachments(env, t),
	// Rich-link previews past their cache lifetime.
	async (env, t) => purgeExpiredPreviews(env.ATTACHMENTS, t),
]

export async function runCron(controller: ScheduledController, env: Env): Promise<void> {
	getConfig(env) // fail loudly on a broken configuration, as requests do
	const results = await Promise.allSettled(cronTasks.map((t) => t(env, controller.scheduledTime)))
	const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
	for (const f of failed) console.error('cron task failed', String(f.reason))
	if (failed.length > 0) throw new Error(`${failed.length} cron task(s) failed`)
}
