/**
 * Running the client outside vitest's module runner, the way it ships: built by tsc into
 * plain ESM and imported by a bare `node` process; bundled by esbuild for a neutral platform
 * (no Node built-ins can sneak in) and run inside workerd (Miniflare's API). Plain JS (typed
 * by runtimes.d.mts) because the client's tsconfig has no Node types, on purpose.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'

/** `npm run build` of the client into a temp dir; `run` evaluates a module in a fresh `node` with the build as `./client.js`. */
export function buildForNode() {
	const dir = mkdtempSync(join(tmpdir(), 'amb-client-dist-'))
	execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'client/tsconfig.build.json', '--outDir', dir], { stdio: 'pipe', timeout: 60_000 })
	const entry = pathToFileURL(join(dir, 'index.js')).href
	return {
		files: readdirSync(dir, { recursive: true }).map(String).sort(),
		run(script) {
			const code = `import * as client from ${JSON.stringify(entry)};\n${script}`
			return execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 }).trim()
		},
		remove() {
			rmSync(dir, { recursive: true, force: true })
		},
	}
}

/** The client bundled with no externals for a neutral platform (fails on any `node:` import). */
export async function bundleNeutral() {
	const out = await build({
		entryPoints: ['client/src/index.ts'],
		bundle: true,
		write: false,
		format: 'esm',
		platform: 'neutral',
		target: 'es2022',
		logLevel: 'silent',
	})
	return out.outputFiles[0].text
}

/** The client as a classic script for a page: its exports on `globalThis.AmbClientLib`. */
export async function bundleForPage() {
	const out = await build({
		entryPoints: ['client/src/index.ts'],
		bundle: true,
		write: false,
		format: 'iife',
		globalName: 'AmbClientLib',
		platform: 'browser',
		target: 'es2022',
		logLevel: 'silent',
	})
	return out.outputFiles[0].text
}

/** Runs `worker` (an ES module importing `./client.js`) in workerd and returns its answer to one GET. */
export async function runInWorkerd(clientBundle, worker) {
	const mf = new Miniflare({
		compatibilityDate: '2026-04-20',
		modules: [
			{ type: 'ESModule', path: 'worker.js', contents: worker },
			{ type: 'ESModule', path: 'client.js', contents: clientBundle },
		],
		host: '127.0.0.1',
		port: 0,
	})
	try {
		const res = await mf.dispatchFetch('http://worker.test/')
		return { status: res.status, text: await res.text() }
	} finally {
		await mf.dispose()
	}
}
