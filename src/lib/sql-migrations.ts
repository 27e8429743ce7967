/**
 * Versioned schema migrations for SQLite-backed Durable Objects. `PRAGMA user_version` is
 * not available there, so the applied version lives in a table (docs/workers-limits.md §4).
 * Run inside `blockConcurrencyWhile` in the constructor.
 */
export function migrate(sql: SqlStorage, migrations: readonly string[]): void {
	sql.exec('CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)')
	const row = sql.exec<{ version: number }>('SELECT version FROM _schema').toArray()[0]
	let version = row?.version ?? 0
	if (!row) sql.exec('INSERT INTO _schema (version) VALUES (0)')
	for (; version < migrations.length; version++) {
		sql.exec(migrations[version]!)
		sql.exec('UPDATE _schema SET version = ?', version + 1)
	}
}
