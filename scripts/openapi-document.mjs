#!/usr/bin/env node
/**
 * Writes the OpenAPI document the Worker serves to a file (default
 * node_modules/.cache/amb-edge/openapi.json), for `npm run lint:openapi` (docs/api.md
 * "Lint"). The Worker is bundled and run in workerd (Miniflare) on loopback, exactly as it
 * serves `/openapi.json`; nothing leaves the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { bundleWorker, PRODUCT_DURABLE_OBJECTS } from '../bench/bundle.mjs'

export const DEFAULT_OUT = 'node_modules/.cache/amb-edge/openapi.json'
const bundle = 'node_modules/.cache/amb-edge/openapi-worker.js'

export async function writeDocument(out = DEFAULT_OUT) {
	await bundleWorker('src/index.ts', bundle)
	const mf = new Miniflare({
		compatibilityDate: '2026-04-20',
		compatibilityFlags: ['nodejs_compat'],
		modules: true,
		scriptPath: bundle,
		// The document needs no secrets; these only satisfy the config check of other routes.
		bindings: {
			MSP_ID: 'openapi-lint',
			APPLE_API_SECRET: 'bGludC1vbmx5LWFwcGxlLXNlY3JldC0zMi1ieXRlcy0=',
			ADMIN_TOKEN: 'lint-only-admin-token-0123456789abcdef',
			DATA_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
			ENVIRONMENT: 'development',
		},
		durableObjects: PRODUCT_DURABLE_OBJECTS,
		queueProducers: { WEBHOOK_QUEUE: 'amb-webhooks' },
		r2Buckets: ['ATTACHMENTS'],
	})
	try {
		const res = await mf.dispatchFetch('http://localhost/openapi.json')
		if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`)
		const text = await res.text()
		mkdirSync(dirname(out), { recursive: true })
		writeFileSync(out, text)
		console.log(`openapi: ${out} (${text.length} bytes)`)
		return out
	} finally {
		await mf.dispose()
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeDocument(process.argv[2])
