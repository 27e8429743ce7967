/** The simulator's switches (behaviour toggles) and the injected failures they count down. */
import { json, type Row } from './rows'
import { DEFAULT_SWITCHES, type Switches } from './types'

export function getSwitches(sql: SqlStorage): Switches {
	const out: Record<string, unknown> = { ...DEFAULT_SWITCHES }
	for (const row of sql.exec<Row>('SELECT name, value FROM switches').toArray()) {
		out[String(row.name)] = json(row.value)
	}
	return out as unknown as Switches
}

export function setSwitches(sql: SqlStorage, patch: Partial<Switches>): Switches {
	for (const [name, value] of Object.entries(patch)) {
		if (value === undefined) continue
		sql.exec('INSERT INTO switches (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', name, JSON.stringify(value))
	}
	return getSwitches(sql)
}

/** Take one injected failure if any are left (atomic: one RPC call). */
export function consumeInjectedFailure(sql: SqlStorage): number | null {
	const s = getSwitches(sql)
	if (s.failNextMessages <= 0) return null
	setSwitches(sql, { failNextMessages: s.failNextMessages - 1 })
	return s.failureStatus
}
