/**
 * Authentication requests (docs/apple-interactive.md §5.6), sent to `POST /v1/authenticate`.
 * `data.authenticate.oauth2` with `responseType: "code"`, `scope[]`, `state`, and either the
 * new flow's `redirectURI` (AUTH2; CW-FORK's `redirectUri` accepted, §7 conflict 7) or the
 * legacy `responseEncryptionKey` (base64 X9.62 P-384 point, 97 bytes starting 0x04) with
 * `clientSecret`.
 */
import { z } from 'zod'
import { decodeBase64Strict } from '../../lib/bytes'
import { fail } from '../../lib/rejection'
import { parseRule } from '../zod-check'

const OAuth2 = z.object({
	responseType: z.literal('code', { error: 'responseType must be "code"' }),
	scope: z.array(z.string().min(1)).min(1, 'scope needs at least one value'),
	state: z.string().min(1, 'state is required'),
	redirectURI: z.url().optional(),
	redirectUri: z.url().optional(),
	responseEncryptionKey: z.string().optional(),
	clientSecret: z.string().optional(),
	clientId: z.string().optional(),
})

export type OAuth2Request = z.infer<typeof OAuth2>

export function checkAuthenticate(value: unknown): OAuth2Request {
	const auth = parseRule(z.object({ oauth2: OAuth2 }), value, 'authenticate_schema', 'interactiveData.data.authenticate')
	const o = auth.oauth2
	if (o.redirectURI || o.redirectUri) return o
	if (!o.responseEncryptionKey) {
		fail(400, 'authenticate_schema', 'oauth2 needs redirectURI (new flow) or responseEncryptionKey + clientSecret (legacy)')
	}
	let point: Uint8Array
	try {
		point = decodeBase64Strict(o.responseEncryptionKey as string)
	} catch {
		return fail(400, 'authenticate_key', 'responseEncryptionKey must be base64')
	}
	if (point.length !== 97 || point[0] !== 0x04) {
		fail(400, 'authenticate_key', 'responseEncryptionKey must be an uncompressed P-384 point (97 bytes, 0x04 ‖ X ‖ Y)')
	}
	if (!o.clientSecret) fail(400, 'authenticate_schema', 'the legacy flow needs clientSecret')
	return o
}
