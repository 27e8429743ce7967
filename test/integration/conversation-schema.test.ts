/**
 * A new conversation object creates its final schema in one step (FRESH_SCHEMA); an existing
 * one reaches it through MIGRATIONS. Both must be the same database, column by column.
 */
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { FRESH_SCHEMA, MIGRATIONS } from '../../src/conversation/schema'
import { migrate } from '../../src/lib/sql-migrations'
import { customerId } from '../helpers/apple'
import { conversationOf } from '../helpers/conversation'

interface Column {
	name: string
	type: string
	notnull: number
	dflt_value: string | null
	pk: number
	[k: string]: SqlStorageValue
}

/** Tables with their columns, and indexes with their definitions (whitespace folded). */
function describeSchema(sql: SqlStorage) {
	const objects = sql
		.exec<{ type: string; name: string; sql: string | null }>(
			"SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type, name",
		)
		.toArray()
	return objects.map((o) =>
		o.type === 'table'
			? {
					table: o.name,
					columns: sql
						.exec<Column>(`PRAGMA table_info(${o.name})`)
						.toArray()
						.map((c) => ({ ...c, cid: undefined })),
				}
			: { index: o.name, sql: (o.sql ?? '').replace(/\s+/g, ' ').trim() },
	)
}

function dropAll(sql: SqlStorage) {
	const tables = sql
		.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
		.toArray()
	for (const t of tables) sql.exec(`DROP TABLE ${t.name}`)
}

describe('conversation schema', () => {
	it('the one-step schema of a new object equals what the migrations build', async () => {
		const fresh = conversationOf('schema-business', customerId())
		const migrated = conversationOf('schema-business', customerId())
		const a = await runInDurableObject(fresh, (_i, s) => {
			dropAll(s.storage.sql)
			migrate(s.storage.sql, MIGRATIONS, FRESH_SCHEMA)
			return describeSchema(s.storage.sql)
		})
		const b = await runInDurableObject(migrated, (_i, s) => {
			dropAll(s.storage.sql)
			migrate(s.storage.sql, MIGRATIONS)
			return { schema: describeSchema(s.storage.sql), version: s.storage.sql.exec<{ v: number }>('SELECT version AS v FROM _schema').one().v }
		})
		expect(b.version).toBe(MIGRATIONS.length)
		expect(a.length).toBeGreaterThan(8)
		expect(a).toEqual(b.schema)
	})

	it("the customer_typing migration takes it from the customer's latest message, past the business's since", async () => {
		const stub = conversationOf('schema-business', customerId())
		const typing = await runInDurableObject(stub, (_i, s) => {
			const sql = s.storage.sql
			dropAll(sql)
			migrate(
				sql,
				MIGRATIONS.slice(
					0,
					MIGRATIONS.findIndex((m) => m.includes('customer_typing')),
				),
			)
			sql.exec("INSERT INTO conversation (id, business_id, customer_id, status, last_seq, started_at, updated_at) VALUES (1, 'b', 'c', 'open', 4, 'x', 'x')")
			const message = (seq: number, direction: string, type: string) =>
				sql.exec(
					"INSERT INTO messages (seq, id, direction, type, payload, status, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', 'received', 'x', 'x')",
					seq,
					`m${seq}`,
					direction,
					type,
				)
			message(1, 'inbound', 'text')
			message(2, 'inbound', 'typing_start')
			message(3, 'outbound', 'text')
			message(4, 'outbound', 'text')
			migrate(sql, MIGRATIONS)
			return sql.exec<{ t: number }>('SELECT customer_typing AS t FROM conversation').one().t
		})
		expect(typing).toBe(1)
	})

	it('a handoff finds the events still to ring by their index, not by walking the pending line', async () => {
		const stub = conversationOf('schema-business', customerId())
		const plan = await runInDurableObject(stub, (_i, s) => {
			migrate(s.storage.sql, MIGRATIONS, FRESH_SCHEMA)
			return s.storage.sql
				.exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT event_id FROM events WHERE state = 'pending' AND handed_off = 0 ORDER BY seq, rowid LIMIT 100")
				.toArray()
				.map((r) => r.detail)
				.join('\n')
		})
		expect(plan).toContain('events_unrung')
	})

	it('a new object records its schema version as the last migration: nothing runs twice', async () => {
		const stub = conversationOf('schema-business', customerId())
		const version = await runInDurableObject(stub, (_i, s) => {
			migrate(s.storage.sql, MIGRATIONS, FRESH_SCHEMA)
			return s.storage.sql.exec<{ v: number }>('SELECT version AS v FROM _schema').one().v
		})
		expect(version).toBe(MIGRATIONS.length)
	})
})
