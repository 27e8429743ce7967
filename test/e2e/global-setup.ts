/**
 * Starts the MSP and the simulator once for every browser test (helpers/stack.mjs) and hands
 * their URLs and the demo business's credentials to the tests through `inject('e2e')`.
 * Teardown kills both process trees and deletes the temp state; the Workers' output is
 * printed only when a test failed, a Worker died, or E2E_LOGS=1.
 */
import type { TestProject } from 'vitest/node'
import { ROOT, showLogs, startStack, updateScreenshot, type StackInfo } from './helpers/stack.mjs'

export interface E2EContext extends StackInfo {
	/** Absolute path to write the README screenshot to, or null to leave it alone. */
	screenshotPath: string | null
}

declare module 'vitest' {
	export interface ProvidedContext {
		e2e: E2EContext
	}
}

export default async function setup(project: TestProject) {
	const stack = await startStack()
	project.provide('e2e', { ...stack.info, screenshotPath: updateScreenshot() ? `${ROOT}docs/screenshot-device.png` : null })
	return async () => {
		let failed = 0
		try {
			failed = project.vitest.state.getCountOfFailedTests()
		} catch {
			// experimental API; print nothing extra if it moved
		}
		const exits = stack.exits()
		const forced = await stack.stop()
		if (failed > 0 || exits.length > 0 || showLogs()) {
			console.log(`\n--- wrangler output (msp + simulator) ---\n${stack.logs().slice(-30_000)}\n--- end of wrangler output ---`)
		}
		if (forced > 0) console.warn(`e2e teardown: ${forced} process(es) needed SIGKILL`)
	}
}
