#!/usr/bin/env node
/**
 * `npm run dev`: the MSP on :8787 (development mode) and the simulator on :8788, side by side,
 * sharing one local MSP id and Apple secret. On first run it writes `.dev.vars` and
 * `simulator/.dev.vars` with fresh random local secrets (git-ignored), then provisions a demo
 * business whose webhooks go to the simulator's inbox, so a newcomer sees a whole
 * conversation at http://localhost:8788/device within a minute.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { copyAssets } from './assets.mjs'

export const MSP_PORT = Number(process.env.MSP_PORT ?? 8787)
export const SIM_PORT = Number(process.env.SIM_PORT ?? 8788)
const MSP_ID = 'local-msp-0000'
const DEMO_BUSINESS = 'demo-business'
const DEMO_NAME = 'Demo Coffee'
const DEMO_FILE = '.dev-demo.json'

function readVars(file) {
	if (!existsSync(file)) return {}
	return Object.fromEntries(
		readFileSync(file, 'utf8')
			.split('\n')
			.filter((l) => l.includes('=') && !l.startsWith('#'))
			.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
	)
}

function writeVars(file, vars) {
	writeFileSync(
		file,
		Object.entries(vars)
			.map(([k, v]) => `${k}=${v}`)
			.join('\n') + '\n',
		{ mode: 0o600 },
	)
}

export function ensureDevVars() {
	let vars = readVars('.dev.vars')
	if (!vars.APPLE_API_SECRET || !vars.ADMIN_TOKEN || !vars.DATA_ENCRYPTION_KEY) {
		vars = {
			APPLE_API_SECRET: randomBytes(32).toString('base64'),
			ADMIN_TOKEN: randomBytes(24).toString('hex'),
			DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
			...vars,
		}
		writeVars('.dev.vars', vars)
		console.log('amb-edge: wrote .dev.vars with fresh local secrets')
	}
	// The simulator plays Apple, so it must hold the same Messaging API secret.
	writeVars('simulator/.dev.vars', { APPLE_API_SECRET: vars.APPLE_API_SECRET })
	return vars
}

/** Both Workers under `wrangler dev`; `persistTo` gives tests a fresh state directory. */
export function startWorkers({ mspPort = MSP_PORT, simPort = SIM_PORT, stdio = 'inherit', persistTo } = {}) {
	// The static assets (the /docs script) come from packages (docs/api.md).
	copyAssets()
	const common = ['--ip', '127.0.0.1', '--var', `MSP_ID:${MSP_ID}`, '--show-interactive-dev-session=false', ...(persistTo ? ['--persist-to', persistTo] : [])]
	return [
		spawn(
			'npx',
			[
				'wrangler',
				'dev',
				'--port',
				String(mspPort),
				'--inspector-port',
				String(mspPort + 1000),
				...common,
				'--var',
				'ENVIRONMENT:development',
				'--var',
				`APPLE_GATEWAY_URL:http://localhost:${simPort}`,
				'--var',
				`APPLE_PAY_GATEWAY_URL:http://localhost:${simPort}`,
			],
			{ stdio, detached: true },
		),
		spawn(
			'npx',
			[
				'wrangler',
				'dev',
				'-c',
				'simulator/wrangler.toml',
				'--port',
				String(simPort),
				'--inspector-port',
				String(simPort + 1000),
				...common,
				'--var',
				`MSP_URL:http://localhost:${mspPort}`,
				'--var',
				`PUBLIC_URL:http://localhost:${simPort}`,
			],
			{ stdio, detached: true },
		),
	]
}

export async function waitFor(url, timeoutMs = 90_000) {
	const end = Date.now() + timeoutMs
	for (;;) {
		try {
			const res = await fetch(url)
			if (res.status < 500) return
		} catch {}
		if (Date.now() > end) throw new Error(`${url} did not come up`)
		await new Promise((r) => setTimeout(r, 250))
	}
}

/**
 * Create the demo business once (kept in .dev-demo.json) and point its webhooks at the inbox;
 * tell the simulator its name (what the device shows, as Apple Business Register would) and that
 * its webhooks already go to the inbox.
 */
export async function provisionDemo({ adminToken, mspPort = MSP_PORT, simPort = SIM_PORT, file = DEMO_FILE }) {
	const msp = `http://localhost:${mspPort}`
	const webhookUrl = `http://localhost:${simPort}/inbox/webhook`
	let demo = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null
	const known = demo && (await fetch(`${msp}/admin/businesses/${DEMO_BUSINESS}`, { headers: { authorization: `Bearer ${adminToken}` } })).status === 200
	if (!known) {
		await fetch(`${msp}/admin/businesses/${DEMO_BUSINESS}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } })
		const res = await fetch(`${msp}/admin/businesses`, {
			method: 'POST',
			headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({ businessId: DEMO_BUSINESS, name: DEMO_NAME, webhookUrl }),
		})
		if (res.status !== 201) throw new Error(`demo business: ${res.status} ${await res.text()}`)
		demo = await res.json()
		writeFileSync(file, JSON.stringify({ businessId: demo.businessId, apiKey: demo.apiKey, webhookSecret: demo.webhookSecret }, null, 2), { mode: 0o600 })
	}
	const sw = await fetch(`http://localhost:${simPort}/sim/api/switches`, {
		method: 'PATCH',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ inboxWebhookSecret: demo.webhookSecret }),
	})
	if (!sw.ok) throw new Error(`simulator switches: ${sw.status} ${await sw.text()}`)
	const named = await fetch(`http://localhost:${simPort}/sim/api/businesses/${DEMO_BUSINESS}`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ name: DEMO_NAME, webhookUrl }),
	})
	if (!named.ok) throw new Error(`simulator business name: ${named.status} ${await named.text()}`)
	return demo
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const vars = ensureDevVars()
	const procs = startWorkers()
	// wrangler runs workerd as a child: signal whole process groups so nothing is left behind.
	const stop = () =>
		procs.forEach((p) => {
			try {
				process.kill(-p.pid, 'SIGINT')
			} catch {
				p.kill('SIGINT')
			}
		})
	process.on('SIGINT', stop)
	process.on('SIGTERM', stop)
	for (const p of procs)
		p.on('exit', (code) => {
			stop()
			process.exitCode = code ?? 0
		})
	await waitFor(`http://localhost:${MSP_PORT}/health`)
	await waitFor(`http://localhost:${SIM_PORT}/device`)
	const demo = await provisionDemo({ adminToken: vars.ADMIN_TOKEN })
	console.log(`
  amb-edge is running
    MSP (business API, webhooks)  http://localhost:${MSP_PORT}   docs: http://localhost:${MSP_PORT}/docs
    Simulated iPhone              http://localhost:${SIM_PORT}/device   (business id: ${demo.businessId})
    Webhook inbox                 http://localhost:${SIM_PORT}/inbox
    Business console              http://localhost:${MSP_PORT}/console   (sign in with the demo API key below)
    Demo business API key         ${demo.apiKey}   (also in ${DEMO_FILE})
`)
}
