/** Read a request body up to a byte cap without trusting Content-Length alone. */
import { fail } from './rejection'

export async function readCapped(req: Request, maxBytes: number, what = 'request body'): Promise<Uint8Array> {
	const declared = Number(req.headers.get('content-length') ?? NaN)
	if (Number.isFinite(declared) && declared > maxBytes) fail(413, 'body_too_large', `${what} exceeds ${maxBytes} bytes`)
	if (!req.body) return new Uint8Array(0)
	const chunks: Uint8Array[] = []
	let total = 0
	const reader = req.body.getReader()
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		total += value.byteLength
		if (total > maxBytes) {
			await reader.cancel()
			fail(413, 'body_too_large', `${what} exceeds ${maxBytes} bytes`)
		}
		chunks.push(value)
	}
	const out = new Uint8Array(total)
	let off = 0
	for (const c of chunks) out.set(c, off), (off += c.byteLength)
	return out
}
