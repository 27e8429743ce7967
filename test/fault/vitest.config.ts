/**
 * The fault suite (docs/TESTING.md "Fault suite"): real workerd through Miniflare's API,
 * loopback endpoints, kills and restarts. Plain Node, one file at a time, every wait bounded.
 *
 *   npx vitest run -c test/fault/vitest.config.ts
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
	test: {
		name: 'fault',
		environment: 'node',
		include: ['test/fault/**/*.test.ts'],
		pool: 'forks',
		maxWorkers: 1,
		fileParallelism: false,
		testTimeout: 150_000,
		hookTimeout: 120_000,
	},
})
