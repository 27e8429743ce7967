/** Addressing a business's invitations object, and its key on the cron's watchlist. */
import type { Env } from '../context'

export const invitationsStub = (env: Env, businessId: string) => env.INVITATIONS.getByName(businessId)

const WATCH_PREFIX = 'invitations:'

/** Watchlist entries are conversation ids (64 hex) or this; `:` never occurs in a conversation id. */
export const invitationsWatchKey = (businessId: string) => `${WATCH_PREFIX}${businessId}`

export const businessOfWatchKey = (key: string): string | null => (key.startsWith(WATCH_PREFIX) ? key.slice(WATCH_PREFIX.length) : null)
