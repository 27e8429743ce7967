/**
 * A hosted flow's outcome (src/hosted/outcome.ts): authentication or Apple Pay settled
 * outside Apple's /message (our redirect URI, the payment gateway, or the decrypted legacy
 * token). Recorded once per (kind, request) as `interactive.received`, sequenced and
 * delivered like any inbound event. Runs inside one transaction of the caller.
 */
import type { HostedOutcomeInput } from '../hosted/outcome'
import { makeEvent } from './events'
import { insertEvent } from './outbox'
import { readRow } from './schema'

export type HostedRecordStatus = 'recorded' | 'duplicate' | 'no_conversation'

export function recordHostedOutcome(sql: SqlStorage, conversationId: string, input: HostedOutcomeInput): HostedRecordStatus {
	const conv = readRow(sql)
	if (!conv) return 'no_conversation'
	const dedupeKey = `hosted\u0000${input.kind}\u0000${input.requestId}`
	if (sql.exec('SELECT 1 FROM messages WHERE dedupe_key = ?', dedupeKey).toArray().length > 0) return 'duplicate'
	const seq = conv.last_seq + 1
	const messageId = `hosted_${input.kind}_${input.requestId}`
	sql.exec('UPDATE conversation SET last_seq = ?, updated_at = ?, inbound_count = inbound_count + 1, customer_typing = 0 WHERE id = 1', seq, input.at)
	// The history keeps the outcome, not an access token the business may have asked for.
	const { accessToken: _token, ...summary } = input.data
	sql.exec(
		`INSERT INTO messages (seq, id, direction, type, payload, status, dedupe_key, created_at, updated_at)
		 VALUES (?, ?, 'inbound', 'interactive', ?, 'received', ?, ?, ?)`,
		seq,
		messageId,
		JSON.stringify({ hostedOutcome: summary }),
		dedupeKey,
		input.at,
		input.at,
	)
	const base = { businessId: conv.business_id, conversationId, customerId: conv.customer_id, sequence: seq }
	insertEvent(sql, seq, makeEvent('interactive.received', base, { messageId, ...input.data }, new Date(input.at)), input.at)
	return 'recorded'
}
