/** Types of sim-server.mjs (see there). */
export interface SimServer {
	/** `http://127.0.0.1:<port>`, also the simulator's PUBLIC_URL. */
	origin: string
	stop(): Promise<void>
}
export function startSimulator(o: { mspId: string; secret: string }): Promise<SimServer>
