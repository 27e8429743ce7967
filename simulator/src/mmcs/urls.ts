/**
 * The simulated MMCS (iCloud blob storage) addresses. `mmcs-url` names a blob but cannot be
 * fetched (Apple's is an iCloud URL that needs preDownload first, docs/apple-protocol.md §5.3);
 * upload and download URLs are capability URLs signed with a key derived from the shared
 * secret and expire, like Apple's temporary ones.
 */
import type { SimConfig } from '../env'
import { bytesToHex } from '../lib/platform-primitives'
import { randomHex, timingSafeEqualBytes, utf8Bytes } from '../lib/bytes'
import { simulatorHmacKey } from '../gateway/jwt-check'

export const UPLOAD_URL_TTL_SECONDS = 3600
export const DOWNLOAD_URL_TTL_SECONDS = 600

export type UrlPurpose = 'upload' | 'download'

export const newBlobId = () => crypto.randomUUID()
/** Apple's owners look like `M61383834656464662d6…`. */
export const newOwner = () => `M${randomHex(20)}`

export const mmcsUrl = (config: SimConfig, blobId: string) => `${config.PUBLIC_URL}/mmcs/object/${blobId}`

async function sign(config: SimConfig, purpose: UrlPurpose, blobId: string, exp: number): Promise<Uint8Array> {
	const key = await simulatorHmacKey(config.APPLE_API_SECRET)
	return new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8Bytes(`mmcs:${purpose}:${blobId}:${exp}`)))
}

export async function signedUrl(config: SimConfig, purpose: UrlPurpose, blobId: string, nowMs = Date.now()): Promise<string> {
	const ttl = purpose === 'upload' ? UPLOAD_URL_TTL_SECONDS : DOWNLOAD_URL_TTL_SECONDS
	const exp = Math.floor(nowMs / 1000) + ttl
	const sig = bytesToHex(await sign(config, purpose, blobId, exp))
	return `${config.PUBLIC_URL}/mmcs/${purpose}/${blobId}?exp=${exp}&sig=${sig}`
}

export async function verifySignedUrl(
	config: SimConfig,
	purpose: UrlPurpose,
	blobId: string,
	exp: string | undefined,
	sig: string | undefined,
	nowMs = Date.now(),
): Promise<'ok' | 'expired' | 'invalid'> {
	if (!exp || !sig || !/^\d+$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return 'invalid'
	const expected = await sign(config, purpose, blobId, Number(exp))
	const given = new Uint8Array(sig.match(/../g)?.map((h) => parseInt(h, 16)) ?? [])
	if (!timingSafeEqualBytes(expected, given)) return 'invalid'
	return Number(exp) * 1000 < nowMs ? 'expired' : 'ok'
}
