import { describe, expect, it } from 'vitest'
import { envelope, expectAccepted, expectRejected, knownCustomer, mspToken, send } from '../helpers/gateway'

const now = () => Math.floor(Date.now() / 1000)

describe('gateway JWT (docs/apple-protocol.md §2)', () => {
	it('accepts HS256 with iss = MSP ID and a fresh integer iat', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'text', { body: 'hi' })))
	})

	it('401 when Authorization is missing', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token: null }), 401, 'auth_missing', customer)
	})

	it('401 when Authorization is not a bearer token', async () => {
		const customer = await knownCustomer()
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { token: null, headers: { authorization: 'Basic Zm9vOmJhcg==' } })
		await expectRejected(res, 401, 'auth_missing', customer)
	})

	it('403 when the token is garbage', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token: 'not.a.jwt' }), 403, 'auth_invalid', customer)
	})

	it('403 when signed with the secret text instead of its base64-decoded bytes (docs/apple-protocol.md §7)', async () => {
		const customer = await knownCustomer()
		const { env } = await import('cloudflare:workers')
		const token = await mspToken({ key: new TextEncoder().encode(env.APPLE_API_SECRET) })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})

	it('403 on the wrong iss', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ iss: 'someone-else' })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})

	it('403 without iss', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ iss: null })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})

	it('403 when iat is older than one hour', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ iat: now() - 3601 - 5 })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})

	it('accepts iat 59 minutes old', async () => {
		const customer = await knownCustomer()
		await expectAccepted(await send(envelope(customer, 'text', { body: 'hi' }), { token: await mspToken({ iat: now() - 59 * 60 }) }))
	})

	it('403 when iat is in the future beyond 60 s', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ iat: now() + 300 })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})

	it('403 when iat is in milliseconds', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ iat: Date.now() })
		const res = await send(envelope(customer, 'text', { body: 'hi' }), { token })
		expect(res.status).toBe(403)
		expect(((await res.json()) as { message: string }).message).toMatch(/milliseconds/)
	})

	it('403 without iat', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ iat: null })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})

	it('403 on another algorithm', async () => {
		const customer = await knownCustomer()
		const token = await mspToken({ alg: 'HS384' })
		await expectRejected(await send(envelope(customer, 'text', { body: 'hi' }), { token }), 403, 'auth_invalid', customer)
	})
})
