#!/usr/bin/env node
/**
 * amb-edge benchmarks (`npm run bench`). Bundles the Worker and a baseline Worker, serves both
 * with Miniflare's API (workerd, no wrangler proxy), drives them from this process over
 * loopback with keep-alive connections, and prints throughput and p50/p99 latency of the
 * product's paths as ratios against baselines measured in the same run, rounds interleaved.
 * Latencies are measured by this client (send → full response), not corrected like wrk's.
 *
 * BENCH_SECONDS (default 5) per scenario per round, BENCH_ROUNDS (default 3), BENCH_WARM_SECONDS
 * (default 3, unmeasured, per scenario before the rounds), BENCH_CONCURRENCY (32),
 * BENCH_ONLY (a substring: run only matching scenarios beside the baselines), BENCH_TMPDIR (storage).
 */
import { bundleWorker } from './bundle.mjs'
import { acceptingGateway, appleMessage, appleToken, baselineOptions, createBenchBusiness, OUT, productOptions } from './instances.mjs'
import { Miniflare } from 'miniflare'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'

// Miniflare keeps Durable Object SQLite files under the OS temp directory. On a disk that
// fsyncs slowly the floor swings 5× from run to run and measures the disk, not the work; a
// RAM-backed tmpfs (Linux /dev/shm) makes both sides pay the same small commit cost
// (docs/performance.md "Storage under the benchmark"). BENCH_TMPDIR overrides.
const TMP = process.env.BENCH_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm' : undefined)
if (TMP) process.env.TMPDIR = TMP

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32)
const SECRET = randomBytes(32).toString('base64')
const ADMIN_TOKEN = randomBytes(24).toString('hex')

function request(agent, url, { method = 'POST', headers = {}, body }) {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method, headers, agent }, (res) => {
			res.resume()
			res.on('end', () => resolve(res.statusCode))
		})
		// A reset connection counts as a failed request (status 0), it does not end the run.
		req.on('error', () => resolve(0))
		req.end(body)
	})
}

/** workerd processes started by this process (Miniflare spawns one per instance). */
function workerdPids() {
	const pids = []
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue
		try {
			const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
			const [comm, rest] = [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), stat.slice(stat.lastIndexOf(')') + 2).split(' ')]
			if (comm === 'workerd' && Number(rest[1]) === process.pid) pids.push(Number(d))
		} catch {
			// gone meanwhile
		}
	}
	return pids
}

/** CPU seconds (user + system) a process has used; null where /proc is not available. */
function cpuSeconds(pid) {
	try {
		const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
		return (Number(rest[11]) + Number(rest[12])) / 100
	} catch {
		return null
	}
}

/** Runs `next()`-produced requests with CONCURRENCY workers for SECONDS; returns rps, latencies and workerd CPU per request. */
async function load(url, next, pid, seconds = SECONDS) {
	const cpu0 = cpuSeconds(pid)
	const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
	const lat = []
	let errors = 0
	const end = performance.now() + seconds * 1000
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async () => {
			while (performance.now() < end) {
				const t0 = performance.now()
				const status = await request(agent, url, next())
				lat.push(performance.now() - t0)
				if (status !== 200 && status !== 202) errors++
			}
		}),
	)
	agent.destroy()
	const cpu1 = cpuSeconds(pid)
	lat.sort((a, b) => a - b)
	const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]
	// Includes what the requests left running (waitUntil) only as far as it ran inside the window.
	const cpuUs = cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1e6) / lat.length
	return { rps: lat.length / seconds, p50: pct(0.5), p99: pct(0.99), errors, n: lat.length, cpuUs }
}

async function main() {
	mkdirSync(OUT, { recursive: true })
	await bundleWorker('src/index.ts', `${OUT}/worker.js`)
	await bundleWorker('bench/baseline-worker.ts', `${OUT}/baseline.js`)

	const baseline = new Miniflare(baselineOptions(SECRET))
	await baseline.ready
	const basePid = workerdPids()[0]
	const gateway = await acceptingGateway()
	const product = new Miniflare(productOptions({ secret: SECRET, adminToken: ADMIN_TOKEN, appleUrl: gateway.url }))
	const [baseUrl, prodUrl] = [await baseline.ready, await product.ready]
	const prodPid = workerdPids().find((p) => p !== basePid)
	const apiKey = await createBenchBusiness(prodUrl, ADMIN_TOKEN)

	const token = appleToken(SECRET)
	const customers = Array.from({ length: 1000 }, (_, i) => `urn:mbid:bench-${i}`)
	let i = 0
	const nextMessage = () => appleMessage(token, customers[i++ % customers.length])

	// Outbound: customers must write first, so open the conversations before measuring sends.
	const sendCustomers = customers.slice(0, 100)
	for (const c of sendCustomers) {
		const m = appleMessage(token, c)
		const r = await fetch(new URL('/message', prodUrl), { method: 'POST', headers: m.headers, body: m.body })
		if (r.status !== 200) throw new Error(`opening conversation failed: ${r.status}`)
	}
	let j = 0
	const sendMessage = () => ({
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ customerId: sendCustomers[j++ % sendCustomers.length], message: { type: 'text', text: 'Your order has shipped 📦' } }),
	})

	const scenarios = [
		['bare Hono route', new URL('/bare', baseUrl), () => ({ body: '' }), basePid],
		['+ HS256 verify + gunzip + zod', new URL('/verify', baseUrl), nextMessage, basePid],
		['+ one DO SQLite write + one Queue send', new URL('/verify-do-queue', baseUrl), nextMessage, basePid],
		['amb-edge POST /message (inbound path)', new URL('/message', prodUrl), nextMessage, prodPid],
		['amb-edge POST /v1/messages (outbound send)', new URL('/v1/messages', prodUrl), sendMessage, prodPid],
	]
	// BENCH_ONLY=substring keeps the first (bare) scenario plus those whose name contains it.
	const only = process.env.BENCH_ONLY
	if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter(([name], i) => i === 0 || i === 2 || name.includes(only)))
	const results = new Map(scenarios.map(([name]) => [name, []]))
	// Unmeasured warm-up of every scenario: JIT, caches, and the first message of each of the
	// 1,000 conversations (creating its object and schema) happen here, once, as they do once
	// per conversation in service; the rounds measure the steady state (docs/performance.md).
	for (const [name, url, next, pid] of scenarios) {
		const from = i
		await load(url, next, pid, WARM_SECONDS)
		// On a slow minute the inbound warm-up may not reach every customer: finish the pass.
		while (name.includes('inbound') && i - from < customers.length) await load(url, next, pid, 0.5)
	}
	for (let r = 0; r < ROUNDS; r++) {
		for (const [name, url, next, pid] of scenarios) {
			const res = await load(url, next, pid)
			if (res.errors > 0) console.warn(`  ${name}: ${res.errors} non-200 responses`)
			// Every round as it ends: on a shared machine the spread tells how far to trust the medians.
			console.log(
				`  round ${r + 1}  ${name.padEnd(44)} ${res.rps.toFixed(0).padStart(6)} req/s  p99 ${res.p99.toFixed(1).padStart(6)} ms  ${res.cpuUs === null ? '' : `${res.cpuUs.toFixed(0)} µs CPU/req`}`,
			)
			results.get(name).push(res)
		}
	}
	await baseline.dispose()
	await product.dispose()
	gateway.close()

	const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
	const summary = [...results].map(([name, rs]) => ({
		name,
		rps: median(rs.map((x) => x.rps)),
		p50: median(rs.map((x) => x.p50)),
		p99: median(rs.map((x) => x.p99)),
		cpuUs: rs[0].cpuUs === null ? null : median(rs.map((x) => x.cpuUs)),
	}))
	const bare = summary[0]
	const floor = summary.find((x) => x.name.includes('DO SQLite')) ?? summary[0]
	console.log(`\namb-edge benchmark — ${ROUNDS} rounds × ${SECONDS}s, ${CONCURRENCY} connections, Miniflare API (workerd), medians`)
	console.log(
		'scenario'.padEnd(44),
		'req/s'.padStart(8),
		'p50 ms'.padStart(8),
		'p99 ms'.padStart(8),
		'  ×bare rps',
		'  ×DO+Queue floor rps',
		'  p50/p99 ×floor',
		'  CPU µs/req',
		' ×floor',
	)
	for (const s of summary) {
		console.log(
			s.name.padEnd(44),
			s.rps.toFixed(0).padStart(8),
			s.p50.toFixed(2).padStart(8),
			s.p99.toFixed(2).padStart(8),
			`  ${(s.rps / bare.rps).toFixed(3)}`.padEnd(12),
			`  ${(s.rps / floor.rps).toFixed(2)}`.padEnd(22),
			`  ${(s.p50 / floor.p50).toFixed(2)} / ${(s.p99 / floor.p99).toFixed(2)}`.padEnd(18),
			s.cpuUs === null ? '   n/a' : `${s.cpuUs.toFixed(0).padStart(10)}`,
			s.cpuUs === null || floor.cpuUs === null ? '' : `  ${(s.cpuUs / floor.cpuUs).toFixed(2)}`,
		)
	}
}

main().catch((err) => {
	console.error(err)
	process.exit(1)
})
