/**
 * The MSP and the simulator wired together for browser tests, both bundled with esbuild and
 * served by Miniflare (workerd) on free loopback ports: the MSP's APPLE_GATEWAY_URL is the
 * simulator, the simulator's MSP_URL is the MSP, and the MSP delivers webhooks to the
 * simulator's inbox. Nothing leaves the machine. Plain JS (typed by msp-sim-stack.d.mts)
 * because the root tsconfig checks test/ against the Workers types only.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare } from 'miniflare'
import { bundleWorker, PRODUCT_DURABLE_OBJECTS } from '../../bench/bundle.mjs'

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

export async function startMspAndSimulator({ mspId, secret, adminToken }) {
	const dir = mkdtempSync(join(tmpdir(), 'amb-msp-sim-browser-'))
	await bundleWorker('src/index.ts', join(dir, 'msp', 'worker.js'))
	await bundleWorker('simulator/src/index.ts', join(dir, 'sim', 'simulator.js'))
	const [mspPort, simPort] = [await freePort(), await freePort()]
	const mspUrl = `http://127.0.0.1:${mspPort}`
	const simUrl = `http://127.0.0.1:${simPort}`
	const common = { compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'], modules: true, host: '127.0.0.1' }
	const sim = new Miniflare({
		...common,
		scriptPath: join(dir, 'sim', 'simulator.js'),
		modulesRoot: join(dir, 'sim'),
		bindings: { MSP_ID: mspId, APPLE_API_SECRET: secret, MSP_URL: mspUrl, PUBLIC_URL: simUrl },
		durableObjects: { SIM: { className: 'SimulatorState', useSQLite: true } },
		r2Buckets: ['BLOBS'],
		port: simPort,
	})
	const msp = new Miniflare({
		...common,
		scriptPath: join(dir, 'msp', 'worker.js'),
		modulesRoot: join(dir, 'msp'),
		bindings: {
			MSP_ID: mspId,
			APPLE_API_SECRET: secret,
			ADMIN_TOKEN: adminToken,
			DATA_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
			ENVIRONMENT: 'development',
			APPLE_GATEWAY_URL: simUrl,
			APPLE_PAY_GATEWAY_URL: simUrl,
		},
		durableObjects: PRODUCT_DURABLE_OBJECTS,
		queueProducers: { WEBHOOK_QUEUE: 'amb-webhooks' },
		queueConsumers: {
			'amb-webhooks': { maxBatchTimeout: 0.05, maxRetries: 15, deadLetterQueue: 'amb-webhooks-dlq' },
			'amb-webhooks-dlq': { maxBatchTimeout: 0.05 },
		},
		r2Buckets: ['ATTACHMENTS'],
		port: mspPort,
	})
	await Promise.all([sim.ready, msp.ready])
	return {
		mspUrl,
		simUrl,
		async stop() {
			await Promise.allSettled([msp.dispose(), sim.dispose()])
			rmSync(dir, { recursive: true, force: true })
		},
	}
}
