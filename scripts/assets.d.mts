/** Types of assets.mjs (see there). */
export const SCALAR_SCRIPT_PATH: string
export function copyAssets(): string
