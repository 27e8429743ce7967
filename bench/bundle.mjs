/**
 * Bundling a Worker entry into one ESM file for workerd (Miniflare's API), shared by the
 * benchmarks, the browser and fault tests and the OpenAPI script: the same conditions
 * wrangler uses for Workers, and the product's Durable Object bindings.
 */
import { build } from 'esbuild'

export function bundleWorker(entry, outfile) {
	return build({
		entryPoints: [entry],
		outfile,
		bundle: true,
		format: 'esm',
		platform: 'neutral',
		target: 'es2022',
		conditions: ['workerd', 'worker', 'browser'],
		mainFields: ['module', 'main'],
		external: ['cloudflare:*', 'node:*'],
		logLevel: 'warning',
	})
}

/** The product's Durable Object bindings, as in wrangler.toml: one list for every harness that serves the bundle. */
export const PRODUCT_DURABLE_OBJECTS = {
	CONVERSATION: { className: 'Conversation', useSQLite: true },
	BUSINESS: { className: 'Business', useSQLite: true },
	WATCHLIST: { className: 'Watchlist', useSQLite: true },
	INVITATIONS: { className: 'Invitations', useSQLite: true },
	CONSOLE_HUB: { className: 'ConsoleHub', useSQLite: true },
}
