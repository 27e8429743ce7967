export function bundleWorker(entry: string, outfile: string): Promise<unknown>
