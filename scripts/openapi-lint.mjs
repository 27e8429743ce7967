#!/usr/bin/env node
/**
 * `npm run lint:openapi` (docs/api.md "Lint"): writes the document the Worker serves
 * (openapi-document.mjs) and lints it with Redocly's recommended rules (redocly.yaml).
 * Fails on any problem, warnings included: the bar is 0 errors and 0 warnings.
 */
import { spawnSync } from 'node:child_process'
import { writeDocument } from './openapi-document.mjs'

const file = await writeDocument()
// Offline: no telemetry, no update check.
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }
const lint = (format) => spawnSync('node_modules/.bin/redocly', ['lint', file, `--format=${format}`], { env, encoding: 'utf8' })
const result = lint('json')
let totals
try {
	totals = JSON.parse(result.stdout).totals
} catch {
	process.stderr.write(result.stdout + result.stderr)
	process.exit(1)
}
if (totals.errors + totals.warnings > 0) {
	process.stdout.write(lint('stylish').stdout)
	console.error(`lint:openapi: ${totals.errors} errors, ${totals.warnings} warnings (the bar is 0 and 0)`)
	process.exit(1)
}
console.log('lint:openapi: 0 errors, 0 warnings')
