/**
 * The two Workers the browser tests drive: the MSP and the simulator under `wrangler dev`
 * (scripts/dev.mjs), on free loopback ports, with state in a fresh temp dir, and the demo
 * business provisioned. Plain JS (typed by stack.d.mts) because the root tsconfig checks
 * test/ against the Workers types only, where Node's modules do not exist.
 *
 * `npx wrangler dev` is a tree: npm exec → sh → wrangler → node cli.js → workerd + esbuild.
 * startWorkers() spawns it in our own process group, so stopping walks the tree and signals
 * every process in it (SIGTERM, then SIGKILL after a grace period): killing only the npx
 * process leaves wrangler and workerd running as orphans.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDevVars, provisionDemo, startWorkers, waitFor } from '../../../scripts/dev.mjs'

/** The repository root (with a trailing slash). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Offline, quiet wrangler: no metrics, no Request.cf download, no update check in the banner. */
const WRANGLER_ENV = {
	WRANGLER_SEND_METRICS: 'false',
	CLOUDFLARE_CF_FETCH_ENABLED: 'false',
	WRANGLER_HIDE_BANNER: 'true',
	NO_COLOR: '1',
}

const LOG_LIMIT = 200_000

function portFree(port) {
	return new Promise((resolve) => {
		const server = createServer()
		server.once('error', () => resolve(false))
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
	})
}

/** mspPort, mspPort + 1 and their inspector ports (+1000, as startWorkers picks them) all free. */
async function freePorts(from = 18787) {
	for (let port = from; port < from + 400; port += 10) {
		const all = [port, port + 1, port + 1000, port + 1001]
		let ok = true
		for (const p of all) {
			ok = await portFree(p)
			if (!ok) break
		}
		if (ok) return { mspPort: port, simPort: port + 1 }
	}
	throw new Error(`no free ports from ${from}`)
}

function processTable() {
	const children = new Map()
	const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
	for (const line of out.split('\n')) {
		const [pid, ppid] = line.trim().split(/\s+/).map(Number)
		if (!pid || ppid === undefined) continue
		if (!children.has(ppid)) children.set(ppid, [])
		children.get(ppid).push(pid)
	}
	return children
}

/** The pids of each root and all its descendants, parents first. */
function processTree(roots) {
	let children
	try {
		children = processTable()
	} catch {
		children = new Map()
	}
	const seen = []
	const queue = roots.filter((p) => typeof p === 'number')
	while (queue.length > 0) {
		const pid = queue.shift()
		if (seen.includes(pid)) continue
		seen.push(pid)
		queue.push(...(children.get(pid) ?? []))
	}
	return seen
}

/** Alive and not a zombie (an orphaned zombie is dead for our purposes). */
function alive(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
		return state !== 'Z' && state !== 'X'
	} catch (err) {
		if (err && err.code === 'ENOENT' && process.platform === 'linux') return false
	}
	try {
		process.kill(pid, 0)
		return true
	} catch {
		return false
	}
}

function signal(pids, sig) {
	for (const pid of pids) {
		try {
			process.kill(pid, sig)
		} catch {
			// already gone
		}
	}
}

async function killTree(roots, graceMs = 5000) {
	const pids = processTree(roots)
	signal(pids, 'SIGTERM')
	const end = Date.now() + graceMs
	while (Date.now() < end && pids.some(alive)) await new Promise((r) => setTimeout(r, 100))
	// Anything the first pass missed (spawned meanwhile) or that ignored SIGTERM.
	const left = processTree(roots).concat(pids).filter(alive)
	signal(left, 'SIGKILL')
	return left.length
}

/**
 * Start both Workers and provision the demo business. `stop()` kills every process of both
 * trees and deletes the temp dir; `logs()` is what the Workers printed (shown on failure).
 */
export async function startStack() {
	if (process.cwd() !== ROOT.replace(/\/$/, '')) process.chdir(ROOT)
	const vars = ensureDevVars()
	const dir = mkdtempSync(join(tmpdir(), 'amb-e2e-'))
	const { mspPort, simPort } = await freePorts()
	const saved = Object.fromEntries(Object.keys(WRANGLER_ENV).map((k) => [k, process.env[k]]))
	Object.assign(process.env, WRANGLER_ENV)
	let procs
	try {
		procs = startWorkers({ mspPort, simPort, stdio: 'pipe', persistTo: join(dir, 'state') })
	} finally {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k]
			else process.env[k] = v
		}
	}
	const names = ['msp', 'simulator']
	let log = ''
	const exits = []
	procs.forEach((p, i) => {
		const append = (chunk) => {
			log += String(chunk)
				.split('\n')
				.map((l, j, all) => (j === all.length - 1 && l === '' ? '' : `[${names[i]}] ${l}`))
				.join('\n')
			if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT)
		}
		p.stdout?.on('data', append)
		p.stderr?.on('data', append)
		p.on('exit', (code, sig) => exits.push(`${names[i]} exited (${sig ?? code})`))
	})

	// Last resort if the runner exits before teardown (e.g. Ctrl-C): nothing may outlive it.
	const roots = procs.map((p) => p.pid)
	const onExit = () => {
		signal(processTree(roots), 'SIGKILL')
		rmSync(dir, { recursive: true, force: true })
	}
	process.once('exit', onExit)

	let stopped = false
	const stop = async () => {
		if (stopped) return 0
		stopped = true
		const forced = await killTree(roots)
		process.removeListener('exit', onExit)
		rmSync(dir, { recursive: true, force: true })
		return forced
	}

	const mspUrl = `http://localhost:${mspPort}`
	const simUrl = `http://localhost:${simPort}`
	try {
		const died = new Promise((_, reject) =>
			procs.forEach((p, i) => {
				p.once('exit', (code) => reject(new Error(`${names[i]} wrangler exited early (${code})`)))
			}),
		)
		died.catch(() => {})
		await Promise.race([Promise.all([waitFor(`${mspUrl}/health`, 120_000), waitFor(`${simUrl}/device`, 120_000)]), died])
		const demo = await provisionDemo({ adminToken: vars.ADMIN_TOKEN, mspPort, simPort, file: join(dir, 'demo.json') })
		await inboundReady(mspUrl)
		return {
			info: {
				mspUrl,
				simUrl,
				businessId: demo.businessId,
				apiKey: demo.apiKey,
				webhookSecret: demo.webhookSecret,
				adminToken: vars.ADMIN_TOKEN,
				stateDir: join(dir, 'state'),
			},
			stop,
			logs: () => [log, ...exits].join('\n'),
			exits: () => [...exits],
		}
	} catch (err) {
		await stop()
		err.message += `\n--- wrangler output ---\n${log.slice(-20_000)}\n${exits.join('\n')}`
		throw err
	}
}

/** Whether to (re)write docs/screenshot-device.png. */
export const updateScreenshot = () => process.env.UPDATE_SCREENSHOT === '1'

/** Print the Workers' output even when every test passed. */
export const showLogs = () => process.env.E2E_LOGS === '1'

/**
 * wrangler dev may still swap its Worker just after /health answers (its proxy then says 503
 * for a few milliseconds); the simulator, like Apple, reports a 503 as "Not Delivered" and
 * does not retry. Wait until the inbound route itself answers (401 without a token), bounded.
 */
async function inboundReady(mspUrl, deadline = Date.now() + 30_000) {
	let consecutive = 0
	while (Date.now() < deadline) {
		const status = await fetch(`${mspUrl}/message`, { method: 'POST' }).then(
			(r) => r.status,
			() => 0,
		)
		consecutive = status === 401 ? consecutive + 1 : 0
		if (consecutive >= 3) return
		await new Promise((r) => setTimeout(r, 200))
	}
	throw new Error(`${mspUrl}/message did not answer 401 within 30 s`)
}
