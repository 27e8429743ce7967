import { describe, expect, it } from 'vitest'
import { normaliseReply } from '../../src/apple/replies'
import {
	notificationAnswer,
	notificationBody,
	optOutReferenceIds,
	phoneOfDestination,
	templateTakesImage,
	NOTIFICATION_HEADERS,
} from '../../src/apple/notification'
import { isPng, resolveBrandLogo } from '../../src/invitations/logo'
import { CreateInvitationSchema } from '../../src/invitations/schemas'
import { AppError } from '../../src/lib/errors'

const BID = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

describe('notification body (the spec’s interactive body)', () => {
	it('has the exact shape, with a tel: destination and only the parameters given', () => {
		expect(
			notificationBody({
				id: 'm-1',
				sourceId: 'biz-1',
				phoneNumber: '+15551234567',
				requestIdentifier: 'r-1',
				templateId: 'binaryChoice.engage.withImage',
				referenceId: 'order-12345',
				locale: 'en-us',
				brandName: 'Acme Dental',
				brandLogo: PNG_B64,
			}),
		).toEqual({
			v: 1,
			id: 'm-1',
			sourceId: 'biz-1',
			destinationId: 'tel:+15551234567',
			type: 'interactive',
			interactiveData: {
				bid: BID,
				useLiveLayout: true,
				data: {
					version: '1.0',
					requestIdentifier: 'r-1',
					notification: {
						templateId: 'binaryChoice.engage.withImage',
						referenceId: 'order-12345',
						locale: 'en-us',
						parameters: { brandName: 'Acme Dental', brandLogo: PNG_B64 },
					},
				},
			},
		})
		const bare = notificationBody({ id: 'm', sourceId: 'b', phoneNumber: '+15551234567', requestIdentifier: 'r', templateId: 't', referenceId: 'x' })
		expect(bare.interactiveData.data.notification).toEqual({ templateId: 't', referenceId: 'x' })
		expect(NOTIFICATION_HEADERS).toEqual({ 'message-type': 'notification' })
	})

	it('knows which templates take an image', () => {
		expect(templateTakesImage('binaryChoice.engage.withImage')).toBe(true)
		expect(templateTakesImage('binaryChoice.engage.noImage')).toBe(false)
		expect(templateTakesImage('binaryChoice.NOIMAGE')).toBe(false)
	})

	it('reads a tel: id and nothing else', () => {
		expect(phoneOfDestination('tel:+15551234567')).toBe('+15551234567')
		expect(phoneOfDestination('urn:mbid:AQAA')).toBeNull()
		expect(phoneOfDestination('tel:5551234567')).toBeNull()
	})
})

describe('what comes back', () => {
	const answer = {
		bid: BID,
		data: {
			requestIdentifier: 'r-1',
			notification: { templateId: 't', referenceId: 'order-1', displayContent: { determinateResponse: { title: 'Yes', subtitle: 'Acme', identifier: 'yes' } } },
		},
	}

	it('parses an answer tolerantly', () => {
		expect(notificationAnswer(answer)).toEqual({
			requestIdentifier: 'r-1',
			referenceId: 'order-1',
			templateId: 't',
			choice: { title: 'Yes', subtitle: 'Acme', id: 'yes' },
		})
		expect(notificationAnswer({ data: { notification: { displayContent: 'odd', referenceId: 5 } } })).toEqual({
			requestIdentifier: null,
			referenceId: null,
			templateId: null,
			choice: null,
		})
		expect(notificationAnswer({ data: { 'quick-reply': {} } })).toBeNull()
		expect(notificationAnswer(null)).toBeNull()
	})

	it('normalises an answer like other replies (kind invitation)', () => {
		expect(normaliseReply(answer)).toMatchObject({
			kind: 'invitation',
			requestId: 'r-1',
			displayText: 'Yes',
			selected: { title: 'Yes', subtitle: 'Acme' },
			referenceId: 'order-1',
		})
	})

	it('a close with referenceIds is an opt-out; without, the ordinary close', () => {
		expect(optOutReferenceIds({ type: 'close', referenceIds: ['a', 'b'] })).toEqual(['a', 'b'])
		expect(optOutReferenceIds({ type: 'close', referenceIds: [] })).toBeNull()
		expect(optOutReferenceIds({ type: 'close', referenceIds: [3, ''] })).toBeNull()
		expect(optOutReferenceIds({ type: 'close' })).toBeNull()
		expect(optOutReferenceIds({ type: 'text', referenceIds: ['a'] })).toBeNull()
	})
})

describe('request validation', () => {
	const ok = { phoneNumber: '+15551234567', templateId: 'binaryChoice.engage.withImage' }
	it('accepts the documented body', () => {
		expect(
			CreateInvitationSchema.safeParse({ ...ok, referenceId: 'order-1', locale: 'en-us', parameters: { brandName: 'Acme', brandLogo: PNG_B64 } }).success,
		).toBe(true)
		expect(CreateInvitationSchema.safeParse({ ...ok, locale: 'pt_BR' }).success).toBe(true)
	})
	it.each([
		['+0123456789', 'leading zero country code'],
		['+12345', 'too short'],
		['+1234567890123456', 'too long'],
		['15551234567', 'no plus'],
		['+1-555-123-4567', 'dashes'],
	])('refuses phone %s (%s)', (phoneNumber) => {
		expect(CreateInvitationSchema.safeParse({ ...ok, phoneNumber }).success).toBe(false)
	})
	it('refuses unknown keys, empty brand names and odd template ids', () => {
		expect(CreateInvitationSchema.safeParse({ ...ok, extra: 1 }).success).toBe(false)
		expect(CreateInvitationSchema.safeParse({ ...ok, parameters: { brandName: ' ' } }).success).toBe(false)
		expect(CreateInvitationSchema.safeParse({ ...ok, templateId: '' }).success).toBe(false)
		expect(CreateInvitationSchema.safeParse({ ...ok, templateId: 'a b' }).success).toBe(false)
	})
})

describe('brand logo', () => {
	it('takes a base64 PNG (data: URL prefix allowed) and refuses anything else with a 422', async () => {
		expect(await resolveBrandLogo(PNG_B64, 'production')).toBe(PNG_B64)
		expect(await resolveBrandLogo(`data:image/png;base64,${PNG_B64}`, 'production')).toBe(PNG_B64)
		expect(isPng(Uint8Array.from(atob(PNG_B64), (c) => c.charCodeAt(0)))).toBe(true)
		await expect(resolveBrandLogo(btoa('GIF89a'), 'production')).rejects.toBeInstanceOf(AppError)
		await expect(resolveBrandLogo('http://example.com/logo.png', 'production')).rejects.toMatchObject({ status: 422 })
		const big = new Uint8Array(600 * 1024)
		big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
		let s = ''
		for (let i = 0; i < big.length; i += 0x8000) s += String.fromCharCode(...big.subarray(i, i + 0x8000))
		await expect(resolveBrandLogo(btoa(s), 'production')).rejects.toMatchObject({ status: 422 })
	})
})
