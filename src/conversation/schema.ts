/**
 * The conversation object's SQLite schema and row mapping (docs/ARCHITECTURE.md
 * "Conversation object"). Every module of this folder works on these tables through `sql`;
 * the object class only wires them.
 */

/** Tables that no migration has changed since they were created: shared by MIGRATIONS and FRESH_SCHEMA. */
const MESSAGES_TABLES = `CREATE TABLE messages (
		seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, direction TEXT NOT NULL,
		type TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
		dedupe_key TEXT UNIQUE, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
	 CREATE TABLE message_aliases (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);`
const SENDS_TABLES = `CREATE TABLE outbound (
		seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, job TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT);
	 CREATE TABLE idempotency (
		key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);`
const REQUESTS_TABLES = `CREATE TABLE requests (
		request_id TEXT PRIMARY KEY, message_id TEXT NOT NULL, template_id TEXT,
		request TEXT NOT NULL, created_at TEXT NOT NULL);`
const STAGING_TABLES = `CREATE TABLE staging (
		seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, job TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT);`

export const MIGRATIONS = [
	`CREATE TABLE conversation (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		business_id TEXT NOT NULL, customer_id TEXT NOT NULL,
		status TEXT NOT NULL, capabilities TEXT, device_agent TEXT, locale TEXT,
		intent TEXT, grp TEXT, route TEXT,
		last_seq INTEGER NOT NULL DEFAULT 0,
		started_at TEXT NOT NULL, updated_at TEXT NOT NULL, closed_at TEXT);
	 ${MESSAGES_TABLES}
	 CREATE TABLE events (
		event_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, type TEXT NOT NULL,
		payload TEXT NOT NULL, enqueued INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
	 CREATE INDEX events_pending ON events (enqueued, created_at) WHERE enqueued = 0;`,
	SENDS_TABLES,
	REQUESTS_TABLES,
	`ALTER TABLE events ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
	 ${STAGING_TABLES}`,
	// The Apple-facing business id (a linked account id may differ from ours; docs/apple-protocol.md "Linked accounts").
	`ALTER TABLE conversation ADD COLUMN apple_business_id TEXT;`,
	// Delivery state per event (docs/ARCHITECTURE.md "Delivery"): an event stays 'pending'
	// until it is delivered, dead-lettered or dropped; `due_at` is when the conversation must
	// look at it again (the handoff watchdog or the next retry). The unused route column goes:
	// the delivery path chooses the route from the business's current rules.
	`ALTER TABLE events ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
	 ALTER TABLE events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE events ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE events ADD COLUMN handed_off INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE events ADD COLUMN last_status INTEGER;
	 ALTER TABLE events ADD COLUMN last_error TEXT;
	 ALTER TABLE events ADD COLUMN settled_at TEXT;
	 UPDATE events SET state = CASE WHEN enqueued = 1 THEN 'delivered' ELSE 'pending' END;
	 DROP INDEX events_pending;
	 CREATE INDEX events_open ON events (seq) WHERE state = 'pending';
	 CREATE INDEX events_by_seq ON events (seq);
	 ALTER TABLE conversation DROP COLUMN route;
	 ALTER TABLE conversation ADD COLUMN alarm_at INTEGER;
	 ALTER TABLE conversation ADD COLUMN watched INTEGER NOT NULL DEFAULT 0;`,
	// The console's unread count without counting the history on every report (docs/console.md
	// "Live updates"): inbound messages but typing indicators, kept with each write.
	`ALTER TABLE conversation ADD COLUMN inbound_count INTEGER NOT NULL DEFAULT 0;
	 UPDATE conversation SET inbound_count = (SELECT count(*) FROM messages WHERE direction = 'inbound' AND type NOT IN ('typing_start', 'typing_end'));`,
	// Whether the customer's latest message is typing_start, kept with each inbound write, so the
	// inbox row is read without walking the business's messages since (docs/performance.md).
	`ALTER TABLE conversation ADD COLUMN customer_typing INTEGER NOT NULL DEFAULT 0;
	 UPDATE conversation SET customer_typing = COALESCE((SELECT type = 'typing_start' FROM messages WHERE direction = 'inbound' ORDER BY seq DESC LIMIT 1), 0);`,
	// The events the object still has to ring for (holds included: they are never rung), so a
	// handoff does not walk a long line of rung ones (outbox.ts handoffBodies).
	`CREATE INDEX events_unrung ON events (seq) WHERE state = 'pending' AND handed_off = 0;`,
] as const

/**
 * What MIGRATIONS add up to, for a new object in one step (lib/sql-migrations.ts). Columns in
 * the order the migrations leave them; a test compares both paths column by column.
 */
export const FRESH_SCHEMA = `CREATE TABLE conversation (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		business_id TEXT NOT NULL, customer_id TEXT NOT NULL,
		status TEXT NOT NULL, capabilities TEXT, device_agent TEXT, locale TEXT,
		intent TEXT, grp TEXT,
		last_seq INTEGER NOT NULL DEFAULT 0,
		started_at TEXT NOT NULL, updated_at TEXT NOT NULL, closed_at TEXT,
		apple_business_id TEXT, alarm_at INTEGER, watched INTEGER NOT NULL DEFAULT 0,
		inbound_count INTEGER NOT NULL DEFAULT 0, customer_typing INTEGER NOT NULL DEFAULT 0);
	 ${MESSAGES_TABLES}
	 CREATE TABLE events (
		event_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, type TEXT NOT NULL,
		payload TEXT NOT NULL, enqueued INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
		blocked INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending',
		attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL DEFAULT 0,
		handed_off INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, settled_at TEXT);
	 CREATE INDEX events_open ON events (seq) WHERE state = 'pending';
	 CREATE INDEX events_by_seq ON events (seq);
	 CREATE INDEX events_unrung ON events (seq) WHERE state = 'pending' AND handed_off = 0;
	 ${SENDS_TABLES}
	 ${REQUESTS_TABLES}
	 ${STAGING_TABLES}`

export interface ConversationRow {
	business_id: string
	customer_id: string
	status: 'open' | 'closed'
	capabilities: string | null
	device_agent: string | null
	locale: string | null
	intent: string | null
	grp: string | null
	last_seq: number
	started_at: string
	updated_at: string
	closed_at: string | null
	apple_business_id: string | null
	alarm_at: number | null
	watched: number
	inbound_count: number
	/** 1 while the customer's latest message is typing_start. */
	customer_typing: number
	[k: string]: SqlStorageValue
}

export interface ConversationState {
	conversationId: string
	businessId: string
	customerId: string
	status: 'open' | 'closed'
	capabilities: string[] | null
	deviceAgent: string | null
	locale: string | null
	intent: string | null
	group: string | null
	lastSequence: number
	startedAt: string
	updatedAt: string
	closedAt: string | null
	/** The id Apple knows the business by in this conversation (`sourceId` of our sends). */
	appleBusinessId: string
}

export function readRow(sql: SqlStorage): ConversationRow | null {
	return sql.exec<ConversationRow>('SELECT * FROM conversation WHERE id = 1').toArray()[0] ?? null
}

export function toState(conversationId: string, r: ConversationRow): ConversationState {
	return {
		conversationId,
		businessId: r.business_id,
		customerId: r.customer_id,
		status: r.status,
		capabilities: r.capabilities === null ? null : (JSON.parse(r.capabilities) as string[]),
		deviceAgent: r.device_agent,
		locale: r.locale,
		intent: r.intent,
		group: r.grp,
		lastSequence: r.last_seq,
		startedAt: r.started_at,
		updatedAt: r.updated_at,
		closedAt: r.closed_at,
		appleBusinessId: r.apple_business_id ?? r.business_id,
	}
}
