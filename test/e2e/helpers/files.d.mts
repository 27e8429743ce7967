/** Types of files.mjs (see there). Buffers are typed as Uint8Array: Node's types are not loaded. */

export function pseudoRandomBytes(size: number, seed?: number): Uint8Array
export function sha256Hex(bytes: Uint8Array): string
// Playwright's own payload type: a Node Buffer once @types/node is installed, Uint8Array-like otherwise.
type FileBuffer = Extract<Parameters<import('playwright-core').Page['setInputFiles']>[1], { buffer: unknown }>['buffer']
export function toBuffer(bytes: Uint8Array): FileBuffer
export function readAll(stream: unknown): Promise<Uint8Array>
export function noisePng(width: number, height: number, seed?: number): Uint8Array

export interface StreamedPost {
	/** 0 when the connection broke before an answer came (see `error`). */
	status: number
	text: string
	json: any
	/** Bytes the generator had handed over when the answer (or the error) came. */
	sentBytes: number
	ms: number
	error: string | null
}

export function postStream(url: string, o: { headers?: Record<string, string>; size: number }): Promise<StreamedPost>
export function postDeclared(url: string, o: { headers?: Record<string, string>; size: number }): Promise<StreamedPost>
export function r2BlobFiles(stateDir: string, bucket: string): string[]
