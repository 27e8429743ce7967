/**
 * The hand-over of a hosted outcome to its conversation (outcome.ts): what the
 * Conversation object's recordHostedOutcome receives, and what stays stored afterwards.
 */
import { describe, expect, it } from 'vitest'
import type { Env } from '../../src/context'
import {
	emitOutcome,
	expiredOutcome,
	openOutcome,
	outcomeSummary,
	sealOutcome,
	type AuthenticateOutcome,
	type HostedOutcomeInput,
} from '../../src/hosted/outcome'
import type { HostedRequest } from '../../src/hosted/store'

const KEK = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
const CONVERSATION = 'a'.repeat(64)

function fakeEnv(record: (input: HostedOutcomeInput) => Promise<{ status: 'recorded' }>) {
	const stub = { recordHostedOutcome: record }
	return { CONVERSATION: { idFromString: (s: string) => s, get: () => stub } } as unknown as Env
}

const row = (over: Partial<HostedRequest> = {}): HostedRequest => ({
	requestId: 'req-1',
	kind: 'authenticate',
	conversationId: CONVERSATION,
	customerId: 'urn:mbid:c',
	nonce: 'n'.repeat(32),
	detailJson: JSON.stringify({ flow: 'legacy', returnToken: true, scope: [], redirectUri: null }),
	status: 'settled',
	outcomeJson: null,
	emitted: false,
	expiresAt: 0,
	createdAt: 0,
	settledAt: Date.UTC(2026, 0, 2, 3, 4, 5),
	...over,
})

const authenticated: AuthenticateOutcome = {
	kind: 'authenticate',
	requestId: 'req-1',
	flow: 'auth2',
	outcome: 'authenticated',
	reason: null,
	detail: null,
	externalUserId: 'user-1',
	accessToken: 'secret-access-token',
}

describe('hosted outcome hand-over', () => {
	it('gives the conversation kind, request id and outcome data once, with the settlement time', async () => {
		const calls: HostedOutcomeInput[] = []
		const ok = await emitOutcome(
			fakeEnv(async (i) => (calls.push(i), { status: 'recorded' })),
			row(),
			authenticated,
		)
		expect(ok).toBe(true)
		expect(calls).toEqual([
			{
				requestId: 'req-1',
				kind: 'authenticate',
				at: '2026-01-02T03:04:05.000Z',
				data: {
					kind: 'authenticate',
					requestId: 'req-1',
					flow: 'auth2',
					outcome: 'authenticated',
					reason: null,
					detail: null,
					externalUserId: 'user-1',
					accessToken: 'secret-access-token',
				},
			},
		])
	})

	it('a failed hand-over reports false (the alarm retries) instead of throwing', async () => {
		const ok = await emitOutcome(
			fakeEnv(async () => Promise.reject(new Error('down'))),
			row(),
			authenticated,
		)
		expect(ok).toBe(false)
	})

	it('the stored outcome is sealed until delivery; the summary kept afterwards has no token', async () => {
		const sealed = await sealOutcome(KEK, authenticated)
		expect(sealed).not.toContain('secret-access-token')
		expect(await openOutcome(KEK, row({ outcomeJson: sealed }))).toEqual(authenticated)
		const summary = outcomeSummary(authenticated)
		expect(summary).not.toContain('secret-access-token')
		expect(await openOutcome(KEK, row({ outcomeJson: summary }))).toMatchObject({ outcome: 'authenticated', externalUserId: 'user-1' })
		// Sealed to its request: another request id cannot open it.
		await expect(openOutcome(KEK, row({ requestId: 'req-2', outcomeJson: sealed }))).rejects.toThrow()
	})

	it('an expired request fails with reason expired, in its own flow', () => {
		expect(expiredOutcome(row())).toEqual({
			kind: 'authenticate',
			requestId: 'req-1',
			flow: 'legacy',
			outcome: 'failed',
			reason: 'expired',
			detail: null,
			externalUserId: null,
		})
		expect(expiredOutcome(row({ kind: 'applePay' }))).toMatchObject({ kind: 'applePay', outcome: 'failure', reason: 'expired' })
	})
})
