/** Types of msp-sim-stack.mjs (see there). */
export interface MspSimStack {
	/** `http://127.0.0.1:<port>` of the MSP. */
	mspUrl: string
	/** `http://127.0.0.1:<port>` of the simulator (Apple's gateway and the device page). */
	simUrl: string
	stop(): Promise<void>
}
export function startMspAndSimulator(o: { mspId: string; secret: string; adminToken: string }): Promise<MspSimStack>
