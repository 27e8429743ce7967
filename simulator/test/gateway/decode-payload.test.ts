import { describe, expect, it } from 'vitest'
import { aesCtrOneShot, formatAttachmentKey, newAttachmentKey } from '../../src/lib/platform-primitives'
import { encodeIdrPayload } from '../../src/mmcs/idr-payload'
import { listPicker } from '../helpers/fixtures'
import { BUSINESS_ID, expectRejected, fetchSim, mspToken, state } from '../helpers/gateway'

async function decode(body: Uint8Array, headers: Record<string, string>) {
	return fetchSim('/v1/decodePayload', {
		method: 'POST',
		headers: { authorization: `Bearer ${await mspToken()}`, 'source-id': BUSINESS_ID, accept: '*/*', ...headers },
		body,
	})
}

describe('POST /v1/decodePayload (docs/apple-interactive.md §3.2)', () => {
	it('turns the decrypted blob into the interactiveData JSON', async () => {
		const lp = listPicker()
		const res = await decode(await encodeIdrPayload(lp), { bid: lp.bid as string })
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual(lp)
	})

	it('wraps the answer in interactiveData when the switch says so', async () => {
		const lp = listPicker()
		await state().setSwitches({ decodePayloadWrapped: true })
		try {
			const res = await decode(await encodeIdrPayload(lp), { bid: lp.bid as string })
			expect(await res.json()).toEqual({ interactiveData: lp })
		} finally {
			await state().setSwitches({ decodePayloadWrapped: false })
		}
	})

	it('400 when the MSP posts the still-encrypted bytes', async () => {
		const lp = listPicker()
		const key = newAttachmentKey()
		formatAttachmentKey(key)
		const cipher = await aesCtrOneShot(key, await encodeIdrPayload(lp))
		await expectRejected(await decode(cipher, { bid: lp.bid as string }), 400, 'decode_payload_unrecognised')
	})

	it('400 when the bid header does not match', async () => {
		const lp = listPicker()
		await expectRejected(await decode(await encodeIdrPayload(lp), { bid: 'com.other' }), 400, 'decode_payload_bid')
	})

	it('400 without bid; 401 without token', async () => {
		const lp = listPicker()
		await expectRejected(await decode(await encodeIdrPayload(lp), {}), 400, 'header_missing')
		const res = await fetchSim('/v1/decodePayload', { method: 'POST', headers: { 'source-id': BUSINESS_ID, bid: 'x' }, body: 'x' })
		await expectRejected(res, 401, 'auth_missing')
	})
})
