/**
 * Setup file of the test worker: if Vitest's main process goes away (killed, Ctrl-C on it
 * alone), the worker loses its IPC channel; exit then, so Playwright's exit hook closes the
 * Chromium it launched instead of leaving both running.
 */
if (typeof process.send === 'function' && !globalThis.__ambE2eOrphanGuard) {
	globalThis.__ambE2eOrphanGuard = true
	process.once('disconnect', () => process.exit(1))
}
