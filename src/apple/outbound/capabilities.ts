/**
 * Device fitting (docs/apple-protocol.md §6.1): which capabilities a message needs, whether the
 * customer's device has them, and what to send instead when it does not.
 *
 * - Quick reply, list picker, time picker and forms need QUICK, LIST, TIME and FORM;
 *   authentication needs AUTH2 (new flow, preferred) or AUTH (legacy) (§6.1, docs/apple-interactive.md §5.6).
 * - Forms and iMessage apps work only on iPhone and iPad (§6.1, [C1] A-CS); Apple Pay and rich
 *   links work everywhere.
 * - When no capability list was ever received (null) we assume a current iPhone, which has
 *   every capability: Apple marks the header REQUIRED (docs/apple-protocol.md §3), so null means a conversation
 *   we know nothing about yet, and refusing every interactive type there would punish the
 *   common case. An empty list, by contrast, means "none".
 * - An unknown `device-agent` string counts as not iPhone/iPad, so forms and apps fall back to
 *   text: a readable message beats one the device cannot open.
 */
import type { KNOWN_CAPABILITIES } from '../inbound'
import { APPLE_BUSINESS_EXTENSION_BID, type AppleRawPayload, type InteractiveDataKey } from './apple-body'
import type { RenderableMessage, ResolvedMessage } from './business-message'
import { deriveTextFallback } from './text-fallback'

export type Capability = (typeof KNOWN_CAPABILITIES)[number]

/** Met when the device has any one of these capabilities. */
export type CapabilityRequirement = readonly Capability[]

export interface DeviceProfile {
	/** The latest `capability-list`, or null when none was ever received. */
	capabilities: readonly string[] | null
	/** The latest `device-agent` (`iPhone OS`, `Mac OS X`, …), or null. */
	deviceAgent: string | null
}

/**
 * Why a message is not sent as the business wrote it: `device_lacks_capability` (detail: the
 * capability, e.g. `LIST`, or `AUTH2|AUTH` when either would do) or `device_not_iphone_or_ipad`
 * (detail: the device agent, when known).
 */
export interface FitReason {
	code: 'device_lacks_capability' | 'device_not_iphone_or_ipad'
	detail?: string
}

export interface FitResult {
	/** What to render; the original may still carry its `fallback`, which the renderer ignores. */
	message: RenderableMessage
	rendered: 'original' | 'fallback' | 'text'
	/** Set exactly when `rendered` is not `original`. */
	reason?: FitReason
}

const BY_DATA_KEY: Record<InteractiveDataKey, CapabilityRequirement | null> = {
	listPicker: ['LIST'],
	event: ['TIME'],
	'quick-reply': ['QUICK'],
	dynamic: ['FORM'],
	authenticate: ['AUTH2', 'AUTH'],
	payment: null,
}

function rawRequirement(payload: AppleRawPayload): CapabilityRequirement | null {
	if (payload.type !== 'interactive') return null
	const data = payload.interactiveData?.data
	if (!data) return null
	const oauth2 = data.authenticate?.oauth2
	// A raw auth payload already commits to one flow: AUTH2 sends a redirect URI, legacy a key.
	if (oauth2?.redirectURI !== undefined) return ['AUTH2']
	if (oauth2?.responseEncryptionKey !== undefined) return ['AUTH']
	for (const [key, need] of Object.entries(BY_DATA_KEY)) {
		if (data[key as InteractiveDataKey] !== undefined) return need
	}
	return null
}

/** All of these requirements must be met (in practice there is at most one). */
export function requiredCapabilities(message: RenderableMessage): CapabilityRequirement[] {
	const need = ((): CapabilityRequirement | null => {
		switch (message.type) {
			case 'quickReply':
				return ['QUICK']
			case 'listPicker':
				return ['LIST']
			case 'timePicker':
				return ['TIME']
			case 'form':
				return ['FORM']
			case 'authenticate':
				return ['AUTH2', 'AUTH']
			case 'apple':
				return rawRequirement(message.payload)
			default:
				return null
		}
	})()
	return need ? [need] : []
}

/** Forms and the business's own iMessage extensions run only on iPhone and iPad (§6.1). */
export function needsIphoneOrIpad(message: RenderableMessage): boolean {
	if (message.type === 'form' || message.type === 'iMessageApp') return true
	if (message.type !== 'apple' || message.payload.type !== 'interactive') return false
	const d = message.payload.interactiveData
	if (!d) return false
	return d.bid !== APPLE_BUSINESS_EXTENSION_BID || d.data?.dynamic !== undefined
}

/** null (never told) counts as an iPhone; see the module comment. */
export function isIphoneOrIpad(deviceAgent: string | null): boolean {
	return deviceAgent === null || /iphone|ipad|\bios\b/i.test(deviceAgent)
}

const normalise = (capabilities: readonly string[]) => new Set(capabilities.map((c) => c.trim().toUpperCase()))

/** Why the device cannot show this message, or null when it can. */
export function misfit(message: RenderableMessage, device: DeviceProfile): FitReason | null {
	if (needsIphoneOrIpad(message) && !isIphoneOrIpad(device.deviceAgent)) {
		return device.deviceAgent === null ? { code: 'device_not_iphone_or_ipad' } : { code: 'device_not_iphone_or_ipad', detail: device.deviceAgent }
	}
	if (device.capabilities === null) return null
	const has = normalise(device.capabilities)
	const missing = requiredCapabilities(message).find((anyOf) => !anyOf.some((c) => has.has(c)))
	return missing ? { code: 'device_lacks_capability', detail: missing.join('|') } : null
}

export function fitsDevice(message: RenderableMessage, device: DeviceProfile): boolean {
	return misfit(message, device) === null
}

/** Which authentication flow the device takes: AUTH2 when it can, else legacy, else none. */
export function authFlowFor(device: DeviceProfile): 'auth2' | 'legacy' | null {
	if (device.capabilities === null) return 'auth2'
	const has = normalise(device.capabilities)
	if (has.has('AUTH2')) return 'auth2'
	if (has.has('AUTH')) return 'legacy'
	return null
}

/**
 * The message itself when the device can show it; else the business's `fallback` when that
 * fits (inheriting `bot` unless it sets its own); else a derived text message.
 */
export function fitToDevice(message: ResolvedMessage, device: DeviceProfile): FitResult {
	const reason = message.type === 'typing' ? null : misfit(message, device)
	if (message.type === 'typing' || reason === null) return { message, rendered: 'original' }
	const fallback = message.fallback
	if (fallback && fitsDevice(fallback, device)) {
		const bot = fallback.bot ?? message.bot
		return { message: bot === undefined ? fallback : { ...fallback, bot }, rendered: 'fallback', reason }
	}
	return { message: deriveTextFallback(message), rendered: 'text', reason }
}
