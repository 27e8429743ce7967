/**
 * Invitations on the same durable footing as conversations: events dead-lettered and
 * replayed with the same webhook-id, retries re-driven by the hourly cron when the alarm is
 * lost, a send that succeeds after a failure forgets the failure, and a number that opts out
 * while an invitation to it waits on a retry is never sent to.
 */
import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../src/index'
import { WATCH_SHARDS, watchlistStub } from '../../src/conversation/watchlist-do'
import { invitationsStub, invitationsWatchKey } from '../../src/invitations/directory'
import { customerId, postApple } from '../helpers/apple'
import { FakeApple } from '../helpers/fake-apple'
import { adminFetch, businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
let apple: FakeApple
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	apple = new FakeApple(hooks)
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

const stub = () => invitationsStub(env, biz.businessId)
const invite = async (phoneNumber: string, referenceId?: string) => {
	const res = await businessFetch(biz.apiKey, '/v1/invitations', {
		method: 'POST',
		json: { phoneNumber, templateId: 'binaryChoice.engage.withImage', ...(referenceId ? { referenceId } : {}) },
	})
	expect(res.status).toBe(202)
	return (await res.json()) as { id: string; referenceId: string }
}
const row = (id: string) =>
	businessFetch(biz.apiKey, `/v1/invitations/${id}`).then((r) => r.json() as Promise<{ status: string; attempts: number; appleStatus: number | null }>)
const watched = async () => (await Promise.all(WATCH_SHARDS.map((s) => watchlistStub(env, s).list(1000)))).flat()
const untilAttempts = (id: string, n: number) =>
	vi.waitFor(
		async () => {
			if ((await row(id)).attempts < n) throw new Error('waiting')
		},
		{ timeout: 10_000, interval: 10 },
	)

describe('invitation events are delivered like every event', () => {
	it('a 410 endpoint dead-letters invitation.updated; the business replays it with the same webhook-id', async () => {
		const gone = await createBusiness({ webhookUrl: 'http://gone.localhost/hook' })
		hooks.on('http://gone.localhost/hook', () => new Response('gone', { status: 410 }))
		const res = await businessFetch(gone.apiKey, '/v1/invitations', {
			method: 'POST',
			json: { phoneNumber: '+15552220001', templateId: 'binaryChoice.engage.withImage' },
		})
		expect(res.status).toBe(202)
		let failed: { id: string; eventType: string; conversationId: string | null }[] = []
		await vi.waitFor(
			async () => {
				failed = ((await (await businessFetch(gone.apiKey, '/v1/deliveries/failed')).json()) as { data: typeof failed }).data
				if (failed.length < 2) throw new Error('waiting for dead letters')
			},
			{ timeout: 10_000, interval: 20 },
		)
		expect(failed.every((d) => d.eventType === 'invitation.updated' && d.conversationId === null)).toBe(true)
		// The business moves its endpoint; a replay goes out with the same webhook-id.
		await adminFetch(`/businesses/${gone.businessId}`, { method: 'PATCH', json: { webhookUrl: 'http://gone.localhost/hook2' } })
		hooks.on('http://gone.localhost/hook2', () => new Response('ok'))
		const replay = await businessFetch(gone.apiKey, `/v1/deliveries/${failed[0]!.id}/replay`, { method: 'POST' })
		expect(replay.status).toBe(202)
		await hooks.until((r) => r.some((x) => x.headers['webhook-id'] === failed[0]!.id))
		expect(await invitationsStub(env, gone.businessId).pendingEvents()).toBe(0)
	})
})

describe('retries', () => {
	it('a retry whose alarm was lost is re-driven by the hourly cron; success forgets the failure', async () => {
		apple.answer = () => new Response('busy', { status: 429, headers: { 'retry-after': '1' } })
		const { id } = await invite('+15552220002')
		await untilAttempts(id, 1)
		expect(await row(id)).toMatchObject({ status: 'submitting', appleStatus: 429 })
		await expect.poll(watched).toContain(invitationsWatchKey(biz.businessId))
		await runInDurableObject(stub(), async (_i, s) => {
			await s.storage.deleteAlarm()
			s.storage.sql.exec('UPDATE invitations SET next_attempt_at = 0')
		})
		apple.answer = () => new Response(null, { status: 200 })
		await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '0 * * * *' }), env, createExecutionContext())
		expect(apple.calls).toHaveLength(2)
		await hooks.until((r) => r.some((x) => x.json.type === 'invitation.updated' && x.json.data.invitationId === id && x.json.data.status === 'submitted'))
		const submitted = hooks.received.find((x) => x.json.data.invitationId === id && x.json.data.status === 'submitted')!
		expect(submitted.json.data.appleStatus).toBeUndefined()
		expect(await row(id)).toMatchObject({ status: 'submitted', appleStatus: null, attempts: 2 })
		await expect.poll(watched).not.toContain(invitationsWatchKey(biz.businessId))
	})

	it('a number that opts out while another invitation to it waits on a retry is never sent that one', async () => {
		const phone = '+15552220003'
		const first = await invite(phone, 'first')
		await hooks.until((r) => r.some((x) => x.json.data.invitationId === first.id && x.json.data.status === 'submitted'))
		apple.answer = () => new Response('down', { status: 503 })
		const second = await invite(phone, 'second')
		await untilAttempts(second.id, 1)
		// The customer declines the first: the number opts out; the second is not among the referenceIds.
		await postApple({ v: 1, id: crypto.randomUUID(), type: 'close', sourceId: customerId(), destinationId: biz.businessId, referenceIds: ['first'] })
		await hooks.until((r) => r.some((x) => x.json.data.invitationId === first.id && x.json.data.status === 'declined'))
		expect(await row(second.id)).toMatchObject({ status: 'submitting' })
		apple.answer = () => new Response(null, { status: 200 })
		await runInDurableObject(stub(), (_i, s) => s.storage.sql.exec('UPDATE invitations SET next_attempt_at = 0 WHERE id = ?', second.id))
		await runDurableObjectAlarm(stub())
		await hooks.until((r) => r.some((x) => x.json.data.invitationId === second.id && x.json.data.status === 'declined'))
		expect(hooks.received.find((x) => x.json.data.invitationId === second.id && x.json.data.status === 'declined')!.json.data.reason).toBe(
			'opted_out_before_send',
		)
		expect(apple.calls.filter((c) => c.headers['destination-id'] === `tel:${phone}`)).toHaveLength(2)
	})
})
