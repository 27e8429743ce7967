/**
 * Posts customer events to the MSP exactly as Apple does (docs/apple-protocol.md §1.3, §1.4,
 * §2.3, §3): `POST ${MSP_URL}/message`, `Authorization: Bearer` HS256 JWT with `aud` = MSP ID
 * and `iat`, gzip-compressed JSON with `Content-Encoding: gzip`, headers `id`, `source-id`
 * (the customer), `destination-id` (the business), `capability-list`, `device-agent`.
 * Apple waits 30 s for an answer (§1.3).
 */
import { SignJWT } from 'jose'
import type { SimEnv } from '../env'
import { simConfig } from '../env'
import { simulatorHmacKey } from '../gateway/jwt-check'
import { gzip } from '../lib/bytes'
import type { DeviceProfile } from './devices'

export const APPLE_TIMEOUT_MS = 30_000

export interface MspResult {
	status: number
	body: string
}

export async function appleToken(env: SimEnv, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
	const config = simConfig(env)
	return new SignJWT({})
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.setAudience(config.MSP_ID)
		.setIssuedAt(nowSeconds)
		.sign(await simulatorHmacKey(config.APPLE_API_SECRET))
}

/** What the device tells the MSP about itself with every message (§3, §6.1). */
export function deviceHeaders(device: DeviceProfile): { 'capability-list': string; 'device-agent': string } {
	return { 'capability-list': device.capabilities.join(','), 'device-agent': device.deviceAgent }
}

export async function postToMsp(env: SimEnv, body: Record<string, unknown>, device: DeviceProfile): Promise<MspResult> {
	const config = simConfig(env)
	const request = new Request(`${config.MSP_URL}/message`, {
		method: 'POST',
		headers: {
			authorization: `Bearer ${await appleToken(env)}`,
			'content-type': 'application/json',
			'content-encoding': 'gzip',
			id: String(body.id),
			'source-id': String(body.sourceId),
			'destination-id': String(body.destinationId),
			...deviceHeaders(device),
		},
		body: await gzip(JSON.stringify(body)),
		signal: AbortSignal.timeout(APPLE_TIMEOUT_MS),
	})
	try {
		const res = await (env.MSP ? env.MSP.fetch(request) : fetch(request))
		return { status: res.status, body: await res.text() }
	} catch (err) {
		// Unreachable MSP: what Apple would see as a failed delivery ("Not Delivered", §1.3).
		return { status: 0, body: `MSP unreachable: ${err instanceof Error ? err.message : String(err)}` }
	}
}
