export function bundleWorker(entry: string, outfile: string): Promise<unknown>
export const PRODUCT_DURABLE_OBJECTS: Record<string, { className: string; useSQLite: boolean }>
