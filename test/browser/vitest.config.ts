import { defineConfig } from 'vitest/config'

// Browser tests run in Node: they serve the Worker with Miniflare (workerd) and drive
// Debian's Chromium through playwright-core. Run from the repository root:
//   npx vitest run --config test/browser/vitest.config.ts
export default defineConfig({
	test: {
		include: ['test/browser/**/*.e2e.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 120_000,
		fileParallelism: false,
	},
})
