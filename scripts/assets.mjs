#!/usr/bin/env node
/**
 * Fills `public/` (the Worker's static assets, wrangler.toml `[assets]`) with files that come
 * from packages: the Scalar reference's standalone script, served at /docs/scalar.js so `/docs`
 * needs no CDN (docs/api.md "The reference page"). Run by `npm run dev`, the test configs
 * and `npm run deploy`; the copies are not committed.
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const SCALAR_SCRIPT_PATH = '/docs/scalar.js'

export function copyAssets() {
	// The package's `exports` hide dist/browser, so the file is taken from its installed folder.
	const pkg = join(root, 'node_modules', '@scalar', 'api-reference')
	const target = join(root, 'public', SCALAR_SCRIPT_PATH)
	mkdirSync(dirname(target), { recursive: true })
	copyFileSync(join(pkg, 'dist/browser/standalone.js'), target)
	return join(root, 'public')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`assets: ${copyAssets()}`)
