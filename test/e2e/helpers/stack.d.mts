/** Types of stack.mjs (see there). */

export interface StackInfo {
	mspUrl: string
	simUrl: string
	businessId: string
	apiKey: string
	webhookSecret: string
	/** The admin API's bearer token (the local one from .dev.vars). */
	adminToken: string
	/** Both Workers' `--persist-to` directory (Miniflare's local D1/R2/DO state). */
	stateDir: string
}

export interface Stack {
	info: StackInfo
	/** Kill both process trees and delete the temp dir; resolves to how many needed SIGKILL. */
	stop(): Promise<number>
	logs(): string
	/** Workers that exited by themselves (should stay empty until stop). */
	exits(): string[]
}

export const ROOT: string
export function startStack(): Promise<Stack>
export function updateScreenshot(): boolean
export function showLogs(): boolean
