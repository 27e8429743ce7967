/**
 * The simulator Worker alone for the device page's browser tests: bundled with esbuild into a
 * temp dir and served by Miniflare (workerd) on a free loopback port. PUBLIC_URL is that origin
 * (the inbox compares webhook URLs with it); the `MSP` service binding is a function that answers
 * every customer message 200, so nothing leaves the machine. Plain JS (typed by
 * sim-server.d.mts) because the root tsconfig checks test/ against the Workers types only.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare } from 'miniflare'
import { bundleWorker } from '../../bench/bundle.mjs'

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

export async function startSimulator({ mspId, secret }) {
	const dir = mkdtempSync(join(tmpdir(), 'amb-sim-browser-'))
	const bundle = join(dir, 'simulator.js')
	await bundleWorker('simulator/src/index.ts', bundle)
	const port = await freePort()
	const mf = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: bundle,
		modulesRoot: dir,
		bindings: { MSP_ID: mspId, APPLE_API_SECRET: secret, MSP_URL: 'http://127.0.0.1:9', PUBLIC_URL: `http://127.0.0.1:${port}` },
		serviceBindings: { MSP: async () => new Response('', { status: 200 }) },
		durableObjects: { SIM: { className: 'SimulatorState', useSQLite: true } },
		r2Buckets: ['BLOBS'],
		host: '127.0.0.1',
		port,
	})
	const origin = (await mf.ready).origin
	return {
		origin,
		async stop() {
			await mf.dispose()
			rmSync(dir, { recursive: true, force: true })
		},
	}
}
