/** Types of console-stack.mjs (see there). */
export interface ConsoleStack {
	/** `http://127.0.0.1:<port>` of the MSP. */
	msp: string
	/** `http://127.0.0.1:<port>` of the simulator (Apple's gateway and the device page). */
	sim: string
	stop(): Promise<void>
}
export function startConsoleStack(o: { mspId: string; secret: string; adminToken: string }): Promise<ConsoleStack>
export function toBuffer(bytes: Uint8Array): never
