/**
 * The MSP and the simulator for the console's browser test (console.e2e.ts), wired to each
 * other by URL as `npm run dev` wires them: both bundled with esbuild and served by Miniflare
 * (workerd) on free loopback ports. Plain JS (typed by console-stack.d.mts) because the root
 * tsconfig checks test/ against the Workers types only, where Node's modules do not exist.
 */
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { Miniflare } from 'miniflare'
import { bundleWorker } from '../../bench/bundle.mjs'

const CACHE = 'node_modules/.cache/amb-edge-console'

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer()
		server.once('error', reject)
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address()
			server.close(() => resolve(port))
		})
	})
}

export async function startConsoleStack({ mspId, secret, adminToken }) {
	mkdirSync(CACHE, { recursive: true })
	await Promise.all([bundleWorker('test/browser/worker-entry.ts', `${CACHE}/worker.js`), bundleWorker('simulator/src/index.ts', `${CACHE}/simulator.js`)])
	const mspPort = await freePort()
	const simPort = await freePort()
	const msp = `http://127.0.0.1:${mspPort}`
	const sim = `http://127.0.0.1:${simPort}`
	const simulator = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: `${CACHE}/simulator.js`,
		modulesRoot: CACHE,
		bindings: { MSP_ID: mspId, APPLE_API_SECRET: secret, MSP_URL: msp, PUBLIC_URL: sim },
		durableObjects: { SIM: { className: 'SimulatorState', useSQLite: true } },
		r2Buckets: ['BLOBS'],
		host: '127.0.0.1',
		port: simPort,
	})
	const product = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: `${CACHE}/worker.js`,
		bindings: {
			MSP_ID: mspId,
			APPLE_API_SECRET: secret,
			ADMIN_TOKEN: adminToken,
			DATA_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
			ENVIRONMENT: 'development',
			APPLE_GATEWAY_URL: sim,
		},
		durableObjects: {
			CONVERSATION: { className: 'Conversation', useSQLite: true },
			BUSINESS: { className: 'Business', useSQLite: true },
			WATCHLIST: { className: 'Watchlist', useSQLite: true },
			CONSOLE_HUB: { className: 'ConsoleHub', useSQLite: true },
		},
		queueProducers: { WEBHOOK_QUEUE: 'amb-webhooks' },
		queueConsumers: {
			'amb-webhooks': { maxBatchTimeout: 0.05, maxRetries: 15, deadLetterQueue: 'amb-webhooks-dlq' },
			'amb-webhooks-dlq': { maxBatchTimeout: 0.05 },
		},
		r2Buckets: ['ATTACHMENTS'],
		host: '127.0.0.1',
		port: mspPort,
	})
	await Promise.all([simulator.ready, product.ready])
	return {
		msp,
		sim,
		async stop() {
			await Promise.all([product.dispose(), simulator.dispose()])
		},
	}
}

/** Bytes as the Node Buffer playwright's setInputFiles wants. */
export const toBuffer = (bytes) => Buffer.from(bytes)
