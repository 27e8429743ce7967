/**
 * Queue consumer that delivers events to business webhooks (PRODUCT.md "Data flow" 2,
 * webhooks-security.md §7): Standard Webhooks signature, stable `webhook-id`, a timeout
 * per attempt, 2xx alone is success, 3xx/4xx/5xx/timeouts are retried on the backoff
 * schedule (Retry-After honoured), 410 disables the endpoint, and a delivery that runs out
 * of schedule is written as a dead letter the business can list and replay.
 * One try/catch per message: a bad message never acks or fails its neighbours.
 */
import { getConfig, type Env } from '../context'
import { businessStub, conversationIndexStub, loadBusiness } from '../business/directory'
import { chooseRoute } from '../business/routing'
import { activeWebhookSecrets } from '../business/webhook-secrets'
import { safeFetch } from '../lib/safe-fetch'
import { UnsafeUrlError } from '../lib/safe-url'
import { nextDelaySeconds, parseRetryAfter } from './backoff'
import { DeliverWebhookSchema, type DeliverWebhook, type WebhookEvent } from './queue-messages'
import { webhookHeaders } from './sign'

export const ATTEMPT_TIMEOUT_MS = 15_000

type Outcome =
	| { kind: 'delivered' }
	| { kind: 'retry'; status: number | null; error: string; retryAfter: number | null }
	| { kind: 'dead'; status: number | null; error: string; url: string; disable?: boolean }
	| { kind: 'drop'; reason: string }

export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	await indexStartedConversations(batch, env)
	for (const msg of batch.messages) {
		const parsed = DeliverWebhookSchema.safeParse(msg.body)
		if (!parsed.success) {
			// Nothing can ever make this body valid; keep it visible in the logs and move on.
			console.error('webhook queue: invalid body dropped', parsed.error.issues.slice(0, 3))
			msg.ack()
			continue
		}
		const job = parsed.data
		let outcome: Outcome
		try {
			outcome = await deliver(env, job)
		} catch (err) {
			outcome = { kind: 'retry', status: null, error: errorText(err), retryAfter: null }
		}
		await settle(env, msg, job, outcome)
	}
}

/**
 * The business's conversation index is fed from `conversation.started` events, one write per
 * business per batch, instead of one per new conversation on the inbound path (a burst of new
 * conversations would otherwise queue on one object). Upserts, so retries and replays are
 * harmless; a failure only delays the listing, never the delivery.
 */
async function indexStartedConversations(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const byBusiness = new Map<string, { conversationId: string; customerId: string; at: string }[]>()
	for (const msg of batch.messages) {
		const job = DeliverWebhookSchema.safeParse(msg.body)
		if (!job.success || job.data.eventType !== 'conversation.started' || !job.data.event || !job.data.conversationId) continue
		const customerId = job.data.event.data.customerId
		if (typeof customerId !== 'string') continue
		const rows = byBusiness.get(job.data.businessId) ?? []
		rows.push({ conversationId: job.data.conversationId, customerId, at: job.data.event.timestamp })
		byBusiness.set(job.data.businessId, rows)
	}
	await Promise.all(
		[...byBusiness].map(([businessId, rows]) =>
			conversationIndexStub(env, businessId)
				.noteConversations(rows)
				.catch((err: unknown) => console.error('conversation index update failed', String(err))),
		),
	)
}

async function settle(env: Env, msg: Message<unknown>, job: DeliverWebhook, outcome: Outcome): Promise<void> {
	switch (outcome.kind) {
		case 'delivered':
			msg.ack()
			return
		case 'drop':
			console.warn(`webhook ${job.eventId} dropped: ${outcome.reason}`)
			msg.ack()
			return
		case 'retry': {
			const delay = nextDelaySeconds(msg.attempts, outcome.retryAfter)
			if (delay !== null) {
				msg.retry({ delaySeconds: delay })
				return
			}
			const business = await loadBusiness(env, job.businessId)
			const url = business ? chooseRoute(business.settings, job.route).webhookUrl : ''
			await recordDeadLetter(env, job, msg.attempts, outcome.status, outcome.error, url)
			msg.ack()
			return
		}
		case 'dead':
			if (outcome.disable) await businessStub(env, job.businessId).disableEndpoint(outcome.url)
			await recordDeadLetter(env, job, msg.attempts, outcome.status, outcome.error, outcome.url)
			msg.ack()
			return
	}
}

export async function recordDeadLetter(
	env: Env,
	job: DeliverWebhook,
	attempts: number,
	status: number | null,
	error: string,
	url: string,
): Promise<void> {
	await businessStub(env, job.businessId).addDeadLetter({
		id: job.eventId,
		eventType: job.eventType,
		conversationId: job.conversationId,
		webhookUrl: url,
		attempts,
		lastStatus: status,
		lastError: error.slice(0, 500),
		queueBody: { ...job, replay: undefined },
	})
}

async function deliver(env: Env, job: DeliverWebhook): Promise<Outcome> {
	const config = getConfig(env)
	const business = await loadBusiness(env, job.businessId)
	if (!business) return { kind: 'drop', reason: 'business no longer exists' }
	const { webhookUrl: url } = chooseRoute(business.settings, job.route)
	if (business.disabledEndpoints.includes(url)) {
		return { kind: 'dead', status: null, error: 'endpoint disabled after 410 Gone', url }
	}
	const event = job.event ?? (await eventByReference(env, job))
	if (!event) return { kind: 'drop', reason: 'event not found in its conversation' }

	const body = JSON.stringify(event)
	const secrets = await activeWebhookSecrets(config.DATA_ENCRYPTION_KEY, business)
	const headers = await webhookHeaders(secrets, job.eventId, Math.floor(Date.now() / 1000), body)
	let res: Response
	try {
		res = await safeFetch(url, {
			environment: config.ENVIRONMENT,
			timeoutMs: ATTEMPT_TIMEOUT_MS,
			maxResponseBytes: Number.MAX_SAFE_INTEGER,
			init: { method: 'POST', headers, body },
		})
	} catch (err) {
		if (err instanceof UnsafeUrlError) return { kind: 'dead', status: null, error: `endpoint refused: ${err.message}`, url }
		return { kind: 'retry', status: null, error: errorText(err), retryAfter: null }
	}
	// The response body is never read or shown (webhooks-security.md §7, OWASP API7 #2).
	await res.body?.cancel()
	if (res.status >= 200 && res.status < 300) return { kind: 'delivered' }
	if (res.status === 410) return { kind: 'dead', status: 410, error: 'endpoint answered 410 Gone; disabled', url, disable: true }
	return {
		kind: 'retry',
		status: res.status,
		error: `endpoint answered ${res.status}`,
		retryAfter: res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : null,
	}
}

async function eventByReference(env: Env, job: DeliverWebhook): Promise<WebhookEvent | null> {
	if (!job.conversationId) return null
	return env.CONVERSATION.get(env.CONVERSATION.idFromString(job.conversationId)).event(job.eventId)
}


const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err))

/**
 * Dead-letter queue consumer: deliveries whose handler kept throwing until the queue gave
 * up land here; they are recorded like any other dead letter so nothing is lost silently.
 */
export async function handleDeadLetterBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	for (const msg of batch.messages) {
		const parsed = DeliverWebhookSchema.safeParse(msg.body)
		if (!parsed.success) {
			console.error('dead-letter queue: invalid body dropped')
			msg.ack()
			continue
		}
		try {
			const business = await loadBusiness(env, parsed.data.businessId)
			const url = business ? chooseRoute(business.settings, parsed.data.route).webhookUrl : ''
			await recordDeadLetter(env, parsed.data, msg.attempts, null, 'queue retries exhausted', url)
			msg.ack()
		} catch (err) {
			console.error('dead-letter record failed', errorText(err))
			msg.retry({ delaySeconds: 60 })
		}
	}
}
