/**
 * `POST /v1/decodePayload` (docs/apple-interactive.md §3.2 step 4, docs/apple-protocol.md §4.8): JWT,
 * `source-id`, `bid`; body = the interactiveDataRef blob exactly as decrypted → the
 * interactive JSON. The answer's root is the interactiveData dictionary (SPASIU/TOCK); the
 * `decodePayloadWrapped` switch answers `{interactiveData: …}` instead (PYX1), so the MSP can
 * be tested against both shapes the spec records.
 */
import { Hono } from 'hono'
import type { SimBindings } from '../env'
import { simConfig, simState } from '../env'
import { readCapped } from '../lib/read-capped'
import { reject, RejectionError } from '../lib/rejection'
import { decodeIdrPayload } from '../mmcs/idr-payload'
import { checkMspToken } from './jwt-check'
import { respondRejected } from './request-log'

export const DECODE_PAYLOAD_MAX_BYTES = 10 * 1024 * 1024

export const decodePayloadRoutes = new Hono<SimBindings>()

decodePayloadRoutes.post('/decodePayload', async (c) => {
	const config = simConfig(c.env)
	const denied = await checkMspToken(c.req.header('authorization'), { mspId: config.MSP_ID, secret: config.APPLE_API_SECRET })
	if (denied) return respondRejected(c, denied, null)
	const sourceId = c.req.header('source-id')
	const bid = c.req.header('bid')
	if (!sourceId) return respondRejected(c, reject(400, 'header_missing', 'header source-id is required'), null)
	if (!bid) return respondRejected(c, reject(400, 'header_missing', 'header bid (the interactiveDataRef bid) is required'), null)
	let bytes: Uint8Array
	try {
		bytes = await readCapped(c.req.raw, DECODE_PAYLOAD_MAX_BYTES)
	} catch (err) {
		if (err instanceof RejectionError) return respondRejected(c, err.rejection, null)
		throw err
	}
	const decoded = await decodeIdrPayload(bytes)
	if (!decoded) {
		return respondRejected(
			c,
			reject(
				400,
				'decode_payload_unrecognised',
				'body is not an interactiveDataRef payload: post the blob decrypted (AES-256-CTR with the ref key) and otherwise untouched',
			),
			null,
		)
	}
	if (decoded.bid !== bid) {
		return respondRejected(c, reject(400, 'decode_payload_bid', `bid header ${bid} does not match the payload's bid`), null)
	}
	const { decodePayloadWrapped } = await simState(c.env).getSwitches()
	return c.json(decodePayloadWrapped ? { interactiveData: decoded } : decoded)
})
