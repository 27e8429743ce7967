import { fileURLToPath } from 'node:url'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// Test-only values (never real ones). MSP_URL points at a host nothing serves: tests that
// make the simulator talk to the MSP replace globalThis.fetch, so no test reaches the network.
export const SIM_TEST_BINDINGS = {
	MSP_ID: 'msp-sim-test-0001',
	APPLE_API_SECRET: 'c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzLS0=',
	MSP_URL: 'http://msp.test',
	PUBLIC_URL: 'http://sim.test',
	INBOX_WEBHOOK_SECRET: 'whsec_c2ltdWxhdG9yLWluYm94LXNlY3JldC0zMi1ieXQ=',
}

export default defineConfig({
	root: here('.'),
	plugins: [
		cloudflareTest({
			main: here('./src/index.ts'),
			remoteBindings: false,
			wrangler: { configPath: here('./wrangler.toml') },
			miniflare: { bindings: SIM_TEST_BINDINGS },
		}),
	],
	test: {
		include: ['test/**/*.test.ts'],
		teardownTimeout: 60_000,
	},
})
