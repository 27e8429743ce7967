/**
 * The client's tests: unit tests with stub fetches, and tests against the running Worker
 * (real workerd through Miniflare, the fault suite's stack: test/fault/stack.mjs) with
 * loopback endpoints playing Apple's gateway and the business's webhook receiver. Plain
 * Node, one file at a time (each live file starts its own Worker), every wait bounded.
 * Run from the repository root (the stack bundles src/index.ts from there):
 *
 *   npx vitest run -c client/vitest.config.ts
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
	test: {
		name: 'client',
		root: new URL('..', import.meta.url).pathname,
		environment: 'node',
		include: ['client/test/**/*.test.ts'],
		pool: 'forks',
		maxWorkers: 1,
		fileParallelism: false,
		testTimeout: 60_000,
		hookTimeout: 120_000,
	},
})
