import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { createBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
beforeEach(() => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
})
afterEach(() => hooks.restore())

describe('customer text → business webhook', () => {
	it('delivers conversation.started then message.received, signed per Standard Webhooks', async () => {
		const biz = await createBusiness()
		const customer = customerId()
		const msg = textMessage(biz.businessId, customer, 'Hello 👋 — こんにちは', { locale: 'en_US', intent: 'billing', group: 'support' })
		const res = await postApple(msg)
		expect(res.status).toBe(200)

		const got = await hooks.until((r) => r.length >= 2)
		const wh = new Webhook(biz.webhookSecret)
		for (const r of got) {
			// Throws if the signature, id or timestamp does not verify.
			expect(wh.verify(r.body, r.headers)).toEqual(r.json)
		}
		const started = hooks.ofType('conversation.started')[0]!.json.data
		expect(started).toMatchObject({
			businessId: biz.businessId,
			customerId: customer,
			sequence: 1,
			intent: 'billing',
			group: 'support',
			locale: 'en_US',
			capabilities: ['LIST', 'TIME', 'QUICK', 'FORM', 'AUTH2'],
			device: 'iPhone OS',
			reopened: false,
		})
		const received = hooks.ofType('message.received')[0]!.json.data
		expect(received).toMatchObject({ text: 'Hello 👋 — こんにちは', messageId: msg.id, sequence: 1 })
		expect(received.conversationId).toBe(started.conversationId)
	})
})
