/** What the device page is told over its WebSocket; it then re-fetches what changed. */
export type Notice = { kind: 'messages'; customerId: string } | { kind: 'customers' } | { kind: 'rejections' } | { kind: 'inbox' }

/** Sends a notice to every open page (SimulatorState owns the WebSockets). */
export type Notify = (notice: Notice) => void
