/**
 * The device page (`GET /device`): simulated customers on the left, the selected customer's
 * phone (or Mac) with one conversation in the middle, device and gateway switches on the
 * right. The thread itself is the fragment from thread-view.ts, re-fetched on live updates.
 */
import { DEVICES } from '../device/devices'
import { EMOJI } from './emoji'
import { h, type Raw } from './html'
import type { BusinessRecord, Conversation, Customer, RejectionRecord, Switches } from '../state/types'
import { DEVICE_KINDS } from '../state/types'

/** The business `npm run dev` provisions (scripts/dev.mjs): the start form offers it first. */
export const DEMO_BUSINESS_ID = 'demo-business'

/** Business id → the name customers see; ids without a registered name are shown as is. */
export type BusinessNames = ReadonlyMap<string, string>
export const businessNames = (list: BusinessRecord[]): BusinessNames => new Map(list.map((b) => [b.id, b.name]))
const nameOf = (names: BusinessNames, id: string) => names.get(id) ?? id

export interface CustomerWithConversations extends Customer {
	conversations: Conversation[]
}

export function sidebarList(customers: CustomerWithConversations[], current: string, business: string, names: BusinessNames): Raw {
	if (customers.length === 0) return h`<p class="muted" data-testid="no-customers">No customers yet.</p>`
	return h`<ul>${customers.map(
		(
			c,
		) => h`<li><a href="/device?customer=${encodeURIComponent(c.id)}" class="${c.id === current && !business ? 'active' : ''}" data-testid="customer-link" data-customer-id="${c.id}">${c.name} <span class="muted">· ${DEVICES[c.device].label}${c.phoneNumber ? ` · ${c.phoneNumber}` : ''}</span></a>
			${
				c.conversations.length
					? h`<ul>${c.conversations.map(
							(cv) =>
								h`<li><a href="/device?customer=${encodeURIComponent(c.id)}&business=${encodeURIComponent(cv.businessId)}" class="${c.id === current && cv.businessId === business ? 'active' : ''}" data-testid="conversation-link" data-business-id="${cv.businessId}">${nameOf(names, cv.businessId)}${cv.closed ? ' (deleted)' : ''}</a></li>`,
						)}</ul>`
					: ''
			}
		</li>`,
	)}</ul>`
}

/** The gateway's latest refusals, whoever they concern (uploads, preDownload, JWT…). */
export function rejectionLog(rejections: RejectionRecord[]): Raw {
	const latest = rejections.slice(-8).reverse()
	if (latest.length === 0) return h`<p class="muted" data-testid="rejection-log-empty">Nothing refused yet.</p>`
	return h`${latest.map(
		(r) =>
			h`<div class="notice" data-testid="rejection-log-entry" data-rule="${r.rule}" style="align-self:stretch">${r.method} ${r.path} → ${r.status} <span class="rule">${r.rule}</span><br>${r.message}</div>`,
	)}`
}

/** Deleting asks first, and says what blocking does (docs/apple-protocol.md §4.6: Apple refuses a blocked business). */
function closeDialog(name: string): Raw {
	return h`<dialog id="close-dialog" data-testid="close-dialog">
		<header><span>Delete this conversation?</span><button type="button" class="secondary" data-action="close-dialog" data-testid="dialog-cancel">Cancel</button></header>
		<div class="body"><p>${name} is told that the customer deleted the conversation. It opens again when the customer writes.</p>
			<label class="item"><input type="checkbox" id="close-block" data-testid="close-block"> <span>Also block ${name}: Apple refuses its messages to this customer until the customer writes again</span></label></div>
		<footer><button type="button" class="danger" data-action="close-conversation" data-testid="close-confirm">Delete conversation</button></footer>
	</dialog>`
}

function switchesPanel(s: Switches): Raw {
	return h`<div class="panel" data-testid="switches"><h3>Gateway switches</h3>
		<form class="stack" onsubmit="return false">
			<label><input type="checkbox" data-switch="duplicateInteractiveReplies" data-testid="switch-duplicate" ${s.duplicateInteractiveReplies ? 'checked' : ''}> Send interactive replies twice (duplicate delivery)</label>
			<label><input type="checkbox" data-switch="decodePayloadWrapped" data-testid="switch-decode-wrapped" ${s.decodePayloadWrapped ? 'checked' : ''}> decodePayload answers {interactiveData: …}</label>
			<label><input type="checkbox" data-switch="acceptUnknownDestinations" data-testid="switch-unknown-destinations" ${s.acceptUnknownDestinations ? 'checked' : ''}> Accept messages to unknown customers</label>
			<label>Fail the next <input type="number" min="0" data-switch="failNextMessages" data-testid="switch-fail-next" value="${s.failNextMessages}" style="width:60px"> business messages with ${s.failureStatus}</label>
			<label>Replies above <input type="number" min="0" data-switch="idrThresholdBytes" data-testid="switch-idr-threshold" value="${s.idrThresholdBytes}" style="width:90px"> bytes go by reference</label>
		</form></div>`
}

/**
 * The MSP learns the device from the headers of each customer message (docs/apple-protocol.md §6.1): after
 * a switch it keeps the old list until the customer writes, and may send what this device
 * cannot show (the thread then shows a placeholder bubble).
 */
function deviceChangeNote(current: string, label: string, mspKnows: string | null): Raw {
	if (mspKnows !== null && mspKnows !== current) {
		return h`<p class="notice" data-testid="device-change-pending" style="align-self:stretch">The MSP still has this customer's previous capability-list (<span class="mono">${mspKnows}</span>): it learns about the ${label} with the customer's next message. Until then it may send messages this device cannot show.</p>`
	}
	return h`<p class="muted" data-testid="device-change-hint">Switching the device: the MSP learns the new device with the customer's next message.</p>`
}

export function devicePage(o: {
	customers: CustomerWithConversations[]
	customer: CustomerWithConversations | null
	business: string
	thread: Raw
	switches: Switches
	rejections: RejectionRecord[]
	businesses: BusinessRecord[]
	/** The `capability-list` of the customer's latest message in this conversation: what the MSP knows. */
	mspCapabilities: string | null
}): Raw {
	const c = o.customer
	const names = businessNames(o.businesses)
	const sidebar = h`<aside data-testid="sidebar"><h1>amb-simulator</h1>
		<p class="muted">Apple's gateway and a customer's device. <a href="/inbox" data-testid="inbox-link">Webhook inbox →</a></p>
		<h2>Customers</h2><div id="customer-list" data-testid="customer-list">${sidebarList(o.customers, c?.id ?? '', o.business, names)}</div>
		<h2>New customer</h2>
		<form id="new-customer-form" class="stack" data-testid="new-customer-form">
			<input name="name" placeholder="Name (optional)" data-testid="new-customer-name">
			<select name="device" data-testid="new-customer-device">${DEVICE_KINDS.map((k) => h`<option value="${k}">${DEVICES[k].label}</option>`)}</select>
			<input name="locale" value="en_US" data-testid="new-customer-locale">
			<input name="phoneNumber" placeholder="Phone, E.164 (optional: one is assigned)" data-testid="new-customer-phone">
			<button data-testid="new-customer-submit">Create customer</button>
		</form>
	</aside>`
	if (!c)
		return h`${sidebar}<main><div class="panel"><h3>Create a customer to start</h3><p class="muted">Each simulated customer has an opaque urn:mbid: id and a device.</p></div></main>`

	const profile = DEVICES[c.device]
	const phone = o.business
		? h`<div class="phone ${c.device === 'mac' ? 'mac' : ''}" data-testid="phone" data-device="${c.device}">
			<div class="phone-top"><div class="biz" data-testid="thread-business" data-business-id="${o.business}" title="${o.business}">${nameOf(names, o.business)}</div>
				<div class="actions"><button type="button" class="danger" data-action="open-dialog" data-dialog="close-dialog" data-testid="close-conversation">Delete conversation…</button></div></div>
			${closeDialog(nameOf(names, o.business))}
			<div id="thread" data-testid="thread">${o.thread}</div>
			<form id="composer" data-testid="composer" autocomplete="off">
				<button type="button" class="icon-btn" data-action="emoji-toggle" data-testid="emoji-toggle" title="Emoji">☺︎</button>
				<div id="emoji-palette" class="emoji-palette" data-testid="emoji-palette">${EMOJI.map((e) => h`<button type="button" data-action="emoji" data-testid="emoji">${e}</button>`)}</div>
				<label class="icon-btn" title="Attach a file">📎<input type="file" id="composer-file" data-testid="composer-file" multiple></label>
				<input type="text" id="composer-input" data-testid="composer-input" placeholder="Text Message">
				<button data-testid="composer-send">Send</button>
			</form>
		</div>`
		: h`<div class="panel" data-testid="no-conversation"><h3>No conversation open</h3><p class="muted">Start one from a business link on the right.</p></div>`

	const controls = h`<div class="controls">
		<div class="panel" data-testid="device-header"><h3>${c.name}</h3>
			<div class="mono" data-testid="customer-id">${c.id}</div>
			${c.phoneNumber ? h`<div class="mono" data-testid="customer-phone" title="Invitations to this number reach this customer">${c.phoneNumber}</div>` : ''}
			<form class="stack" onsubmit="return false" style="margin-top:8px">
				<label>Device <select id="device-select" data-testid="device-select">${DEVICE_KINDS.map(
					(k) => h`<option value="${k}" ${k === c.device ? 'selected' : ''}>${DEVICES[k].label}</option>`,
				)}</select></label>
				<label>Locale <input id="locale-input" data-testid="locale-input" value="${c.locale}"></label>
			</form>
			<p class="muted">capability-list: <span class="mono" data-testid="capabilities">${profile.capabilities.join(',')}</span><br>device-agent: <span class="mono">${profile.deviceAgent}</span></p>
			${deviceChangeNote(profile.capabilities.join(','), profile.label, o.mspCapabilities)}
		</div>
		<div class="panel"><h3>Open a business link</h3>
			<p class="muted">Like https://bcrw.apple.com/urn:biz:&lt;id&gt;?biz-intent-id=…&amp;biz-group-id=…&amp;body=…</p>
			<form id="start-conversation-form" class="stack" data-testid="start-conversation-form">
				<input name="businessId" placeholder="Business ID" required value="${o.business || (o.businesses[0]?.id ?? DEMO_BUSINESS_ID)}" data-testid="start-business-id">
				<input name="intent" placeholder="biz-intent-id (optional)" data-testid="start-intent">
				<input name="group" placeholder="biz-group-id (optional)" data-testid="start-group">
				<input name="text" placeholder="body (optional first message)" data-testid="start-text">
				<button data-testid="start-conversation-submit">Open chat</button>
			</form>
		</div>
		${switchesPanel(o.switches)}
		<div class="panel"><h3>Gateway refusals</h3><div id="rejection-log" data-testid="rejection-log" style="display:flex;flex-direction:column;gap:6px">${rejectionLog(o.rejections)}</div>
			<p class="muted"><a href="/sim/api/rejections" target="_blank">All as JSON</a></p></div>
	</div>`
	return h`${sidebar}<main>${phone}${controls}</main>`
}
