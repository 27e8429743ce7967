/** Types of runtimes.mjs (see there). */
export function buildForNode(): { files: string[]; run(script: string): string; remove(): void }
export function bundleNeutral(): Promise<string>
export function runInWorkerd(clientBundle: string, worker: string): Promise<{ status: number; text: string }>
export function bundleForPage(): Promise<string>
