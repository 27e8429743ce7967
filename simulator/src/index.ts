// Wiring only: the Hono app and the state Durable Object class for the runtime.
import { app } from './app'
import type { SimEnv } from './env'

export { SimulatorState } from './state/simulator-state'

export default { fetch: app.fetch } satisfies ExportedHandler<SimEnv>
