/**
 * `include-data-ref: true` (docs/apple-protocol.md §4.8, docs/apple-interactive.md §4): Apple stores the
 * interactive payload and answers `{"dataRef": {bid, owner, url, size, signature,
 * "signature-base64", title, dataRefSig}}`; posting `{type: "interactive", interactiveDataRef:
 * <that>}` later shows the same content. Apple keeps the key, so the ref carries none;
 * `dataRefSig` is the gateway's own MAC over the ref, not a key.
 */
import type { SimEnv } from '../env'
import { simConfig, simState } from '../env'
import { utf8Bytes } from '../lib/bytes'
import { bytesToBase64 } from '../lib/platform-primitives'
import { storeBlob } from '../mmcs/blob-store'
import { encodeIdrPayload, encryptFresh } from '../mmcs/idr-payload'
import { simulatorHmacKey } from './jwt-check'

export async function createDataRef(env: SimEnv, businessId: string, interactiveData: Record<string, unknown>): Promise<Record<string, unknown>> {
	const { ciphertext, key } = await encryptFresh(await encodeIdrPayload(interactiveData))
	const blob = await storeBlob(env, {
		businessId,
		origin: 'data-ref',
		body: ciphertext,
		size: ciphertext.byteLength,
		meta: { key },
	})
	const received = interactiveData.receivedMessage as { title?: unknown } | undefined
	const title = typeof received?.title === 'string' ? received.title : null
	const bid = String(interactiveData.bid)
	const mac = await crypto.subtle.sign(
		'HMAC',
		await simulatorHmacKey(simConfig(env).APPLE_API_SECRET),
		utf8Bytes(`dataRef:${blob.url}:${blob.owner}:${blob.checksumHex}`),
	)
	const dataRef: Record<string, unknown> = {
		bid,
		owner: blob.owner,
		url: blob.url,
		size: blob.size,
		signature: blob.checksumHex,
		'signature-base64': blob.checksumBase64,
		...(title === null ? {} : { title }),
		dataRefSig: bytesToBase64(new Uint8Array(mac)),
	}
	await simState(env).storeDataRef({ url: blob.url, businessId, bid, title, interactiveData, dataRef })
	return dataRef
}
