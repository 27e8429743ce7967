/**
 * Structured logs: one JSON line per entry with a message and the ids that locate it
 * (businessId, conversationId, eventId where known), so Workers Logs can filter on them.
 * Never pass a secret, a token or a customer's message text.
 */
type Fields = Record<string, string | number | boolean | null | undefined>

function write(level: 'info' | 'warn' | 'error', message: string, fields: Fields = {}): void {
	const line = JSON.stringify({ level, message, ...fields })
	if (level === 'error') console.error(line)
	else if (level === 'warn') console.warn(line)
	else console.log(line)
}

export const log = {
	info: (message: string, fields?: Fields) => write('info', message, fields),
	warn: (message: string, fields?: Fields) => write('warn', message, fields),
	error: (message: string, fields?: Fields) => write('error', message, fields),
}

/** An error as one line for a log field: name and message, never a stack or a cause's secrets. */
export const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err))
