// Wiring only: handlers by trigger, Durable Object classes re-exported for the runtime.
import { app } from './app'
import type { Env } from './context'
import { handleDeadLetterBatch, handleWebhookBatch } from './delivery/webhook-consumer'
import { runCron } from './scheduled/cron'

export { Business } from './business/business-do'
export { Conversation } from './conversation/conversation-do'
export { ConsoleHub } from './live/hub-do'
export { Watchlist } from './conversation/watchlist-do'
export { Invitations } from './invitations/invitations-do'

export default {
	fetch: app.fetch,
	async queue(batch, env, _ctx) {
		switch (batch.queue) {
			case 'amb-webhooks':
				return handleWebhookBatch(batch, env)
			case 'amb-webhooks-dlq':
				return handleDeadLetterBatch(batch, env)
			default:
				throw new Error(`unknown queue ${batch.queue}`)
		}
	},
	scheduled: (controller, env, _ctx) => runCron(controller, env),
} satisfies ExportedHandler<Env, unknown>
