/**
 * SQLite schema of the simulator's state object. Versioned statements applied once each,
 * tracked in `_sim_migrations` (Durable Object SQLite has no `PRAGMA user_version`).
 */
export const MIGRATIONS: readonly string[] = [
	`CREATE TABLE customers (
		id TEXT PRIMARY KEY, name TEXT NOT NULL, device TEXT NOT NULL, locale TEXT NOT NULL,
		created_at INTEGER NOT NULL);
	CREATE TABLE conversations (
		customer_id TEXT NOT NULL, business_id TEXT NOT NULL, intent TEXT, grp TEXT,
		first_sent INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
		blocked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
		PRIMARY KEY (customer_id, business_id));
	CREATE TABLE messages (
		seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, customer_id TEXT NOT NULL,
		business_id TEXT NOT NULL, sender TEXT NOT NULL, type TEXT NOT NULL, endpoint TEXT NOT NULL,
		body TEXT NOT NULL, resolved_interactive TEXT, msp_status INTEGER, msp_response TEXT,
		at INTEGER NOT NULL);
	CREATE INDEX messages_by_customer ON messages (customer_id, seq);
	CREATE TABLE blobs (
		id TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, business_id TEXT,
		origin TEXT NOT NULL, expected_size INTEGER NOT NULL, size INTEGER, checksum TEXT,
		state TEXT NOT NULL, meta TEXT, created_at INTEGER NOT NULL);
	CREATE TABLE rejections (
		seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, method TEXT NOT NULL,
		path TEXT NOT NULL, status INTEGER NOT NULL, rule TEXT NOT NULL, message TEXT NOT NULL,
		customer_id TEXT, business_id TEXT, request TEXT NOT NULL);
	CREATE TABLE switches (name TEXT PRIMARY KEY, value TEXT NOT NULL);
	CREATE TABLE data_refs (
		url TEXT PRIMARY KEY, business_id TEXT NOT NULL, bid TEXT NOT NULL, title TEXT,
		interactive TEXT NOT NULL, data_ref TEXT NOT NULL, created_at INTEGER NOT NULL);
	CREATE TABLE merchant_sessions (
		id TEXT PRIMARY KEY, initiative_context TEXT NOT NULL, body TEXT NOT NULL,
		created_at INTEGER NOT NULL);
	CREATE TABLE inbox (
		seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, webhook_id TEXT, event_type TEXT,
		verified INTEGER NOT NULL, detail TEXT NOT NULL, status INTEGER NOT NULL,
		headers TEXT NOT NULL, body TEXT NOT NULL);`,
	// Optional request headers of business messages (auto-reply, msp-agent, include-data-ref).
	`ALTER TABLE messages ADD COLUMN headers TEXT;`,
	// Warnings on business messages Apple accepted (GatewayWarning[] as JSON).
	`ALTER TABLE messages ADD COLUMN warnings TEXT;`,
	// Businesses known by name (business-directory.ts).
	`CREATE TABLE businesses (
		id TEXT PRIMARY KEY, name TEXT NOT NULL, webhook_url TEXT, updated_at INTEGER NOT NULL);`,
	// The phone directory: invitations (notifications) reach a customer by phone number.
	`ALTER TABLE customers ADD COLUMN phone TEXT;
	CREATE UNIQUE INDEX customers_phone ON customers (phone) WHERE phone IS NOT NULL;`,
]

export function applyMigrations(sql: SqlStorage): void {
	sql.exec('CREATE TABLE IF NOT EXISTS _sim_migrations (version INTEGER PRIMARY KEY)')
	const done = sql.exec<{ v: number | null }>('SELECT MAX(version) AS v FROM _sim_migrations').one().v ?? 0
	for (let v = done; v < MIGRATIONS.length; v++) {
		sql.exec(MIGRATIONS[v] as string)
		sql.exec('INSERT INTO _sim_migrations (version) VALUES (?)', v + 1)
	}
}
