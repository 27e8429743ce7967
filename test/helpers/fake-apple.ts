/**
 * Apple's gateway for platform tests: `http://apple.test` (APPLE_GATEWAY_URL in
 * vitest.config.ts), answered through the same fetch interception as webhook receivers.
 * Records every request with its headers and parsed body; the answer is programmable.
 */
import type { WebhookReceiver } from './webhook-receiver'

export interface AppleCall {
	headers: Record<string, string>
	body: Record<string, unknown>
}

export class FakeApple {
	readonly calls: AppleCall[] = []
	answer: (call: AppleCall) => Response = () => new Response(null, { status: 200 })

	constructor(hooks: WebhookReceiver) {
		hooks.on(
			'http://apple.test/v1/message',
			(req, text) => {
				const call = { headers: Object.fromEntries(req.headers), body: JSON.parse(text) as Record<string, unknown> }
				this.calls.push(call)
				return this.answer(call)
			},
			false,
		)
	}
}
