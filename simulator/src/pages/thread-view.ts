/**
 * The thread fragment (`GET /device/thread`): the rendered messages of one conversation the
 * way Messages shows them, the gateway's refusals of messages meant for it (shown as
 * "Not Delivered" notices), and the business's typing indicator.
 */
import type { RenderedAttachment, RenderedMessage } from '../device/render'
import type { RejectionRecord } from '../state/types'
import { h, type Raw } from './html'
import { linkify } from './linkify'
import { applePayView, authenticateView, formView, iMessageAppView, invitationView, listPickerView, quickReplyView, timePickerView } from './interactive-views'

const REACTIONS: Array<[string, string]> = [
	['love', '❤️'],
	['like', '👍'],
	['dislike', '👎'],
	['laugh', '😂'],
	['emphasize', '‼️'],
	['question', '❓'],
]

function attachmentView(a: RenderedAttachment): Raw {
	if (a.mimeType.startsWith('image/')) {
		return h`<a href="${a.downloadPath}" target="_blank"><img class="attachment" src="${a.downloadPath}" alt="${a.name}" data-testid="attachment-image"></a>`
	}
	return h`<a class="file" href="${a.downloadPath}" download="${a.name}" data-testid="attachment-link">📎 ${a.name} (${Math.ceil(a.size / 1024)} KB)</a>`
}

/** Text with each U+FFFC replaced by its attachment, in order (docs/apple-protocol.md §4.4). */
function textWithAttachments(text: string, attachments: RenderedAttachment[]): Raw {
	const parts = text.split('\uFFFC')
	const out: Array<Raw | string> = []
	parts.forEach((p, i) => {
		if (p) out.push(linkify(p))
		const a = attachments[i]
		if (i < parts.length - 1 && a) out.push(attachmentView(a))
	})
	for (const a of attachments.slice(parts.length - 1)) out.push(attachmentView(a))
	return h`${out}`
}

function tapbackMenu(m: RenderedMessage): Raw {
	return h`<details class="tapbacks" data-testid="tapback-menu"><summary data-testid="tapback-open" title="Tapback">☺︎</summary>
		<div class="menu">${REACTIONS.map(
			([r, icon]) =>
				h`<button type="button" data-action="tapback" data-reaction="${r}" data-message-id="${m.id}" data-testid="tapback-${r}" title="${r}">${icon}</button>`,
		)}<button type="button" data-action="tapback" data-reaction="emoji" data-emoji="🎉" data-message-id="${m.id}" data-testid="tapback-emoji">🎉</button></div>
	</details>`
}

/** What a device shows for a message it cannot render: the bubble's title, and no picker. */
function unsupportedView(m: RenderedMessage): Raw {
	const v = m.view
	const title = 'bubble' in v ? v.bubble.title : v.kind === 'quickReply' ? v.prompt : undefined
	const needs = m.unsupported?.needs ?? ''
	return h`<div class="bubble unsupported" data-testid="unsupported-bubble" data-needs="${needs}">
		${title ? h`<div class="title">${title}</div>` : ''}<div class="muted">This message is not supported on this device (${m.unsupported?.device ?? ''} lacks ${needs}).</div>
	</div>`
}

function businessContent(m: RenderedMessage): Raw {
	if (m.unsupported) return unsupportedView(m)
	const v = m.view
	switch (v.kind) {
		case 'text':
			return h`<div class="bubble" data-testid="bubble-text">${textWithAttachments(v.text, v.attachments)}</div>`
		case 'richLink': {
			let domain = v.url
			try {
				domain = new URL(v.url).hostname
			} catch {
				// shown as given
			}
			return h`<a class="card" href="${v.url}" target="_blank" rel="noopener" data-testid="rich-link">
				${v.imageDataUrl ? h`<img src="${v.imageDataUrl}" alt="">` : ''}
				<div class="meta"><div class="title" data-testid="rich-link-title">${v.title}</div><div class="domain">${domain}${v.videoUrl ? ' · ▶︎ video' : ''}</div></div>
			</a>`
		}
		case 'quickReply':
			return quickReplyView(m, v)
		case 'listPicker':
			return listPickerView(m, v)
		case 'timePicker':
			return timePickerView(m, v)
		case 'form':
			return formView(m, v)
		case 'applePay':
			return applePayView(m, v)
		case 'authenticate':
			return authenticateView(m, v)
		case 'iMessageApp':
			return iMessageAppView(m, v)
		case 'invitation':
			return invitationView(m, v)
		default:
			return h`<div class="bubble muted">${v.kind === 'other' ? v.summary : v.kind}</div>`
	}
}

function customerContent(m: RenderedMessage): Raw {
	const v = m.view
	if (v.kind === 'customer') {
		if (v.text !== undefined) return h`<div class="bubble" data-testid="bubble-text">${textWithAttachments(v.text, v.attachments)}</div>`
		return h`<div class="bubble" data-testid="bubble-reply">${v.replyTitle ?? 'Replied'}${v.viaDataRef ? ' ⤴︎' : ''}</div>`
	}
	return h`<div class="bubble muted">${m.type}</div>`
}

function deliveryStatus(m: RenderedMessage): Raw {
	if (m.mspStatus === null) return h`<div class="status" data-testid="delivery-status">Sending…</div>`
	if (m.mspStatus >= 200 && m.mspStatus < 300) return h`<div class="status" data-testid="delivery-status">Delivered</div>`
	return h`<div class="status failed" data-testid="delivery-status" title="${m.mspResponse ?? ''}">Not Delivered (MSP answered ${m.mspStatus || 'nothing'})</div>`
}

/** What Apple accepted but the customer will suffer from: not something the real device says. */
function warningsView(m: RenderedMessage): Raw {
	return h`${m.warnings.map(
		(w) => h`<div class="status warning" data-testid="gateway-warning" data-rule="${w.rule}" title="${w.path}">⚠︎ Apple accepted this, but: ${w.message}</div>`,
	)}`
}

function messageView(m: RenderedMessage): Raw {
	const isBusiness = m.sender === 'business'
	return h`<div class="msg ${isBusiness ? 'from-business' : 'from-customer'}" data-testid="message" data-message-id="${m.id}" data-sender="${m.sender}" data-kind="${m.view.kind}" data-seq="${m.seq}">
		${isBusiness ? businessContent(m) : customerContent(m)}
		${isBusiness ? tapbackMenu(m) : deliveryStatus(m)}
		${warningsView(m)}
	</div>`
}

function rejectionView(r: RejectionRecord): Raw {
	return h`<div class="notice" data-testid="rejection" data-rule="${r.rule}">⚠︎ Apple refused a message from the business: ${r.status} <span class="rule">${r.rule}</span> — ${r.message}</div>`
}

export function threadView(messages: RenderedMessage[], rejections: RejectionRecord[]): Raw {
	// Typing bubbles are state, not messages: show the business as typing if its last
	// indicator was typing_start and nothing else came after it (docs/apple-protocol.md §4.5).
	let businessTyping = false
	const items: Array<{ at: number; seq: number; html: Raw }> = []
	for (const m of messages) {
		if (m.type === 'typing_start' || m.type === 'typing_end') {
			if (m.sender === 'business') businessTyping = m.type === 'typing_start'
			continue
		}
		if (m.sender === 'business') businessTyping = false
		if (m.type === 'close' && m.view.kind === 'declined') {
			items.push({
				at: m.at,
				seq: m.seq,
				html: h`<div class="notice" data-testid="invitation-declined">You declined the invitation: this business cannot invite you again.</div>`,
			})
			continue
		}
		if (m.type === 'close') {
			items.push({ at: m.at, seq: m.seq, html: h`<div class="notice" data-testid="conversation-closed">You deleted this conversation.</div>` })
			continue
		}
		items.push({ at: m.at, seq: m.seq, html: messageView(m) })
	}
	for (const r of rejections) items.push({ at: r.at, seq: Number.MAX_SAFE_INTEGER, html: rejectionView(r) })
	items.sort((a, b) => a.at - b.at || a.seq - b.seq)
	return h`${items.map((i) => i.html)}${businessTyping ? h`<div class="typing" data-testid="business-typing">•••</div>` : ''}`
}
