/**
 * Apple's known rejections, checked before sending so that the business gets a readable
 * reason per field instead of an opaque 400 from Apple (or a bubble that never renders).
 * Runs on a schema-valid message; an empty list means "send". Two levels: errors are what
 * Apple refuses; warnings (preflightWarnings) are what Apple accepts but hurts the customer —
 * time slots in the past (Apple's own samples send slots from 2022) and a custom iMessage app
 * without its icon — and are sent anyway. Run it again after templates
 * are resolved and after URL images are fetched (pass them as `images`) so that their sizes
 * are checked too.
 *
 * Caps are the most conservative documented values; where sources conflict the choice is
 * noted next to the constant (docs/apple-interactive.md §6 "Limits summary").
 */
import { APPLE_BUSINESS_EXTENSION_BID, type AppleRawPayload, BID_PATTERN } from './apple-body'
import { parseAppleTime, parseRfc3339 } from './apple-time'
import {
	type ApplePayMessage,
	type BusinessMessage,
	type ContentMessage,
	type FormMessage,
	formPageIds,
	type IMessageAppMessage,
	type ListPickerMessage,
	type QuickReplyMessage,
	type TimePickerMessage,
} from './business-message'
import { needsIphoneOrIpad, requiredCapabilities } from './capabilities'
import { base64ByteLength, parseImageRef, type ResolvedImages } from './image-ref'
import { type ImageUse, imageFieldsOf } from './message-images'
import { findMisspeltKeys } from './raw-payload-keys'

/** Apple shows up to 5 quick-reply buttons ([C1] LP, §5.1). */
export const QUICK_REPLY_MAX_ITEMS = 5
/** A one-button "choice" is not a choice; the minimum of 2 is plausible but unconfirmed ([U], §5.1). */
export const QUICK_REPLY_MIN_ITEMS = 2
/** Rich link image ≤ 200 kB ([C1] Apple's rich link page, §5.4, §6); kB read as 1000 bytes. */
export const RICH_LINK_IMAGE_MAX_BYTES = 200_000
/**
 * List-picker (and form) item images: sources say ≤ 64 KB each (Bird), < 20 KB (a 2018
 * implementation's own choice), 0.5 MB in total (LivePerson) — [U], §4, §6. We take 64 KB per
 * item image (read as 64,000 bytes) and 500,000 bytes for all images of one message.
 */
export const ITEM_IMAGE_MAX_BYTES = 64_000
export const INTERACTIVE_IMAGES_MAX_BYTES = 500_000
/** Form `pageIdentifier` must be shorter than 20 characters ([C1] LP, §5.8). */
export const FORM_PAGE_ID_MAX_LENGTH = 19
/** Custom extension `URL` data ≤ 64 KB ([C1] Apple's docs quoted by courier, §5.7, §6). */
export const IMESSAGE_APP_URL_MAX_BYTES = 64_000

export interface PreflightIssue {
	/** Where in the message, e.g. `sections[0].items[2].id` or `fallback.items`. */
	path: string
	message: string
}

/** What Apple accepts but hurts the customer; the message is sent with these attached. */
export interface PreflightWarning {
	/** Same form as PreflightIssue.path. */
	path: string
	code: PreflightWarningCode
	message: string
}

export type PreflightWarningCode = 'time_slot_past' | 'app_icon_missing'

export interface PreflightOptions {
	/** Time slots before this are "in the past". */
	now: Date | number
	/** URL images already fetched; their sizes are checked too. */
	images?: ResolvedImages
}

type Add = (path: string, message: string) => void
type Warn = (path: string, code: PreflightWarningCode, message: string) => void

const blank = (s: string | undefined) => s === undefined || s.trim() === ''
const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength

function checkTitle(add: Add, title: string | undefined, what: string, path = 'title') {
	if (blank(title)) add(path, `${what} without a title is rejected by Apple`)
}

function checkUnique(add: Add, ids: (string | undefined)[], pathOf: (i: number) => string, what: string) {
	const seen = new Set<string>()
	ids.forEach((id, i) => {
		if (id === undefined) return
		if (seen.has(id)) add(pathOf(i), `duplicate ${what} "${id}": replies name the choice by its id`)
		seen.add(id)
	})
}

function quickReply(m: QuickReplyMessage, add: Add) {
	if (blank(m.prompt)) add('prompt', 'prompt is empty; Apple shows it as the question above the buttons')
	const n = m.items.length
	if (n < QUICK_REPLY_MIN_ITEMS || n > QUICK_REPLY_MAX_ITEMS) {
		add('items', `a quick reply needs ${QUICK_REPLY_MIN_ITEMS} to ${QUICK_REPLY_MAX_ITEMS} items; got ${n}`)
	}
	m.items.forEach((item, i) => {
		if (blank(item.title)) add(`items[${i}].title`, 'item title is empty')
	})
	checkUnique(
		add,
		m.items.map((i) => i.id),
		(i) => `items[${i}].id`,
		'item id',
	)
}

function listPicker(m: ListPickerMessage, add: Add) {
	checkTitle(add, m.title, 'a list picker')
	if (m.sections.length === 0) add('sections', 'a list picker needs at least one section')
	const ids: string[] = []
	const paths: string[] = []
	m.sections.forEach((section, s) => {
		if (section.items.length === 0) add(`sections[${s}].items`, `section "${section.title}" is empty; every section needs items`)
		section.items.forEach((item, i) => {
			if (blank(item.title)) add(`sections[${s}].items[${i}].title`, 'item title is empty')
			ids.push(item.id)
			paths.push(`sections[${s}].items[${i}].id`)
		})
	})
	// Ids must be unique across sections: the reply is a subset of sections/items by id (§5.2).
	checkUnique(add, ids, (i) => paths[i]!, 'item id')
}

function timePicker(m: TimePickerMessage, add: Add, warn: Warn, now: number) {
	checkTitle(add, m.title, 'a time picker')
	if (m.slots.length === 0) add('slots', 'a time picker needs at least one slot')
	m.slots.forEach((slot, i) => {
		const start = parseRfc3339(slot.start)
		if (start === null) return
		if (start < now) warn(`slots[${i}].start`, 'time_slot_past', `slot starts in the past (${slot.start}); the customer cannot choose it`)
		// Apple's startTime has minute precision (apple-time.ts); seconds would be silently dropped.
		if (start % 60_000 !== 0) add(`slots[${i}].start`, 'Apple time slots have minute precision; use a start with 0 seconds')
	})
	checkUnique(
		add,
		m.slots.map((s, i) => s.id ?? String(i)),
		(i) => `slots[${i}].id`,
		'slot id',
	)
}

function form(m: FormMessage, add: Add) {
	checkTitle(add, m.title, 'a form')
	if (m.pages.length === 0) {
		add('pages', 'a form needs at least one page')
		return
	}
	const ids = formPageIds(m)
	const known = new Set(ids)
	ids.forEach((id, p) => {
		if (id.length > FORM_PAGE_ID_MAX_LENGTH) {
			add(`pages[${p}].id`, `page id must be shorter than ${FORM_PAGE_ID_MAX_LENGTH + 1} characters`)
		}
	})
	checkUnique(add, ids, (p) => `pages[${p}].id`, 'page id')
	if (m.startPageId !== undefined && !known.has(m.startPageId)) add('startPageId', `no page has id "${m.startPageId}"`)
	m.pages.forEach((page, p) => {
		if (page.nextPageId !== undefined && !known.has(page.nextPageId)) {
			add(`pages[${p}].nextPageId`, `no page has id "${page.nextPageId}"`)
		}
		if (page.type !== 'select' && page.type !== 'picker') return
		if (page.items.length === 0) add(`pages[${p}].items`, `a ${page.type} page needs at least one item`)
		checkUnique(
			add,
			page.items.map((i) => i.id),
			(i) => `pages[${p}].items[${i}].id`,
			'item id',
		)
		if (page.type === 'picker') {
			if (page.selectedItemIndex !== undefined && page.selectedItemIndex >= page.items.length) {
				add(`pages[${p}].selectedItemIndex`, `there are only ${page.items.length} items`)
			}
			return
		}
		page.items.forEach((item, i) => {
			if (item.nextPageId === undefined) return
			const at = `pages[${p}].items[${i}].nextPageId`
			if (page.multipleSelection) add(at, 'only single-selection pages can branch per item')
			else if (!known.has(item.nextPageId)) add(at, `no page has id "${item.nextPageId}"`)
		})
	})
}

function iMessageApp(m: IMessageAppMessage, add: Add, warn: Warn) {
	if (m.bid === APPLE_BUSINESS_EXTENSION_BID) {
		add('bid', "this is Apple's own extension; use the listPicker, timePicker, form… types instead")
	} else if (!BID_PATTERN.test(m.bid)) {
		add('bid', 'must be com.apple.messages.MSMessageExtensionBalloonPlugin:<team id>:<extension bundle id>')
	}
	if (utf8Length(m.url) > IMESSAGE_APP_URL_MAX_BYTES) add('url', `extension data is limited to ${IMESSAGE_APP_URL_MAX_BYTES} bytes`)
	// Apple shows the icon when the extension is not installed (§5.7); Apple's own sample sends
	// none and is accepted, so a missing icon is a warning, not a rejection.
	if (m.appIcon === undefined) warn('appIcon', 'app_icon_missing', 'no app icon: customers without the extension see a blank bubble')
	checkTitle(add, m.receivedMessage.title, 'an iMessage app message', 'receivedMessage.title')
}

function applePay(m: ApplePayMessage, add: Add) {
	if (m.total.amount.startsWith('-')) add('total.amount', 'the total must not be negative')
	checkUnique(
		add,
		(m.shippingMethods ?? []).map((s) => s.identifier),
		(i) => `shippingMethods[${i}].identifier`,
		'shipping method identifier',
	)
}

/** Raw payloads: near-miss keys plus the content rules that apply to Apple's own keys. */
function raw(payload: AppleRawPayload, add: Add, warn: Warn, now: number) {
	for (const issue of findMisspeltKeys(payload)) add(issue.path, issue.message)
	if (payload.type !== 'interactive') return
	const d = payload.interactiveData
	if (!d || d.bid !== APPLE_BUSINESS_EXTENSION_BID || !d.data) return
	const at = 'payload.interactiveData'
	const data = d.data
	if ((data.listPicker || data.event || data.dynamic) && blank(d.receivedMessage?.title)) {
		add(`${at}.receivedMessage.title`, 'pickers and forms without a title are rejected by Apple')
	}
	const quick = data['quick-reply']
	if (quick && (quick.items.length < QUICK_REPLY_MIN_ITEMS || quick.items.length > QUICK_REPLY_MAX_ITEMS)) {
		add(`${at}.data.quick-reply.items`, `a quick reply needs ${QUICK_REPLY_MIN_ITEMS} to ${QUICK_REPLY_MAX_ITEMS} items; got ${quick.items.length}`)
	}
	data.listPicker?.sections.forEach((section, s) => {
		if (section.items.length === 0) add(`${at}.data.listPicker.sections[${s}].items`, 'every section needs items')
	})
	data.event?.timeslots.forEach((slot, i) => {
		const start = parseAppleTime(slot.startTime)
		if (start !== null && start < now) {
			warn(`${at}.data.event.timeslots[${i}].startTime`, 'time_slot_past', 'slot starts in the past; the customer cannot choose it')
		}
	})
}

const PER_IMAGE_CAP: Partial<Record<ImageUse, number>> = {
	richLink: RICH_LINK_IMAGE_MAX_BYTES,
	listItem: ITEM_IMAGE_MAX_BYTES,
	formItem: ITEM_IMAGE_MAX_BYTES,
}

/** Inline images always; URL images once fetched. Each distinct image counts once toward the total. */
function images(m: ContentMessage, add: Add, resolved: ResolvedImages | undefined) {
	if (m.type === 'richLink' && m.image !== undefined && m.imageUrl !== undefined) {
		add('imageUrl', 'give either image or imageUrl, not both')
	}
	const counted = new Set<string>()
	let total = 0
	for (const field of imageFieldsOf(m)) {
		const ref = parseImageRef(field.ref)
		const data = ref?.kind === 'inline' ? ref.data : resolved?.get(field.ref)?.data
		if (data === undefined) continue
		const size = base64ByteLength(data)
		const cap = PER_IMAGE_CAP[field.use]
		if (cap !== undefined && size > cap) add(field.path, `image is ${size} bytes; Apple's limit here is ${cap} bytes`)
		if (field.use === 'richLink' || counted.has(field.ref)) continue
		counted.add(field.ref)
		total += size
		if (total > INTERACTIVE_IMAGES_MAX_BYTES && total - size <= INTERACTIVE_IMAGES_MAX_BYTES) {
			add(field.path, `images of one message total more than ${INTERACTIVE_IMAGES_MAX_BYTES} bytes`)
		}
	}
}

/** A fallback is what a device gets when it lacks something, so it must need nothing itself. */
function fallbackFits(fallback: ContentMessage, add: Add) {
	if (fallback.type === 'template') return // checked once resolved
	const needs = requiredCapabilities(fallback).map((anyOf) => anyOf.join(' or '))
	if (needs.length > 0) add('fallback', `a fallback must work on every device, but a ${fallback.type} needs ${needs.join(' and ')}`)
	else if (needsIphoneOrIpad(fallback)) add('fallback', `a fallback must work on every device, but a ${fallback.type} needs an iPhone or iPad`)
}

function content(m: ContentMessage, add: Add, warn: Warn, now: number, resolved: ResolvedImages | undefined) {
	switch (m.type) {
		case 'text':
			if (blank(m.text) && !m.attachments?.length) add('text', 'text is empty; give text, attachments or both')
			break
		case 'quickReply':
			quickReply(m, add)
			break
		case 'listPicker':
			listPicker(m, add)
			break
		case 'timePicker':
			timePicker(m, add, warn, now)
			break
		case 'form':
			form(m, add)
			break
		case 'iMessageApp':
			iMessageApp(m, add, warn)
			break
		case 'applePay':
			applePay(m, add)
			break
		case 'authenticate':
			if (m.scope?.length === 0) add('scope', 'give at least one scope, or leave scope out to use the configured ones')
			break
		case 'apple':
			raw(m.payload, add, warn, now)
			break
		case 'typing':
		case 'richLink':
		case 'template':
			break
	}
	images(m, add, resolved)
}

function run(message: BusinessMessage | ContentMessage, options: PreflightOptions) {
	const errors: PreflightIssue[] = []
	const warnings: PreflightWarning[] = []
	const now = typeof options.now === 'number' ? options.now : options.now.getTime()
	const add =
		(prefix: string): Add =>
		(path, msg) =>
			errors.push({ path: prefix + path, message: msg })
	const warn =
		(prefix: string): Warn =>
		(path, code, msg) =>
			warnings.push({ path: prefix + path, code, message: msg })
	content(message, add(''), warn(''), now, options.images)
	if ('fallback' in message && message.fallback) {
		fallbackFits(message.fallback, add(''))
		content(message.fallback, add('fallback.'), warn('fallback.'), now, options.images)
	}
	return { errors, warnings }
}

/** Apple's known rejections of this message and its fallback; empty when it can be sent. */
export function preflight(message: BusinessMessage | ContentMessage, options: PreflightOptions): PreflightIssue[] {
	return run(message, options).errors
}

/** What Apple accepts in this message and its fallback but the customer would suffer from. */
export function preflightWarnings(message: BusinessMessage | ContentMessage, options: PreflightOptions): PreflightWarning[] {
	return run(message, options).warnings
}
