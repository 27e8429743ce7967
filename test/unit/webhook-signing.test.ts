import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { nextDeliveryAt, parseRetryAfter, RETRY_SCHEDULE_SECONDS, RETRY_WINDOW_MS } from '../../src/delivery/backoff'
import { newWebhookSecret, signPayload, webhookHeaders } from '../../src/delivery/sign'

describe('Standard Webhooks signing', () => {
	it('produces signatures the reference library verifies', async () => {
		const secret = newWebhookSecret()
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
		const body = JSON.stringify({ type: 'message.received', data: { text: 'hi 👋' } })
		const ts = Math.floor(Date.now() / 1000)
		const headers = await webhookHeaders([secret], 'msg_abc', ts, body)
		expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
	})
	it('matches the reference signer byte for byte', async () => {
		const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
		const at = new Date(1_700_000_000_000)
		expect(await signPayload(secret, 'msg_1', 1_700_000_000, '{"a":1}')).toBe(new Webhook(secret).sign('msg_1', at, '{"a":1}'))
	})
	it('signs with every active secret during rotation; each alone verifies', async () => {
		const [a, b] = [newWebhookSecret(), newWebhookSecret()]
		const body = '{"x":1}'
		const headers = await webhookHeaders([a, b], 'msg_r', Math.floor(Date.now() / 1000), body)
		expect(headers['webhook-signature']!.split(' ')).toHaveLength(2)
		expect(new Webhook(a).verify(body, headers)).toEqual({ x: 1 })
		expect(new Webhook(b).verify(body, headers)).toEqual({ x: 1 })
		expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow()
	})
	it('a tampered body fails verification', async () => {
		const secret = newWebhookSecret()
		const headers = await webhookHeaders([secret], 'msg_t', Math.floor(Date.now() / 1000), '{"x":1}')
		expect(() => new Webhook(secret).verify('{"x":2}', headers)).toThrow()
	})
})

describe('retry schedule', () => {
	const t0 = Date.parse('2026-01-01T00:00:00Z')
	it('follows the schedule with ±20 % jitter and ends', () => {
		RETRY_SCHEDULE_SECONDS.forEach((base, i) => {
			expect(nextDeliveryAt(i + 1, t0, t0, null, () => 0)).toBe(t0 + Math.max(1000, Math.round(base * 800)))
			expect(nextDeliveryAt(i + 1, t0, t0, null, () => 1)).toBe(t0 + Math.round(base * 1200))
		})
		expect(nextDeliveryAt(RETRY_SCHEDULE_SECONDS.length + 1, t0, t0, null)).toBeNull()
		expect(RETRY_WINDOW_MS / 3_600_000).toBeGreaterThan(70) // ~75 h like the Standard Webhooks example
	})
	it('counts the window from the event, so events that waited behind a failing one do not start over', () => {
		// An event created 76 h ago that failed its first attempt is dead-lettered, not rescheduled.
		expect(nextDeliveryAt(1, t0, t0 + RETRY_WINDOW_MS + 1, null)).toBeNull()
		expect(nextDeliveryAt(1, t0, t0 + RETRY_WINDOW_MS - 60_000, null, () => 0.5)).toBe(t0 + RETRY_WINDOW_MS - 60_000 + 5000)
	})
	it('honours Retry-After when longer, within a day', () => {
		expect(nextDeliveryAt(1, t0, t0, 120, () => 0.5)).toBe(t0 + 120_000)
		expect(nextDeliveryAt(1, t0, t0, 999_999, () => 0.5)).toBe(t0 + 86_400_000)
		expect(parseRetryAfter('30')).toBe(30)
		expect(parseRetryAfter(new Date(Date.now() + 90_000).toUTCString())).toBeGreaterThanOrEqual(89)
		expect(parseRetryAfter('soon')).toBeNull()
	})
})
