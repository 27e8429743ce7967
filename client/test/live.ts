/**
 * The running platform for the client's live tests: the Worker in workerd (Miniflare's API,
 * the fault suite's stack), a loopback endpoint playing Apple's gateway (what it `delivered`
 * is what reached Apple) and one playing the business's webhook receiver, and a business
 * created through the admin API. Call `useStack()` at the top of a test file.
 */
import { afterAll, beforeAll } from 'vitest'
import { AmbClient, type AmbClientOptions } from '../src/index.ts'
import { adminCall, createBusiness, Endpoint, type Msp, postInbound, type Received, startMsp, waitFor } from '../../test/fault/stack.mjs'

export { adminCall, postInbound, waitFor, type Received }

export interface Business {
	businessId: string
	apiKey: string
	webhookSecret: string
}

export interface Stack {
	msp: Msp
	/** Apple's gateway: `delivered` holds what Apple accepted. */
	gateway: Endpoint
	/** The business's webhook receiver (raw bodies and headers as received). */
	hooks: Endpoint
	business: Business
	client(options?: Partial<AmbClientOptions>): AmbClient
	/** A customer writes first (customers start conversations); resolves to their id. */
	openConversation(text?: string, business?: Business): Promise<string>
	/** The customer writes again. */
	customerWrites(customerId: string, text: string, business?: Business): Promise<void>
	/** Another business on the same platform, with its own webhook path. */
	newBusiness(hookPath: string): Promise<Business>
}

export function useStack(): Stack {
	const gateway = new Endpoint()
	const hooks = new Endpoint()
	const stack = {
		gateway,
		hooks,
		client(options: Partial<AmbClientOptions> = {}) {
			return new AmbClient({ baseUrl: stack.msp.url, apiKey: stack.business.apiKey, ...options })
		},
		async openConversation(text = 'hi', business?: Business) {
			const customerId = `urn:mbid:client-${crypto.randomUUID()}`
			await stack.customerWrites(customerId, text, business)
			return customerId
		},
		async customerWrites(customerId: string, text: string, business?: Business) {
			const { status } = await postInbound(stack.msp.url, { businessId: (business ?? stack.business).businessId, customerId, text })
			if (status !== 200) throw new Error(`inbound message answered ${status}`)
		},
		newBusiness(hookPath: string) {
			return createBusiness(stack.msp.url, `${hooks.url}${hookPath}`)
		},
	} as Stack

	beforeAll(async () => {
		await gateway.start()
		await hooks.start()
		gateway.answer = () => ({ status: 200 })
		hooks.answer = () => ({ status: 204 })
		stack.msp = await startMsp({ gatewayUrl: gateway.url })
		stack.business = await createBusiness(stack.msp.url, `${hooks.url}/hook`)
	})

	afterAll(async () => {
		await stack.msp?.stop()
		stack.msp?.removeState()
		await hooks.stop()
		await gateway.stop()
	})

	return stack
}

/** Apple's message id of a request to the gateway. */
export const appleId = (r: Received): string => String((r.json as unknown as { id: string }).id)

/** A fetch that counts calls and can fail an attempt at the connection level or replace its answer. */
export function flakyFetch(plan: { failAfterSending?: number[]; failBeforeSending?: number[]; replaceAnswer?: Record<number, () => Response> } = {}) {
	const calls: { url: string; method: string; headers: Headers }[] = []
	const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
		const n = calls.length + 1
		calls.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers) })
		if (plan.failBeforeSending?.includes(n)) throw new TypeError('fetch failed (connection refused, simulated)')
		const res = await fetch(input, init)
		if (plan.failAfterSending?.includes(n)) {
			// The server did the work; its answer is lost on the way back.
			await res.body?.cancel()
			throw new TypeError('fetch failed (connection reset, simulated)')
		}
		const replacement = plan.replaceAnswer?.[n]
		if (replacement) {
			// The server did the work; a proxy in front of it answers something else.
			await res.body?.cancel()
			return replacement()
		}
		return res
	}
	return { fetch: fetchImpl, calls }
}

/** Waits until `check` returns a value (not undefined); bounded. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
	let value: T | undefined
	await waitFor(
		what,
		async () => {
			value = await check()
			return value !== undefined
		},
		timeoutMs,
	)
	return value as T
}
