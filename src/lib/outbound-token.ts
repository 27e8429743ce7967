/**
 * The MSP → Apple bearer token (docs/apple-protocol.md §2.3–2.4). Minted with jose and
 * reused while fresh; re-minted on demand once older than REFRESH_AFTER_S (~50 min) and by
 * the hourly cron, so no token older than an hour ever leaves the Worker. Each isolate keeps
 * its own; minting is one HMAC, so isolates never need to share one.
 */
import { mintMspToken } from '../apple/jwt'
import type { Config } from '../context'

export const REFRESH_AFTER_S = 50 * 60
/** The cron re-mints only tokens older than this, so firing twice in a row is a no-op. */
export const CRON_REFRESH_AFTER_S = 10 * 60

let current: { token: string; iat: number; secret: string; mspId: string } | null = null

const nowS = () => Math.floor(Date.now() / 1000)

export async function outboundToken(config: Config, maxAgeS = REFRESH_AFTER_S): Promise<string> {
	const now = nowS()
	if (current && current.secret === config.APPLE_API_SECRET && current.mspId === config.MSP_ID && now - current.iat < maxAgeS && current.iat <= now) {
		return current.token
	}
	const token = await mintMspToken(config.MSP_ID, config.APPLE_API_SECRET, now)
	current = { token, iat: now, secret: config.APPLE_API_SECRET, mspId: config.MSP_ID }
	return token
}

/** Cron task: refresh early; idempotent when it fires twice. Returns the token's iat. */
export async function refreshOutboundToken(config: Config): Promise<number> {
	await outboundToken(config, CRON_REFRESH_AFTER_S)
	return current!.iat
}

/** For tests: the iat of the cached token, or null. */
export const cachedTokenIat = () => current?.iat ?? null
