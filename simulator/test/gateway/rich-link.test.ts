import { describe, it } from 'vitest'
import { envelope, expectAccepted, expectRejected, knownCustomer, PNG_B64, send } from '../helpers/gateway'

const link = (customer: string, richLinkData: Record<string, unknown>) => envelope(customer, 'richLink', { richLinkData })

describe('rich link (docs/apple-interactive.md §5.4)', () => {
	it('accepts url, title and an image asset', async () => {
		const customer = await knownCustomer()
		const res = await send(link(customer, { url: 'https://example.com/p', title: 'iPad Pro', assets: { image: { data: PNG_B64, mimeType: 'image/png' } } }))
		await expectAccepted(res)
	})
	it('accepts a video with its image', async () => {
		const customer = await knownCustomer()
		const res = await send(
			link(customer, {
				url: 'https://example.com/v',
				title: 'Clip',
				assets: { image: { data: PNG_B64, mimeType: 'image/png' }, video: { url: 'https://example.com/c.mp4', mimeType: 'video/mp4' } },
			}),
		)
		await expectAccepted(res)
	})
	it('400 without title', async () => {
		const customer = await knownCustomer()
		const res = await send(link(customer, { url: 'https://example.com/p', assets: { image: { data: PNG_B64, mimeType: 'image/png' } } }))
		await expectRejected(res, 400, 'richlink_schema', customer)
	})
	it('400 on a custom URL scheme', async () => {
		const customer = await knownCustomer()
		const res = await send(link(customer, { url: 'myapp://open', title: 'x', assets: { image: { data: PNG_B64, mimeType: 'image/png' } } }))
		await expectRejected(res, 400, 'richlink_schema', customer)
	})
	it('400 without assets', async () => {
		const customer = await knownCustomer()
		await expectRejected(await send(link(customer, { url: 'https://example.com/p', title: 'x' })), 400, 'richlink_schema', customer)
		await expectRejected(await send(link(customer, { url: 'https://example.com/p', title: 'x', assets: {} })), 400, 'richlink_assets_missing', customer)
	})
	it('400 when the image is over 200 kB', async () => {
		const customer = await knownCustomer()
		const big = btoa('x'.repeat(210 * 1024))
		const res = await send(link(customer, { url: 'https://example.com/p', title: 'x', assets: { image: { data: big, mimeType: 'image/jpeg' } } }))
		await expectRejected(res, 400, 'richlink_image_size', customer)
	})
})
