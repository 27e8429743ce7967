/**
 * Replaying a dead letter (the API's `/v1/deliveries/{id}/replay` and the settings page):
 * the business marks it replayed and hands back where the event lives; its conversation (or
 * the business's invitations object) delivers it again with the same `webhook-id` and a fresh signature.
 */
import { businessStub } from '../business/directory'
import type { Env } from '../context'
import { eventHolder } from '../delivery/holders'
import { DeliverWebhookSchema } from '../delivery/queue-messages'

export type ReplayResult = 'replayed' | 'unknown' | 'gone'

export async function replayDeadLetter(env: Env, businessId: string, deliveryId: string): Promise<ReplayResult> {
	const body = await businessStub(env, businessId).takeForReplay(deliveryId)
	if (body === null) return 'unknown'
	const job = DeliverWebhookSchema.safeParse(body)
	const stub = job.success ? eventHolder(env, job.data) : null
	if (!job.success || !stub) return 'gone'
	return (await stub.replay(job.data.eventId)) ? 'replayed' : 'gone'
}
