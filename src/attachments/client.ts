/**
 * The MMCS client for one business, configured from the Worker's environment: the gateway
 * from APPLE_GATEWAY_URL, the cached MSP → Apple token (lib/outbound-token.ts), and plain-http
 * blob URLs only in development (the simulator; docs/product.md "Configuration").
 */
import { MmcsClient } from '../apple/mmcs'
import { getConfig, type Env } from '../context'
import { outboundToken } from '../lib/outbound-token'

export function mmcsClientFor(env: Env, businessId: string, opts: { fetch?: typeof fetch } = {}): MmcsClient {
	const config = getConfig(env)
	return new MmcsClient({
		gatewayUrl: config.APPLE_GATEWAY_URL,
		token: () => outboundToken(config),
		businessId,
		allowHttp: config.ENVIRONMENT === 'development',
		...(opts.fetch ? { fetch: opts.fetch } : {}),
	})
}
