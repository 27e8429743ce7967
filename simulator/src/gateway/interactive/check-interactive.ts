/**
 * `type: "interactive"` (docs/apple-interactive.md §2, docs/apple-protocol.md §4.8): exactly one of
 * `interactiveData` or `interactiveDataRef`. For Apple-provided types: Apple's bid, `data`
 * with `requestIdentifier` and `version` (or Apple's list/time samples' `mspVersion`, §2.3),
 * exactly one type key, images well formed and every `imageIdentifier` defined. Custom
 * extensions go to custom-app.ts. A data ref must be one this gateway handed out.
 */
import { z } from 'zod'
import { decodeBase64Strict } from '../../lib/bytes'
import { fail } from '../../lib/rejection'
import type { GatewayWarning } from '../../state/types'
import type { GatewayLookups } from '../lookups'
import { isObject, parseRule } from '../zod-check'
import { checkAuthenticate, type OAuth2Request } from './authenticate'
import { APPLE_BID, BID_PATTERN, Bubble, ImageEntry, collectImageIdentifiers } from './common'
import { checkCustomApp } from './custom-app'
import { checkForm } from './form'
import { checkListPicker } from './list-picker'
import { checkPayment } from './payment'
import { checkQuickReply } from './quick-reply'
import { checkTimePicker } from './time-picker'

export const TYPE_KEYS = ['listPicker', 'event', 'quick-reply', 'payment', 'authenticate', 'dynamic'] as const
export type InteractiveKind = (typeof TYPE_KEYS)[number] | 'custom'

/** Near-misses worth a precise hint instead of "no type key". */
const MISSPELT: Record<string, string> = {
	quickReply: 'quick-reply',
	quick_reply: 'quick-reply',
	timePicker: 'event',
	listpicker: 'listPicker',
	list_picker: 'listPicker',
	form: 'dynamic',
	applePay: 'payment',
}

export interface InteractiveResult {
	kind: InteractiveKind
	/** The interactiveData this message shows (resolved for a data ref). */
	interactiveData: Record<string, unknown>
	fromDataRef: boolean
	/** Accepted, but worth telling the business (time slots in the past, no app icon). */
	warnings: GatewayWarning[]
}

const DataCommon = z.object({
	requestIdentifier: z.string({ error: 'requestIdentifier is required' }).min(1, 'requestIdentifier is required'),
	images: z.array(ImageEntry).optional(),
})

export async function checkInteractive(
	body: Record<string, unknown>,
	sourceId: string,
	lookups: GatewayLookups,
	endpoint: 'message' | 'authenticate',
): Promise<InteractiveResult> {
	const hasData = body.interactiveData !== undefined
	const hasRef = body.interactiveDataRef !== undefined
	if (hasData === hasRef) {
		fail(400, 'interactive_payload', 'an interactive message carries exactly one of interactiveData or interactiveDataRef')
	}
	if (hasRef) {
		if (endpoint === 'authenticate') fail(400, 'interactive_payload', '/v1/authenticate takes interactiveData')
		return checkDataRef(body.interactiveDataRef, sourceId, lookups)
	}
	const idata = body.interactiveData
	if (!isObject(idata)) return fail(400, 'interactive_schema', 'interactiveData must be an object')
	if (typeof idata.bid !== 'string' || !BID_PATTERN.test(idata.bid)) {
		fail(400, 'interactive_bid', 'interactiveData.bid must be com.apple.messages.MSMessageExtensionBalloonPlugin:<team id>:<extension bundle id>')
	}
	parseRule(z.object({ receivedMessage: Bubble.optional(), replyMessage: Bubble.optional() }), idata, 'interactive_schema', 'interactiveData')
	if (idata.useLiveLayout !== undefined && typeof idata.useLiveLayout !== 'boolean') {
		fail(400, 'interactive_schema', 'interactiveData.useLiveLayout must be a boolean')
	}
	if (idata.sessionIdentifier !== undefined && typeof idata.sessionIdentifier !== 'string') {
		fail(400, 'interactive_schema', 'interactiveData.sessionIdentifier must be a string')
	}

	if (idata.bid !== APPLE_BID) {
		if (endpoint === 'authenticate') fail(400, 'interactive_bid', "/v1/authenticate takes Apple's business extension bid")
		return { kind: 'custom', interactiveData: idata, fromDataRef: false, warnings: checkCustomApp(idata) }
	}

	for (const k of ['appId', 'appName', 'appIcon'] as const) {
		if (idata[k] !== undefined) fail(400, 'interactive_schema', `${k} is only for custom iMessage extensions, not Apple's business extension`)
	}
	const data = idata.data
	if (!isObject(data)) return fail(400, 'interactive_data_missing', 'interactiveData.data is required for Apple-provided types')
	const common = parseRule(DataCommon, data, 'interactive_request_identifier', 'interactiveData.data')
	if (typeof data.version !== 'string' && typeof data.mspVersion !== 'string') {
		fail(400, 'interactive_version', 'interactiveData.data.version (e.g. "1.0") is required')
	}

	const present = TYPE_KEYS.filter((k) => data[k] !== undefined)
	if (present.length === 0) {
		const near = Object.keys(data).find((k) => k in MISSPELT)
		fail(
			400,
			'interactive_type_key',
			near
				? `interactiveData.data.${near} is not an interactive type; did you mean "${MISSPELT[near]}"?`
				: `interactiveData.data needs one of ${TYPE_KEYS.join(', ')}`,
		)
	}
	if (present.length > 1) fail(400, 'interactive_type_key', `interactiveData.data carries several types: ${present.join(', ')}`)
	const kind = present[0] as (typeof TYPE_KEYS)[number]

	const receivedTitle = isObject(idata.receivedMessage) ? (idata.receivedMessage.title as string | undefined) : undefined
	let warnings: GatewayWarning[] = []
	switch (kind) {
		case 'quick-reply':
			checkQuickReply(data['quick-reply'])
			break
		case 'listPicker':
			checkListPicker(data.listPicker, receivedTitle)
			break
		case 'event':
			warnings = checkTimePicker(data.event, receivedTitle, lookups.nowMs())
			break
		case 'dynamic':
			checkForm(data.dynamic)
			break
		case 'payment':
			await checkPayment(data.payment, lookups)
			break
		case 'authenticate':
			// docs/apple-interactive.md §5.6: "Auth requests are sent to POST /v1/authenticate (not /message)" [C2].
			if (endpoint !== 'authenticate') {
				fail(400, 'authenticate_wrong_endpoint', 'authentication requests go to POST /v1/authenticate, not /v1/message')
			}
			checkAuthenticate(data.authenticate)
			break
	}
	checkImages(idata, common.images ?? [])
	if (endpoint === 'authenticate' && kind !== 'authenticate') {
		fail(400, 'interactive_type_key', '/v1/authenticate only takes data.authenticate')
	}
	return { kind, interactiveData: idata, fromDataRef: false, warnings }
}

export function oauth2Of(interactiveData: Record<string, unknown>): OAuth2Request | null {
	const data = interactiveData.data
	if (!isObject(data) || !isObject(data.authenticate)) return null
	return checkAuthenticate(data.authenticate)
}

function checkImages(idata: Record<string, unknown>, images: Array<{ identifier: string; data: string }>): void {
	const defined = new Set<string>()
	for (const [i, img] of images.entries()) {
		if (defined.has(img.identifier)) fail(400, 'interactive_images', `data.images[${i}].identifier ${img.identifier} is used twice`)
		defined.add(img.identifier)
		try {
			decodeBase64Strict(img.data)
		} catch {
			fail(400, 'interactive_images', `data.images[${i}].data must be base64 image bytes (not a URL)`)
		}
	}
	for (const [path, id] of collectImageIdentifiers(idata)) {
		if (!defined.has(id)) fail(400, 'image_reference_missing', `${path} refers to image "${id}" that is not in data.images`)
	}
}

/** A reused dataRef (docs/apple-protocol.md §4.8): must be one this gateway answered with, for this business. */
async function checkDataRef(ref: unknown, sourceId: string, lookups: GatewayLookups): Promise<InteractiveResult> {
	const r = parseRule(z.object({ url: z.string().min(1), owner: z.string().min(1), bid: z.string().min(1) }), ref, 'data_ref_schema', 'interactiveDataRef')
	const stored = await lookups.getDataRef(r.url)
	if (!stored || stored.businessId !== sourceId || stored.dataRef.owner !== r.owner) {
		return fail(400, 'data_ref_unknown', 'interactiveDataRef does not match a dataRef this gateway returned to this business')
	}
	if (stored.bid !== r.bid) fail(400, 'data_ref_schema', 'interactiveDataRef.bid differs from the stored payload')
	const kind = TYPE_KEYS.find((k) => isObject(stored.interactiveData.data) && stored.interactiveData.data[k] !== undefined) ?? 'custom'
	// The stored payload passed these checks when it was first sent; it is not checked again.
	return { kind, interactiveData: stored.interactiveData, fromDataRef: true, warnings: [] }
}
