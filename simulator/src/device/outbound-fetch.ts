/**
 * Requests the simulated device makes to URLs the business gave it (OAuth redirect URI,
 * Apple Pay payment gateway). When the URL is on the MSP's origin and the MSP is bound as a
 * service, go through the binding so multi-Worker tests need no network.
 */
import type { SimEnv } from '../env'
import { simConfig } from '../env'

export async function deviceFetch(env: SimEnv, request: Request): Promise<Response> {
	const mspOrigin = new URL(simConfig(env).MSP_URL).origin
	if (env.MSP && new URL(request.url).origin === mspOrigin) return env.MSP.fetch(request)
	return fetch(request)
}
