/**
 * The invitation's `brandLogo`: a PNG given as base64 or as a URL fetched once, safely
 * (lib/safe-fetch.ts: public addresses only, timeout, size cap), and sent to Apple as base64
 * (docs/invitations.md "Limits"). Anything that is not a PNG within the cap is a 422
 * naming `parameters.brandLogo`; nothing is stored.
 */
import { base64ToBytes, bytesToBase64 } from '../apple/encoding'
import type { Environment } from '../lib/safe-url'
import { describeFetchFailure, readBodyCapped, safeFetch } from '../lib/safe-fetch'
import { unprocessable } from '../lib/errors'

/** Our cap (Apple documents none): keeps the stored Apple body well under a row's 2 MB. */
export const LOGO_MAX_BYTES = 512 * 1024
export const LOGO_FETCH_TIMEOUT_MS = 8_000

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

export const isPng = (b: Uint8Array) => b.length > PNG_SIGNATURE.length && PNG_SIGNATURE.every((x, i) => b[i] === x)

const refuse = (message: string) => unprocessable('brandLogo is not usable', [{ path: 'parameters.brandLogo', message }])

/** The logo as base64 PNG, or a 422. */
export async function resolveBrandLogo(input: string, environment: Environment): Promise<string> {
	const value = input.trim()
	if (/^https?:\/\//i.test(value)) return bytesToBase64(await fetchLogo(value, environment))
	let bytes: Uint8Array
	try {
		bytes = base64ToBytes(value.replace(/^data:image\/png;base64,/i, ''))
	} catch {
		throw refuse('give an https URL or the PNG in base64')
	}
	checkPng(bytes)
	return bytesToBase64(bytes)
}

function checkPng(bytes: Uint8Array): void {
	if (bytes.byteLength > LOGO_MAX_BYTES) throw refuse(`the PNG is larger than ${LOGO_MAX_BYTES / 1024} KB`)
	if (!isPng(bytes)) throw refuse('not a PNG (Apple takes PNG logos only)')
}

async function fetchLogo(url: string, environment: Environment): Promise<Uint8Array> {
	let res: Response
	try {
		res = await safeFetch(url, { environment, timeoutMs: LOGO_FETCH_TIMEOUT_MS, maxResponseBytes: LOGO_MAX_BYTES, maxRedirects: 3 })
	} catch (err) {
		throw refuse(`the logo URL could not be fetched: ${describeFetchFailure(err, LOGO_FETCH_TIMEOUT_MS)}`)
	}
	if (res.status !== 200) {
		await res.body?.cancel()
		throw refuse(`the logo URL answered ${res.status}`)
	}
	let bytes: Uint8Array
	try {
		bytes = await readBodyCapped(res, LOGO_MAX_BYTES)
	} catch (err) {
		throw refuse(`the logo URL could not be read: ${describeFetchFailure(err, LOGO_FETCH_TIMEOUT_MS)}`)
	}
	checkPng(bytes)
	return bytes
}
