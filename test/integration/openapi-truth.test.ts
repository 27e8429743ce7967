/**
 * The document tells the truth (docs/api.md): a real conversation's webhook events parse with
 * the schema the document gives their type, and real answers with their response schemas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConversationSchema, MessagePageSchema } from '../../src/conversation/api-schemas'
import { WEBHOOK_EVENTS } from '../../src/conversation/event-schemas'
import { PreviewSchema, SendResponseSchema } from '../../src/messaging/schemas'
import { TemplateSchema } from '../../src/templates/schemas'
import { customerId, postApple, textMessage } from '../helpers/apple'
import { FakeApple } from '../helpers/fake-apple'
import { businessFetch, createBusiness, type CreatedBusiness } from '../helpers/platform'
import { WebhookReceiver } from '../helpers/webhook-receiver'

let hooks: WebhookReceiver
let biz: CreatedBusiness
beforeEach(async () => {
	hooks = new WebhookReceiver().install().on('http://hooks.localhost')
	new FakeApple(hooks)
	biz = await createBusiness()
})
afterEach(() => hooks.restore())

const parsed = <T>(schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }, value: T) => {
	const result = schema.safeParse(value)
	expect(result.success, JSON.stringify(result.error)).toBe(true)
}

describe('the document matches what the platform does', () => {
	it('events, the send answer, the conversation, its history, a template and its preview', async () => {
		const c = customerId()
		expect(
			(
				await postApple(textMessage(biz.businessId, c, 'hello', { locale: 'en_US' }), {
					headers: { 'capability-list': 'LIST,TIME,QUICK', 'device-agent': 'iPhone OS' },
				})
			).status,
		).toBe(200)
		const send = await businessFetch(biz.apiKey, '/v1/messages', {
			method: 'POST',
			json: {
				customerId: c,
				message: {
					type: 'quickReply',
					prompt: 'Pick',
					items: [
						{ id: 'a', title: 'A' },
						{ id: 'b', title: 'B' },
					],
				},
			},
		})
		expect(send.status).toBe(202)
		const accepted = (await send.json()) as { conversationId: string }
		parsed(SendResponseSchema, accepted)
		await hooks.until(() => hooks.received.some((r) => r.json.type === 'message.sent'))
		const types = new Set<string>()
		for (const { json } of hooks.received) {
			const documented = WEBHOOK_EVENTS.find((e) => e.type === json.type)
			expect(documented, json.type).toBeTruthy()
			parsed(documented!.schema, json)
			types.add(json.type)
		}
		expect([...types].sort()).toEqual(['conversation.started', 'message.received', 'message.sent'])

		parsed(ConversationSchema, await (await businessFetch(biz.apiKey, `/v1/conversations/${accepted.conversationId}`)).json())
		parsed(MessagePageSchema, await (await businessFetch(biz.apiKey, `/v1/conversations/${accepted.conversationId}/messages`)).json())

		const template = await (
			await businessFetch(biz.apiKey, '/v1/templates', {
				method: 'POST',
				json: {
					name: 't',
					message: {
						type: 'quickReply',
						prompt: '{{q}}',
						items: [
							{ id: 'a', title: 'A' },
							{ id: 'b', title: 'B' },
						],
					},
				},
			})
		).json()
		parsed(TemplateSchema, template)
		const preview = await businessFetch(biz.apiKey, `/v1/templates/${(template as { id: string }).id}/preview`, {
			method: 'POST',
			json: { variables: { q: 'Pick?' } },
		})
		expect(preview.status).toBe(200)
		parsed(PreviewSchema, await preview.json())
	})
})
