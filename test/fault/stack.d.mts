/** Types of stack.mjs (see there). */
export interface Received {
	path: string
	headers: Record<string, string | string[] | undefined>
	body: string
	json: { type: string; timestamp: string; data: Record<string, unknown> & { sequence: number; customerId: string; conversationId: string } } & Record<
		string,
		unknown
	>
}
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang'
export class Endpoint {
	delivered: Received[]
	seen: Received[]
	answer: (r: Received) => Answer
	port: number
	readonly url: string
	start(port?: number): Promise<Endpoint>
	refuse(): Promise<void>
	resume(): Promise<void>
	stop(): Promise<void>
}
export interface Msp {
	url: string
	stateDir: string
	kill(): Promise<void>
	stop(): Promise<void>
	removeState(): void
}
export const MSP_ID: string
export const ADMIN_TOKEN: string
export function startMsp(o: { stateDir?: string; gatewayUrl: string }): Promise<Msp>
export function appleJwt(): string
export function postInbound(mspUrl: string, m: { businessId: string; customerId: string; text: string; id?: string }): Promise<{ status: number; id: string }>
export function createBusiness(mspUrl: string, webhookUrl: string): Promise<{ businessId: string; apiKey: string; webhookSecret: string }>
export function businessCall(
	mspUrl: string,
	apiKey: string,
	path: string,
	o?: { method?: string; json?: unknown; headers?: Record<string, string> },
): Promise<{ status: number; headers: Headers; json: unknown }>
export function adminCall(mspUrl: string, path: string, o?: { method?: string; json?: unknown }): Promise<{ status: number; json: unknown }>
export function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>
