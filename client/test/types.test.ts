/**
 * The public types narrow the way a business's code relies on (checked by tsc through
 * `npm run check`, and run here so a wrong shape also shows up as a failed test).
 */
import { describe, expectTypeOf, it } from 'vitest'
import {
	AmbClient,
	type BusinessMessage,
	type EventAttachment,
	type FormAnswer,
	type SendMessageBody,
	type TemplateInput,
	verifyWebhook,
	type WebhookEvent,
} from '../src/index.ts'

describe('types', () => {
	it('events narrow on type, then on kind', () => {
		const handle = (event: WebhookEvent) => {
			switch (event.type) {
				case 'message.received':
					expectTypeOf(event.data.text).toEqualTypeOf<string>()
					expectTypeOf(event.data.attachments).toEqualTypeOf<EventAttachment[]>()
					return
				case 'interactive.received':
					if (event.data.kind === 'listPicker') expectTypeOf(event.data.selected[0]!.id).toEqualTypeOf<string | null>()
					if (event.data.kind === 'form') expectTypeOf(event.data.pages[0]!.answers).toEqualTypeOf<FormAnswer[]>()
					if (event.data.kind === 'authenticate' && event.data.outcome === 'authenticated')
						expectTypeOf(event.data.externalUserId).toEqualTypeOf<string | null>()
					return
				case 'message.failed':
					expectTypeOf(event.data.reason).toEqualTypeOf<'apple_rejected' | 'retries_exhausted'>()
					return
				case 'conversation.started':
					expectTypeOf(event.data.capabilities).toEqualTypeOf<string[]>()
					return
			}
		}
		expectTypeOf(handle).parameter(0).toEqualTypeOf<WebhookEvent>()
	})

	it('messages are checked per type', () => {
		const ok: SendMessageBody = {
			customerId: 'c',
			message: { type: 'listPicker', title: 't', sections: [{ title: 's', items: [{ id: 'a', title: 'A' }] }], fallback: { type: 'text', text: 'A?' } },
		}
		expectTypeOf(ok.message).toEqualTypeOf<BusinessMessage>()
		// @ts-expect-error a quick reply has `prompt` and `items`, not `text`
		const wrong: BusinessMessage = { type: 'quickReply', text: 'x' }
		// @ts-expect-error templates hold rich types only
		const plain: TemplateInput = { name: 'n', message: { type: 'text', text: 'x' } }
		void wrong
		void plain
	})

	it('the README example compiles', () => {
		// The root README's "Client" section, as written there (compiled, not run).
		const example = async (AMB_API_KEY: string, file: File, customerId: string, secret: string, previousSecret: string, request: Request) => {
			const amb = new AmbClient({ baseUrl: 'https://msp.example.com', apiKey: AMB_API_KEY })
			const menu = await amb.uploadAttachment(file, { name: 'menu.pdf' })
			const sent = await amb.sendMessage({ customerId, message: { type: 'text', text: 'Our menu', attachments: [menu.id] } })
			for await (const m of amb.conversations.messages(sent.conversationId, { order: 'desc' })) console.log(m.sequence, m.direction, m.status)
			const event = await verifyWebhook([secret, previousSecret], request.headers, await request.text())
			if (event.type === 'message.received') console.log(event.data.customerId, event.data.text)
		}
		expectTypeOf(example).returns.toEqualTypeOf<Promise<void>>()
	})
})
