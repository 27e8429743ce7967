/** GatewayLookups backed by the state object. */
import type { SimEnv } from '../env'
import { simState } from '../env'
import type { GatewayLookups } from './lookups'

export function stateLookups(env: SimEnv): GatewayLookups {
	const state = simState(env)
	return {
		findBlob: (url) => state.findBlob(url),
		getDataRef: (url) => state.getDataRef(url),
		getMerchantSession: (id) => state.getMerchantSession(id),
		nowMs: () => Date.now(),
	}
}
