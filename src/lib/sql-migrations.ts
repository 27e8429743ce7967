/**
 * Versioned schema migrations for SQLite-backed Durable Objects. `PRAGMA user_version` is
 * not available there, so the applied version lives in a table (docs/platform-limits.md §4).
 * Run inside `blockConcurrencyWhile` in the constructor.
 */
export function migrate(sql: SqlStorage, migrations: readonly string[], fresh?: string): void {
	sql.exec('CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)')
	const row = sql.exec<{ version: number }>('SELECT version FROM _schema').toArray()[0]
	let version = row?.version ?? 0
	if (!row) {
		// A new object: the final schema in one step when the caller has it, instead of every
		// migration in turn (the first write of each object pays for this; docs/performance.md).
		if (fresh !== undefined) {
			sql.exec(fresh)
			sql.exec('INSERT INTO _schema (version) VALUES (?)', migrations.length)
			return
		}
		sql.exec('INSERT INTO _schema (version) VALUES (0)')
	}
	for (; version < migrations.length; version++) {
		sql.exec(migrations[version]!)
		sql.exec('UPDATE _schema SET version = ?', version + 1)
	}
}
