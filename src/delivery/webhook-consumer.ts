/**
 * Queue consumer of the webhook doorbell (docs/ARCHITECTURE.md "Delivery"). Each body names
 * an event its conversation holds; the conversation delivers its own events in order and
 * keeps their state, so this consumer only rings each conversation of the batch, all at
 * once, and never waits long: a hung endpoint of one business holds its own conversations,
 * not the batch. It also feeds the businesses' conversation indexes from
 * `conversation.started`, one write per business per batch.
 */
import type { Env } from '../context'
import { conversationIndexStub } from '../business/directory'
import { errorText, log } from '../lib/log'
import { eventHolder } from './holders'
import { DeliverWebhookSchema, type DeliverWebhook } from './queue-messages'

/** How long the consumer waits for a conversation's delivery run before it lets go (the run goes on). */
export const RING_BUDGET_MS = 1_000

export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const jobs: { msg: Message<unknown>; job: DeliverWebhook }[] = []
	for (const msg of batch.messages) {
		const parsed = DeliverWebhookSchema.safeParse(msg.body)
		if (!parsed.success) {
			// Nothing can ever make this body valid; keep it visible in the logs and move on.
			log.error('webhook queue: invalid body dropped', { issue: parsed.error.issues[0]?.message ?? 'invalid' })
			msg.ack()
			continue
		}
		jobs.push({ msg, job: parsed.data })
	}
	await indexStartedConversations(
		jobs.map((j) => j.job),
		env,
	)
	// One ring per holder: a conversation, or the business's invitations object for
	// business-level events (conversationId null; delivery/holders.ts).
	const byHolder = new Map<string, { msg: Message<unknown>; job: DeliverWebhook }[]>()
	for (const j of jobs) {
		const key = j.job.conversationId ?? `business:${j.job.businessId}`
		byHolder.set(key, [...(byHolder.get(key) ?? []), j])
	}
	await Promise.all([...byHolder].map(([key, group]) => ring(env, key, group)))
}

async function ring(env: Env, conversationId: string, group: { msg: Message<unknown>; job: DeliverWebhook }[]): Promise<void> {
	const stub = eventHolder(env, group[0]!.job)
	if (!stub) {
		for (const { msg } of group) msg.ack()
		return
	}
	try {
		// The conversation owns the events: once it has the doorbell it delivers, retries and
		// dead-letters them itself, and its alarm covers a run cut short.
		const run = stub.deliver(group.map((j) => j.job.eventId))
		// Past the budget the run goes on in its object; its later failure is the object's to log.
		run.catch(() => {})
		let timer = 0
		await Promise.race([run, new Promise((resolve) => (timer = setTimeout(resolve, RING_BUDGET_MS) as unknown as number))])
		clearTimeout(timer)
		for (const { msg } of group) msg.ack()
	} catch (err) {
		log.warn('conversation did not take the doorbell; retrying', { conversationId, error: errorText(err) })
		for (const { msg } of group) msg.retry({ delaySeconds: 5 })
	}
}

/**
 * The business's conversation index is fed from `conversation.started`, one write per
 * business per batch, instead of one per new conversation on the inbound path. Upserts, so
 * retries are harmless; a failure only delays the listing (the conversation notes itself
 * when it delivers without the queue).
 */
async function indexStartedConversations(jobs: DeliverWebhook[], env: Env): Promise<void> {
	const byBusiness = new Map<string, { conversationId: string; customerId: string; at: string }[]>()
	for (const job of jobs) {
		if (job.eventType !== 'conversation.started' || !job.event || !job.conversationId) continue
		const customerId = job.event.data.customerId
		if (typeof customerId !== 'string') continue
		byBusiness.set(job.businessId, [...(byBusiness.get(job.businessId) ?? []), { conversationId: job.conversationId, customerId, at: job.event.timestamp }])
	}
	await Promise.all(
		[...byBusiness].map(([businessId, rows]) =>
			conversationIndexStub(env, businessId)
				.noteConversations(rows)
				.catch((err: unknown) => log.error('conversation index update failed', { businessId, error: errorText(err) })),
		),
	)
}

/**
 * Dead-letter queue consumer: doorbells whose handler kept failing land here. The events
 * are safe in their conversations either way; ring once more so they go now.
 */
export async function handleDeadLetterBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	for (const msg of batch.messages) {
		const parsed = DeliverWebhookSchema.safeParse(msg.body)
		const stub = parsed.success ? eventHolder(env, parsed.data) : null
		if (!stub) {
			log.error('dead-letter queue: body without a conversation dropped')
			msg.ack()
			continue
		}
		try {
			await stub.deliver()
			msg.ack()
		} catch (err) {
			log.error('dead-letter doorbell failed', { error: errorText(err) })
			msg.retry({ delaySeconds: 60 })
		}
	}
}
