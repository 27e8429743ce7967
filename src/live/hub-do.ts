/**
 * One Durable Object per business: the console's inbox (one summary row per conversation)
 * and the live channel to the business's open console pages (docs/console.md "Live
 * updates"). Conversations report here after their own work is durable, fire-and-forget;
 * pages hold a hibernatable WebSocket, so an idle console costs nothing while no message
 * moves. The Worker route authenticates the page before it forwards the upgrade here.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../context'
import { log } from '../lib/log'
import { migrate } from '../lib/sql-migrations'
import { InboxSummarySchema, SESSION_EXPIRY_HEADER, type InboxRow, type InboxSummary } from './summary'

const MIGRATIONS = [
	`CREATE TABLE inbox (
		conversation_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, status TEXT NOT NULL,
		last_sequence INTEGER NOT NULL, summary TEXT NOT NULL, updated_at TEXT NOT NULL,
		read_count INTEGER NOT NULL DEFAULT 0);
	 CREATE INDEX inbox_recent ON inbox (updated_at);`,
] as const

export interface InboxQuery {
	status: 'open' | 'closed' | 'all'
	/** Part of the customer id, case-insensitive. */
	search: string | null
	limit: number
}

interface SocketInfo {
	/** When the page's session ends (epoch seconds). */
	expiresAt: number
}

/** Pages connected to one hub; more are refused (each holds a socket in this object). */
const MAX_SOCKETS = 200

export class ConsoleHub extends DurableObject<Env> {
	private readonly sql: SqlStorage

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env)
		this.sql = ctx.storage.sql
		ctx.blockConcurrencyWhile(async () => migrate(this.sql, MIGRATIONS))
	}

	/**
	 * A conversation's latest summary. Out-of-order reports (two runs racing) keep the newer
	 * sequence; the same sequence may still change state (sent, failed), so it replaces.
	 */
	note(input: InboxSummary): void {
		this.noteOne(input)
	}

	/** Several conversations' summaries (JSON text) in one call and one commit: the inbound route's batch (live/hub-feed.ts). */
	noteMany(summaries: string[]): void {
		// The route sends at most 500 per call (live/hub-feed.ts); a larger call is cut, not refused.
		for (const text of summaries.slice(0, 1000)) {
			let input: unknown
			try {
				input = JSON.parse(text)
			} catch {
				log.warn('console hub: unreadable summary ignored')
				continue
			}
			this.noteOne(input)
		}
	}

	private noteOne(input: unknown): void {
		const parsed = InboxSummarySchema.safeParse(input)
		if (!parsed.success) {
			log.warn('console hub: invalid summary ignored', { issue: parsed.error.issues[0]?.message ?? 'invalid' })
			return
		}
		const s = parsed.data
		// One statement: an out-of-order older report changes nothing (the WHERE of the upsert).
		this.sql.exec(
			`INSERT INTO inbox (conversation_id, customer_id, status, last_sequence, summary, updated_at)
			 VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT (conversation_id) DO UPDATE SET status = excluded.status, last_sequence = excluded.last_sequence,
				summary = excluded.summary, updated_at = excluded.updated_at
			 WHERE excluded.last_sequence >= inbox.last_sequence`,
			s.conversationId,
			s.customerId,
			s.status,
			s.lastSequence,
			JSON.stringify(s),
			s.updatedAt,
		)
		// No page open: nothing to tell (the common case while no agent watches).
		if (this.ctx.getWebSockets().length === 0) return
		const row = this.row(s.conversationId)
		if (row) this.broadcast({ type: 'conversation', conversation: row })
	}

	/** The agent has seen this many inbound messages of the conversation. */
	markRead(conversationId: string, inboundCount: number): InboxRow | null {
		this.sql.exec('UPDATE inbox SET read_count = MAX(read_count, ?) WHERE conversation_id = ?', Math.max(0, Math.floor(inboundCount)), conversationId)
		const row = this.row(conversationId)
		if (row) this.broadcast({ type: 'conversation', conversation: row })
		return row
	}

	list(q: InboxQuery): InboxRow[] {
		const like = q.search ? `%${q.search.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null
		return this.sql
			.exec<{ summary: string; read_count: number }>(
				`SELECT summary, read_count FROM inbox
				 WHERE (? = 'all' OR status = ?) AND (? IS NULL OR lower(customer_id) LIKE ? ESCAPE '\\')
				 ORDER BY updated_at DESC LIMIT ?`,
				q.status,
				q.status,
				like,
				like,
				Math.min(Math.max(q.limit, 1), 500),
			)
			.toArray()
			.map((r) => toRow(r.summary, r.read_count))
	}

	private row(conversationId: string): InboxRow | null {
		const r = this.sql
			.exec<{ summary: string; read_count: number }>('SELECT summary, read_count FROM inbox WHERE conversation_id = ?', conversationId)
			.toArray()[0]
		return r ? toRow(r.summary, r.read_count) : null
	}

	private broadcast(event: unknown): void {
		const text = JSON.stringify(event)
		const now = Math.floor(Date.now() / 1000)
		for (const ws of this.ctx.getWebSockets()) {
			try {
				const info = ws.deserializeAttachment() as SocketInfo | null
				if (!info || info.expiresAt <= now) {
					ws.close(4001, 'session expired')
					continue
				}
				ws.send(text)
			} catch {
				// A socket closing right now; its close handler cleans up.
			}
		}
	}

	/**
	 * Only the console route calls this, after it checked the session and the Origin; it
	 * passes the session's expiry, and the socket ends with it (code 4001: sign in again).
	 */
	override async fetch(req: Request): Promise<Response> {
		if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket', { status: 426 })
		if (this.ctx.getWebSockets().length >= MAX_SOCKETS) return new Response('too many console pages open', { status: 429 })
		const expiresAt = Number(req.headers.get(SESSION_EXPIRY_HEADER))
		if (!Number.isSafeInteger(expiresAt)) return new Response('missing session expiry', { status: 400 })
		const pair = new WebSocketPair()
		this.ctx.acceptWebSocket(pair[1])
		pair[1].serializeAttachment({ expiresAt } satisfies SocketInfo)
		// The page answers nothing; "ping" keeps proxies from closing an idle socket.
		this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
		pair[1].send(JSON.stringify({ type: 'hello' }))
		return new Response(null, { status: 101, webSocket: pair[0] })
	}

	override webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): void {
		// Pages only listen; anything they send besides the auto-answered ping is ignored.
	}

	override webSocketClose(ws: WebSocket, code: number): void {
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye')
		} catch {
			// already closed
		}
	}
}

function toRow(summary: string, readCount: number): InboxRow {
	const s = JSON.parse(summary) as InboxSummary
	return { ...s, unread: Math.max(0, s.inboundCount - readCount) }
}
