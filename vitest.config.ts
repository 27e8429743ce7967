import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { configDefaults, defineConfig } from 'vitest/config'
import { copyAssets } from './scripts/assets.mjs'

// wrangler.toml's [assets] directory (the /docs script) exists before wrangler's config is read
// (docs/api.md). Tests here call the Worker directly; test/browser/docs.e2e.ts goes through the assets.
copyAssets()

// Test-only values: a fixed Apple secret and admin token (never real ones), development
// mode so webhook receivers on loopback are allowed.
export const TEST_BINDINGS = {
	MSP_ID: 'msp-test-0001',
	APPLE_API_SECRET: 'dGVzdC1hcHBsZS1zZWNyZXQtMzItYnl0ZXMtLS0tLS0=',
	APPLE_API_SECRET_PREVIOUS: 'cHJldmlvdXMtYXBwbGUtc2VjcmV0LTMyLWJ5dGVzLS0=',
	ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123',
	DATA_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
	ENVIRONMENT: 'development',
	APPLE_GATEWAY_URL: 'http://apple.test',
}

export default defineConfig({
	plugins: [
		cloudflareTest({
			main: './src/index.ts',
			remoteBindings: false,
			wrangler: { configPath: './wrangler.toml' },
			miniflare: {
				bindings: TEST_BINDINGS,
				// Lets tests call exports.default.queue()/scheduled() (test-only flag).
				compatibilityFlags: ['service_binding_extra_handlers'],
				// Deliver queued webhooks quickly in tests.
				queueConsumers: {
					'amb-webhooks': { maxBatchTimeout: 0.05 },
					'amb-webhooks-dlq': { maxBatchTimeout: 0.05 },
				},
			},
		}),
	],
	test: {
		include: ['test/**/*.test.ts'],
		// Browser, end-to-end and fault suites run in Node with their own configs.
		exclude: [...configDefaults.exclude, 'test/e2e/**', 'test/browser/**', 'test/fault/**'],
		teardownTimeout: 60_000,
	},
})
