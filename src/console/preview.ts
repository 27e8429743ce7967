/**
 * The composer's check as the agent types (docs/console.md "Composer"): the same parse,
 * preflight and warnings `POST /v1/messages` applies (messaging/schemas.ts, apple/outbound,
 * messaging/warnings.ts),
 * then, per device, what device fitting makes of the message (original, the business's
 * fallback, or derived text, with the reason) and the JSON Apple would receive. Pure apart
 * from the clock: nothing is fetched (URL images and rich-link pages are resolved at send).
 */
import { z } from 'zod'
import { asResolved, fitToDevice, preflight, renderAppleBody, RenderError, type BusinessMessage, type DeviceProfile, type FitReason } from '../apple/outbound'
import { AppError } from '../lib/errors'
import { findUrls } from '../links/detect'
import { parseMessageLikeSend } from '../messaging/schemas'
import { bodyPath, sendWarnings } from '../messaging/warnings'

/** The devices the preview can switch to; mirrors the simulator's profiles (simulator/src/device/devices.ts). */
export const PREVIEW_DEVICES = {
	iphone: { label: 'iPhone (current iOS)', capabilities: ['AUTH', 'AUTH2', 'FORM', 'LIST', 'QUICK', 'TIME'], deviceAgent: 'iPhone OS' },
	'iphone-old': { label: 'iPhone (older iOS: list and time pickers only)', capabilities: ['LIST', 'TIME'], deviceAgent: 'iPhone OS' },
	mac: { label: 'Mac', capabilities: ['AUTH2', 'LIST', 'QUICK', 'TIME'], deviceAgent: 'Mac OS X' },
} as const satisfies Record<string, DeviceProfile & { label: string }>

export const CheckBodySchema = z.strictObject({
	conversationId: z.string().regex(/^[0-9a-f]{64}$/),
	message: z.unknown(),
})

export interface Issue {
	path: string
	message: string
}

export interface DevicePreview {
	key: string
	label: string
	capabilities: readonly string[] | null
	deviceAgent: string | null
	rendered: 'original' | 'fallback' | 'text'
	reason: FitReason | null
	/** What the device is sent (the original, the fallback, or the derived text). */
	message: unknown
	/** Apple's JSON for it, or null when it needs send-time state (authentication, Apple Pay). */
	appleBody: unknown
	renderNote: string | null
}

export interface CheckResult {
	ok: boolean
	errors: Issue[]
	warnings: { path: string; code: string; message: string }[]
	/** URLs in a text message that go out as rich links after it. */
	richLinks: string[]
	devices: DevicePreview[]
}

/** The send's own parse (messaging/schemas.ts): its 400/422 details, with the same `message.…` paths. */
function parseLikeSend(raw: unknown): { message: BusinessMessage } | { errors: Issue[] } {
	try {
		return { message: parseMessageLikeSend(raw) }
	} catch (err) {
		if (!(err instanceof AppError)) throw err
		const details = Array.isArray(err.details) ? (err.details as Issue[]) : []
		return { errors: details.length > 0 ? details : [{ path: 'message', message: err.message }] }
	}
}

export interface CustomerDevice {
	customerId: string
	appleBusinessId: string
	capabilities: string[] | null
	deviceAgent: string | null
	locale: string | null
}

export function checkMessage(raw: unknown, customer: CustomerDevice, now = Date.now()): CheckResult {
	const parsed = parseLikeSend(raw)
	if ('errors' in parsed) return { ok: false, errors: parsed.errors, warnings: [], richLinks: [], devices: [] }
	const message = parsed.message
	// The API's paths (`sections.0.items.1.title`), so each lands on the builder's field.
	const errors = preflight(message, { now }).map((p) => ({ path: bodyPath(p.path), message: p.message }))
	const warnings = sendWarnings(message, now)
	const resolved = asResolved(message)
	const richLinks = message.type === 'text' && message.richLinks !== false ? findUrls(message.text).map((u) => u.url) : []
	if (!resolved) return { ok: errors.length === 0, errors, warnings, richLinks, devices: [] }
	const profiles: (DeviceProfile & { key: string; label: string })[] = [
		{ key: 'customer', label: 'Customer’s device', capabilities: customer.capabilities, deviceAgent: customer.deviceAgent },
		...Object.entries(PREVIEW_DEVICES).map(([key, d]) => ({ key, ...d })),
	]
	const devices = profiles.map((device): DevicePreview => {
		const fit = fitToDevice(resolved, device)
		let appleBody: unknown = null
		let renderNote: string | null = null
		try {
			appleBody = renderAppleBody(fit.message, {
				messageId: '00000000-0000-4000-8000-000000000000',
				businessId: customer.appleBusinessId,
				customerId: customer.customerId,
				requestIdentifier: '00000000-0000-4000-8000-000000000001',
				images: new Map(),
				...(customer.locale ? { locale: customer.locale } : {}),
			})
		} catch (err) {
			if (!(err instanceof RenderError)) throw err
			renderNote = `Completed at send time: ${err.message}`
		}
		return {
			key: device.key,
			label: device.label,
			capabilities: device.capabilities,
			deviceAgent: device.deviceAgent,
			rendered: fit.rendered,
			reason: fit.reason ?? null,
			message: fit.message,
			appleBody,
			renderNote,
		}
	})
	return { ok: errors.length === 0, errors, warnings, richLinks, devices }
}
