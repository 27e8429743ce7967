#!/usr/bin/env node
// `npm run dev`: the MSP on :8787 in development mode, pointed at the simulator on :8788.
// On first run it writes .dev.vars with fresh random local secrets (never committed), so a
// fresh clone needs no manual setup.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const DEV_VARS = '.dev.vars'
const MSP_ID = 'local-msp-0000'

export function ensureDevVars() {
	if (!existsSync(DEV_VARS)) {
		const vars = {
			APPLE_API_SECRET: randomBytes(32).toString('base64'),
			ADMIN_TOKEN: randomBytes(24).toString('hex'),
			DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
		}
		writeFileSync(DEV_VARS, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 })
		console.log(`amb-edge: wrote ${DEV_VARS} with fresh local secrets`)
	}
	return Object.fromEntries(
		readFileSync(DEV_VARS, 'utf8')
			.split('\n')
			.filter((l) => l.includes('=') && !l.startsWith('#'))
			.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
	)
}

ensureDevVars()
const procs = [
	spawn(
		'npx',
		['wrangler', 'dev', '--port', '8787', '--var', 'ENVIRONMENT:development', '--var', `MSP_ID:${MSP_ID}`, '--var', 'APPLE_GATEWAY_URL:http://localhost:8788', '--var', 'APPLE_PAY_GATEWAY_URL:http://localhost:8788'],
		{ stdio: 'inherit' },
	),
]
const stop = () => procs.forEach((p) => p.kill('SIGINT'))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const p of procs) p.on('exit', (code) => { stop(); process.exitCode = code ?? 0 })
