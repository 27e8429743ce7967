/**
 * Sending to Apple's gateway: `POST {gateway}/v1/message` (docs/apple-protocol.md §1.2, §3,
 * §4.3). Headers `id` (same as the body's `id`), `Source-Id` (the business), `Destination-Id`
 * (the customer), `Content-Type: application/json`, optional `auto-reply` for bot messages,
 * `msp-agent`, and `include-data-ref` to get a reusable `dataRef` for large interactive
 * payloads (§4.8). Apple answers 200 (empty, or `{dataRef}`); we classify the rest: 429, 5xx,
 * timeouts and network errors are worth retrying, any other 4xx is final (§1.6).
 */
import { z } from 'zod'

export const APPLE_TIMEOUT_MS = 30_000
export const MSP_AGENT = 'amb-edge/0.1'

export interface AppleSendRequest {
	gatewayUrl: string
	token: string
	body: { id: string; sourceId: string; destinationId: string; type: string } & Record<string, unknown>
	autoReply?: boolean
	includeDataRef?: boolean
	/** `/v1/message`, or `/v1/authenticate` for authentication requests (docs/apple-interactive.md §5.6). */
	path?: '/v1/message' | '/v1/authenticate'
	/** Extra headers, e.g. `message-type: notification` for invitations (apple/notification.ts). */
	headers?: Readonly<Record<string, string>>
	fetch?: typeof fetch
	timeoutMs?: number
}

export type AppleSendResult =
	| { outcome: 'accepted'; status: number; dataRef: Record<string, unknown> | null }
	| { outcome: 'retryable'; status: number | null; error: string; retryAfterSeconds: number | null }
	| { outcome: 'rejected'; status: number; error: string }

const DataRefResponse = z.object({ dataRef: z.record(z.string(), z.unknown()) }).passthrough()

/** Apple's error bodies are short text or JSON; keep a bounded excerpt for message.failed. */
async function excerpt(res: Response): Promise<string> {
	const text = await res.text().catch(() => '')
	return text.slice(0, 2000)
}

export async function sendToApple(req: AppleSendRequest): Promise<AppleSendResult> {
	const doFetch = req.fetch ?? fetch
	const headers: Record<string, string> = {
		authorization: `Bearer ${req.token}`,
		'content-type': 'application/json',
		id: req.body.id,
		'Source-Id': req.body.sourceId,
		'Destination-Id': req.body.destinationId,
		'msp-agent': MSP_AGENT,
	}
	if (req.autoReply) headers['auto-reply'] = 'true'
	if (req.includeDataRef) headers['include-data-ref'] = 'true'
	Object.assign(headers, req.headers)
	let res: Response
	try {
		res = await doFetch(new URL(req.path ?? '/v1/message', req.gatewayUrl).toString(), {
			method: 'POST',
			headers,
			body: JSON.stringify(req.body),
			redirect: 'manual',
			signal: AbortSignal.timeout(req.timeoutMs ?? APPLE_TIMEOUT_MS),
		})
	} catch (err) {
		return { outcome: 'retryable', status: null, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), retryAfterSeconds: null }
	}
	if (res.status >= 200 && res.status < 300) {
		const text = await res.text().catch(() => '')
		let dataRef: Record<string, unknown> | null = null
		if (text.trim().startsWith('{')) {
			const parsed = DataRefResponse.safeParse(JSON.parse(text))
			if (parsed.success) dataRef = parsed.data.dataRef
		}
		return { outcome: 'accepted', status: res.status, dataRef }
	}
	const error = await excerpt(res)
	if (res.status === 429 || res.status >= 500) {
		const ra = res.headers.get('retry-after')
		return { outcome: 'retryable', status: res.status, error, retryAfterSeconds: ra && /^\d+$/.test(ra) ? Number(ra) : null }
	}
	return { outcome: 'rejected', status: res.status, error }
}
