/**
 * Bundling a Worker entry into one ESM file for workerd (Miniflare's API), shared by the
 * benchmarks and the browser tests: the same conditions wrangler uses for Workers.
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
