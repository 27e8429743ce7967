/** The hosted sub-app's context: the signed-in session and the parsed form (routes/hosted.tsx). */
import type { Context } from 'hono'
import type { Env } from '../context'
import type { Session } from '../hosted/session'
import type { Form } from '../hosted/settings'

export type HostedEnv = { Bindings: Env; Variables: { session: Session; form: Form } }
export type HostedContext = Context<HostedEnv>
