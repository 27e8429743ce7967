/**
 * The simulator's bindings, hand-written rather than generated: `wrangler types` would emit a
 * second global `Cloudflare.Env`/`GlobalProps` that clashes with the MSP's generated one, and
 * the root tsconfig compiles `simulator/src` together with `src/`. Keep this in step with
 * simulator/wrangler.toml (names are the contract the dev scripts and e2e tests rely on).
 */
import { z } from 'zod'
import type { SimulatorState } from './state/simulator-state'

export interface SimEnv {
	SIM: DurableObjectNamespace<SimulatorState>
	BLOBS: R2Bucket
	MSP_ID: string
	/** Base64 Messaging API secret shared with the MSP (docs/apple-protocol.md §2.1). */
	APPLE_API_SECRET: string
	/** The MSP's base URL; Apple posts to `${MSP_URL}/message` (docs/apple-protocol.md §1.3). */
	MSP_URL: string
	/** This simulator's origin, used to build MMCS upload/download URLs. */
	PUBLIC_URL: string
	/** Optional service binding to the MSP for multi-Worker tests; else fetch(MSP_URL). */
	MSP?: Fetcher
	/** Optional whsec_ secret of the demo business, for the webhook inbox. */
	INBOX_WEBHOOK_SECRET?: string
}

export type SimBindings = { Bindings: SimEnv }

const SimConfigSchema = z.object({
	MSP_ID: z.string().min(1),
	APPLE_API_SECRET: z
		.string()
		.min(1)
		.refine((s) => /^[A-Za-z0-9+/]+={0,2}$/.test(s.trim()), 'must be standard base64'),
	MSP_URL: z.url().default('http://localhost:8787'),
	PUBLIC_URL: z.url().default('http://localhost:8788'),
	INBOX_WEBHOOK_SECRET: z.string().optional(),
})

export type SimConfig = z.infer<typeof SimConfigSchema>

let cached: { env: object; config: SimConfig } | undefined

/** Parse vars once per env object; a missing secret is an error, never a skipped check. */
export function simConfig(env: SimEnv): SimConfig {
	if (cached?.env === env) return cached.config
	const parsed = SimConfigSchema.safeParse(env)
	if (!parsed.success) {
		const names = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ')
		throw new Error(`amb-simulator: invalid configuration: ${names}`)
	}
	const config = {
		...parsed.data,
		MSP_URL: parsed.data.MSP_URL.replace(/\/+$/, ''),
		PUBLIC_URL: parsed.data.PUBLIC_URL.replace(/\/+$/, ''),
	}
	cached = { env, config }
	return config
}

/**
 * The state object's RPC surface with plain result types. Workers' `Rpc` typing turns any
 * `unknown` inside a result (the stored JSON bodies) into `never`; every value crossing this
 * boundary is JSON data, so the methods are re-typed as they are declared, made async.
 */
export type StateApi = {
	[K in keyof SimulatorState as SimulatorState[K] extends (...args: never[]) => unknown ? K : never]: SimulatorState[K] extends (...args: infer A) => infer R
		? (...args: A) => Promise<Awaited<R>>
		: never
}

/** The one state object (see wrangler.toml: a dev tool with one user needs no sharding). */
export const simState = (env: SimEnv): StateApi => env.SIM.getByName('simulator') as unknown as StateApi
