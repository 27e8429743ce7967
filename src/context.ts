/**
 * The Worker's environment: bindings (typed by `wrangler types` into
 * worker-configuration.d.ts) and the zod schema of vars and secrets, parsed once per
 * isolate. A missing or malformed secret fails closed: the first request that needs the
 * config gets a 500 `misconfigured`, never a skipped check (docs/product.md "Configuration").
 */
import { z } from 'zod'
import { misconfigured } from './lib/errors'
import { log } from './lib/log'

export type Env = Cloudflare.Env

const base64Secret = z
	.string()
	.min(1)
	.refine((s) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(s.trim()), 'must be base64')

export const ConfigSchema = z.object({
	MSP_ID: z.string().min(1),
	APPLE_API_SECRET: base64Secret,
	APPLE_API_SECRET_PREVIOUS: base64Secret.optional().or(z.literal('').transform(() => undefined)),
	APPLE_GATEWAY_URL: z.url().default('https://mspgw.push.apple.com'),
	APPLE_PAY_GATEWAY_URL: z.url().default('https://apple-pay-gateway.apple.com'),
	ADMIN_TOKEN: z.string().min(32, 'ADMIN_TOKEN must be at least 32 characters'),
	DATA_ENCRYPTION_KEY: base64Secret,
	ENVIRONMENT: z.enum(['production', 'development']).default('production'),
})

export type Config = z.infer<typeof ConfigSchema>

let cached: { env: object; config: Config } | undefined

/** Parse vars and secrets; cached per env object (one per isolate in production). */
export function getConfig(env: Env): Config {
	if (cached?.env === env) return cached.config
	const parsed = ConfigSchema.safeParse(env)
	if (!parsed.success) {
		// Name the offending settings, never their values (secrets must not reach logs).
		const names = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ')
		log.error('invalid configuration', { names })
		throw misconfigured(`server configuration is invalid: ${names}`)
	}
	cached = { env, config: parsed.data }
	return parsed.data
}

export type AppBindings = { Bindings: Env }
