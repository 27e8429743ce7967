#!/usr/bin/env node
/**
 * Instructions per request (`npm run bench:instructions`): the inbound path, the outbound send
 * and the DO + Queue floor, each served by workerd running under Valgrind's callgrind, which
 * counts the instructions the process executes. Unlike CPU time, the count does not move
 * with a shared machine's neighbours: runs of the same commit agree within a few percent,
 * so a change of 5 % can be read (docs/performance.md "Instructions per request").
 *
 * Not counted: the kernel's side of system calls (SQLite's file writes, sockets), and time
 * spent waiting. Read it beside `bench/run.mjs`, which measures both, noisily.
 *
 * Each scenario gets its own instance: warm-up (every conversation's first message, JIT),
 * then BENCH_REPS windows of BENCH_REQUESTS requests each (4 in flight); the counters are
 * zeroed before a window and dumped after it. The lowest window counts: interruptions (a
 * major GC, a WAL checkpoint) only ever add. Needs `valgrind` (Debian package); under it,
 * workerd runs some 50× slower, so the request counts are small.
 *
 * BENCH_REQUESTS (default 100), BENCH_REPS (default 3), BENCH_CUSTOMERS (default 50).
 */
import { bundleWorker } from './bundle.mjs'
import { acceptingGateway, appleMessage, appleToken, baselineOptions, createBenchBusiness, OUT, productOptions } from './instances.mjs'
import { Miniflare } from 'miniflare'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100)
const REPS = Number(process.env.BENCH_REPS ?? 3)
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50)
const SECRET = randomBytes(32).toString('base64')
const ADMIN_TOKEN = randomBytes(24).toString('hex')

try {
	execFileSync('valgrind', ['--version'], { stdio: 'pipe' })
} catch {
	console.error('bench/instructions.mjs needs valgrind (apt-get install valgrind)')
	process.exit(1)
}

// Miniflare starts whatever MINIFLARE_WORKERD_PATH names: a wrapper that runs workerd under callgrind.
const work = mkdtempSync(join(tmpdir(), 'amb-callgrind-'))
const workerd = createRequire(import.meta.url)('workerd').default
const wrapper = join(work, 'workerd.sh')
writeFileSync(
	wrapper,
	`#!/bin/sh\nexec valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=${work}/cg.%p.out --log-file=${work}/vg.%p.log ${workerd} "$@"\n`,
)
chmodSync(wrapper, 0o755)
process.env.MINIFLARE_WORKERD_PATH = wrapper

const token = appleToken(SECRET)
let n = 0
const nextMessage = () => appleMessage(token, `urn:mbid:bench-${n++ % CUSTOMERS}`)

/** The callgrind process Miniflare started for this instance (its command name is valgrind's). */
function callgrindPid(before) {
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d) || before.has(d)) continue
		try {
			const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
			if (stat.includes('(callgrind-') && ppid === process.pid) return d
		} catch {
			// gone meanwhile
		}
	}
	throw new Error('no callgrind process found')
}
const procs = () => new Set(readdirSync('/proc').filter((d) => /^\d+$/.test(d)))

/** Sends `count` requests, 4 in flight, and waits for every answer; non-2xx answers throw. */
async function send(url, next, count) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
	let started = 0
	await Promise.all(
		Array.from({ length: 4 }, async () => {
			while (started < count) {
				started++
				const { headers, body } = next()
				let status = 0
				// Under callgrind, a keep-alive socket the slowed server closes just as a request goes
				// out resets it (status 0): sent again, at worst one extra request in the window.
				for (let attempt = 0; attempt < 3 && status === 0; attempt++) {
					status = await new Promise((resolve) => {
						const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
							res.resume()
							res.on('end', () => resolve(res.statusCode))
						})
						req.on('error', () => resolve(0))
						req.end(body)
					})
				}
				if (status !== 200 && status !== 202) throw new Error(`${url.pathname}: status ${status}`)
			}
		}),
	)
	agent.destroy()
	// Work a request left running (waitUntil, batched reports) belongs to its window.
	await new Promise((r) => setTimeout(r, 300))
}

/** Instructions per request over REPS windows; the lowest window. */
async function measure(pid, url, next) {
	const perRequest = []
	for (let r = 0; r < REPS; r++) {
		execFileSync('callgrind_control', ['--zero', pid], { stdio: 'pipe' })
		await send(url, next, REQUESTS)
		execFileSync('callgrind_control', ['--dump', pid], { stdio: 'pipe' })
		const dumps = readdirSync(work)
			.filter((f) => f.startsWith(`cg.${pid}.out.`))
			.sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()))
		const text = readFileSync(join(work, dumps.at(-1)), 'utf8')
		const total = Number(text.match(/^(?:summary|totals): (\d+)/m)?.[1])
		if (!Number.isFinite(total)) throw new Error('unreadable callgrind dump')
		perRequest.push(total / REQUESTS)
	}
	return { best: Math.min(...perRequest), all: perRequest }
}

async function floor() {
	const before = procs()
	const mf = new Miniflare(baselineOptions(SECRET))
	const url = new URL('/verify-do-queue', await mf.ready)
	const pid = callgrindPid(before)
	await send(url, nextMessage, CUSTOMERS * 3)
	const result = await measure(pid, url, nextMessage)
	await mf.dispose()
	return result
}

async function product(scenario) {
	const gateway = await acceptingGateway()
	const before = procs()
	const mf = new Miniflare(productOptions({ secret: SECRET, adminToken: ADMIN_TOKEN, appleUrl: gateway.url }))
	const base = await mf.ready
	const pid = callgrindPid(before)
	const apiKey = await createBenchBusiness(base, ADMIN_TOKEN)
	const inbound = new URL('/message', base)
	// Warm-up: every conversation's first message (its object and schema), then the JIT.
	await send(inbound, nextMessage, CUSTOMERS * 3)
	let result
	if (scenario === 'inbound') result = await measure(pid, inbound, nextMessage)
	else {
		let j = 0
		const sendMessage = () => ({
			headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ customerId: `urn:mbid:bench-${j++ % CUSTOMERS}`, message: { type: 'text', text: 'Your order has shipped 📦' } }),
		})
		const url = new URL('/v1/messages', base)
		await send(url, sendMessage, CUSTOMERS)
		result = await measure(pid, url, sendMessage)
	}
	await mf.dispose()
	gateway.close()
	return result
}

async function main() {
	mkdirSync(OUT, { recursive: true })
	await bundleWorker('src/index.ts', `${OUT}/worker.js`)
	await bundleWorker('bench/baseline-worker.ts', `${OUT}/baseline.js`)
	const rows = [
		['+ one DO SQLite write + one Queue send', await floor()],
		['amb-edge POST /message (inbound path)', await product('inbound')],
		['amb-edge POST /v1/messages (outbound send)', await product('outbound')],
	]
	rmSync(work, { recursive: true, force: true })
	const base = rows[0][1].best
	console.log(`\namb-edge instructions per request — workerd under callgrind, ${REPS} windows × ${REQUESTS} requests, ${CUSTOMERS} customers, lowest window`)
	console.log('scenario'.padEnd(44), 'M instr/req'.padStart(12), '  ×floor', '  every window')
	for (const [name, r] of rows) {
		console.log(
			name.padEnd(44),
			(r.best / 1e6).toFixed(3).padStart(12),
			`  ${(r.best / base).toFixed(2)}`.padEnd(9),
			` ${r.all.map((x) => (x / 1e6).toFixed(3)).join(' ')}`,
		)
	}
}

main().catch((err) => {
	console.error(err)
	rmSync(work, { recursive: true, force: true })
	process.exit(1)
})
