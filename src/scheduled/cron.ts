/**
 * Hourly Cron Trigger (PRODUCT.md "Data flow" 5). Every task here is idempotent: cron may
 * fire twice. Conversations re-drive their own outboxes by alarm, so nothing needs a
 * global scan here.
 */
import { getConfig, type Env } from '../context'

export type CronTask = (env: Env, scheduledTime: number) => Promise<void>

export const cronTasks: CronTask[] = []

export async function runCron(controller: ScheduledController, env: Env): Promise<void> {
	getConfig(env) // fail loudly on a broken configuration, as requests do
	const results = await Promise.allSettled(cronTasks.map((t) => t(env, controller.scheduledTime)))
	const failed = results.filter((r) => r.status === 'rejected')
	if (failed.length > 0) throw new Error(`${failed.length} cron task(s) failed`)
}
