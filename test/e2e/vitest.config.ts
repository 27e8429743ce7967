/**
 * End-to-end browser tests: both Workers under `wrangler dev`, Debian's Chromium through
 * playwright-core. Plain Node (not the Workers pool), one fork, one file at a time: the
 * Workers and their state are shared, and the machine is small.
 *
 *   npx vitest run -c test/e2e/vitest.config.ts
 *   UPDATE_SCREENSHOT=1 npx vitest run -c test/e2e/vitest.config.ts   # rewrite docs/screenshot-device.png
 */
import { defineConfig } from 'vitest/config'
import { ROOT } from './helpers/stack.mjs'

export default defineConfig({
	root: ROOT,
	test: {
		name: 'e2e',
		environment: 'node',
		include: ['test/e2e/**/*.test.ts'],
		globalSetup: ['test/e2e/global-setup.ts'],
		setupFiles: ['test/e2e/helpers/orphan-guard.mjs'],
		pool: 'forks',
		maxWorkers: 1,
		fileParallelism: false,
		testTimeout: 60_000,
		hookTimeout: 150_000,
		teardownTimeout: 30_000,
	},
})
