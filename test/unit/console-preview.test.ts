/**
 * The composer's check (src/console/preview.ts, docs/console.md "Composer"): the API's schema
 * and preflight with per-field paths, device fitting per preview profile with the reason, and
 * Apple's JSON.
 */
import { describe, expect, it } from 'vitest'
import { checkMessage } from '../../src/console/preview'

const customer = { customerId: 'urn:mbid:AQAAY-x', appleBusinessId: 'biz', capabilities: ['LIST', 'TIME'], deviceAgent: 'iPhone OS', locale: null }

describe('console check', () => {
	it('reports schema errors with the API paths', () => {
		const r = checkMessage({ type: 'listPicker', title: 'T', sections: [{ title: 'S', items: [{ id: 'a' }] }] }, customer)
		expect(r.ok).toBe(false)
		expect(r.errors.map((e) => e.path)).toEqual(['message.sections.0.items.0.title'])
		expect(r.devices).toEqual([])
	})

	it('names a misspelt key as the send does (Apple would reject it)', () => {
		const r = checkMessage({ type: 'listPicker', title: 'T', sections: [{ title: 'S', items: [{ id: 'a', title: 'A' }], listPickerItem: [] }] }, customer)
		expect(r.errors).toEqual([{ path: 'message.sections.0.listPickerItem', message: 'unknown key; check the spelling against the API' }])
	})

	it('reports preflight errors per field and still previews', () => {
		const r = checkMessage({ type: 'quickReply', prompt: 'P', items: [{ id: 'a', title: 'A' }] }, customer)
		expect(r.ok).toBe(false)
		expect(r.errors[0]!.path).toBe('message.items')
		expect(r.devices.length).toBe(4)
	})

	it('previews the fallback on the customer device and the original on a current iPhone', () => {
		const message = {
			type: 'quickReply',
			prompt: 'Size?',
			items: [
				{ id: 's', title: 'Small' },
				{ id: 'l', title: 'Large' },
			],
			fallback: { type: 'text', text: 'Small or large?' },
		}
		const r = checkMessage(message, customer)
		expect(r.ok).toBe(true)
		const by = Object.fromEntries(r.devices.map((d) => [d.key, d]))
		expect(by.customer).toMatchObject({
			rendered: 'fallback',
			reason: { code: 'device_lacks_capability', detail: 'QUICK' },
			message: { type: 'text', text: 'Small or large?' },
		})
		expect(by.iphone).toMatchObject({ rendered: 'original', appleBody: { type: 'interactive', destinationId: 'urn:mbid:AQAAY-x', sourceId: 'biz' } })
		expect(by.mac!.rendered).toBe('original')
	})

	it('names the rich links a text becomes, unless richLinks is false', () => {
		expect(checkMessage({ type: 'text', text: 'see https://example.com/x and www.example.org' }, customer).richLinks).toEqual([
			'https://example.com/x',
			'https://www.example.org/',
		])
		expect(checkMessage({ type: 'text', text: 'see https://example.com/x', richLinks: false }, customer).richLinks).toEqual([])
	})

	it('leaves send-time parts to the send (authentication needs its hosted state)', () => {
		const r = checkMessage({ type: 'authenticate', title: 'Sign in' }, { ...customer, capabilities: ['AUTH2'] })
		const own = r.devices.find((d) => d.key === 'customer')!
		expect(own.appleBody).toBeNull()
		expect(own.renderNote).toMatch(/^Completed at send time/)
	})
})
