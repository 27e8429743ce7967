/**
 * Browser script, part 2 of 3: rendering messages — the thread (both directions, delivery
 * state, rendered form with its reason, replies beside their requests, tapbacks on their
 * target, attachments as thumbnails or download links) and the same cards for the preview.
 */
export const CLIENT_THREAD = String.raw`
var WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
/** A slot in the event's own zone (the offset written in its start), as the device shows it with timezoneOffset. */
function fmtSlot(s) {
	var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.exec(String(s.start || ''))
	var mins = ' (' + Math.round((s.durationSeconds || 0) / 60) + ' min)'
	if (!m) return String(s.start) + mins
	var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))
	var zone = m[6] === 'Z' || /^[+-]00:?00$/.test(m[6]) ? 'UTC' : 'UTC' + m[6]
	return WEEKDAYS[day.getUTCDay()] + ', ' + (+m[3]) + ' ' + MONTHS[+m[2] - 1] + ' ' + m[1] + ' ' + m[4] + ':' + m[5] + ' ' + zone + mins
}

function itemImage(ref) {
	if (!ref) return null
	// The page's CSP loads images from this origin and data: URLs only; others are fetched at send.
	return /^data:image\//.test(ref) ? el('img', { class: 'item-img', src: ref, alt: '' }) : el('span', { class: 'small muted', text: ' [image from URL]' })
}

/** A business message (or what a device is sent instead) as a card; text only, never markup. */
function card(m) {
	if (!m || typeof m !== 'object') return el('div', { class: 'card', text: String(m) })
	switch (m.type) {
		case 'text':
			return el('div', { testid: 'card-text' }, [String(m.text || '').replace(/\uFFFC/g, ''),
				(m.attachments || []).length ? el('div', { class: 'small muted', text: '📎 ' + m.attachments.length + ' attachment(s)' }) : null])
		case 'quickReply':
			return el('div', { class: 'card', testid: 'card-quickReply' }, [el('div', { text: m.prompt || '' }),
				el('div', { class: 'row' }, (m.items || []).map(function (i) { return el('span', { class: 'badge', text: i.title || '' }) }))])
		case 'listPicker':
			return el('div', { class: 'card', testid: 'card-listPicker' }, [el('h4', { text: m.title || '' }), m.subtitle ? el('div', { class: 'small', text: m.subtitle }) : null]
				.concat((m.sections || []).map(function (s) {
					return el('div', null, [el('strong', { class: 'small', text: (s.title || '') + (s.multipleSelection ? ' (choose several)' : '') }),
						el('ul', null, (s.items || []).map(function (i) { return el('li', null, [itemImage(i.image), el('span', { testid: 'preview-item', text: (i.title || '') + (i.subtitle ? ' — ' + i.subtitle : '') })]) }))])
				})))
		case 'timePicker':
			return el('div', { class: 'card', testid: 'card-timePicker' }, [el('h4', { text: m.title || '' }), m.subtitle ? el('div', { class: 'small', text: m.subtitle }) : null,
				el('ul', null, (m.slots || []).map(function (s) { return el('li', { testid: 'preview-slot', text: fmtSlot(s) }) }))])
		case 'form':
			return el('div', { class: 'card', testid: 'card-form' }, [el('h4', { text: m.title || 'Form' }),
				el('ol', null, (m.pages || []).map(function (p) { return el('li', { text: (p.title || p.type) + (p.subtitle ? ': ' + p.subtitle : '') }) }))])
		case 'richLink':
			return el('div', { class: 'card', testid: 'card-richLink' }, [el('h4', { text: m.title || hostOf(m.url) }), el('div', { class: 'small', text: m.url || '' })])
		case 'applePay':
			return el('div', { class: 'card', testid: 'card-applePay', text: 'Apple Pay · ' + ((m.total && m.total.label) || '') + ' ' + ((m.total && m.total.amount) || '') })
		case 'authenticate':
			return el('div', { class: 'card', testid: 'card-authenticate', text: (m.title || 'Sign in') + (m.subtitle ? ' — ' + m.subtitle : '') })
		case 'iMessageApp':
			return el('div', { class: 'card', testid: 'card-iMessageApp', text: ((m.receivedMessage && m.receivedMessage.title) || m.appName || 'iMessage app') + ' (' + (m.appName || '') + ')' })
		case 'template':
			return el('div', { class: 'card', text: 'Template ' + m.templateId })
		default:
			return el('div', { class: 'card', text: '[' + m.type + ']' })
	}
}
function hostOf(u) { try { return new URL(u).host } catch (e) { return String(u || '') } }

function replySummary(d) {
	switch (d.kind) {
		case 'listPicker': return 'picked ' + (d.selected || []).map(function (s) { return '“' + (s.title || s.id) + '”' }).join(', ')
		case 'timePicker': return d.slot ? 'chose ' + fmtSlot({ start: d.slot.start, durationSeconds: d.slot.durationSeconds }) : 'answered the time picker'
		case 'quickReply': return d.selected ? 'chose “' + (d.selected.title || d.selected.id) + '”' : 'answered'
		case 'form': return 'submitted the form: ' + (d.pages || []).map(function (p) { return (p.answers || p.items || []).map(function (a) { return a.title || a.value || '' }).join(', ') }).join(' · ')
		case 'authenticate': return 'authentication: ' + (d.status || d.outcome || '')
		case 'applePay': return 'Apple Pay: ' + (d.status || d.outcome || '')
		default: return d.displayText || 'replied (' + d.kind + ')'
	}
}

function attachmentNode(a, href) {
	if (!href) return el('div', { class: 'small', text: '📎 ' + a.name + (a.status === 'failed' ? ' (could not be fetched)' : ' (arriving…)') })
	var link = el('a', { href: href, download: a.name, testid: 'attachment-link', text: '📎 ' + a.name + (a.size ? ' (' + Math.ceil(a.size / 1024) + ' KB)' : '') })
	if (/^image\//.test(a.mimeType || '')) return el('div', null, [el('img', { class: 'thumb', src: href, alt: a.name, testid: 'attachment-thumb' }), link])
	return el('div', null, [link])
}

function sendState(m) {
	var failed = m.eventData.find(function (e) { return e.type === 'message.failed' })
	if (failed) return el('span', { class: 'state-failed', testid: 'send-state', 'data-state': 'failed',
		text: 'failed — Apple status ' + (failed.data.appleStatus === null ? 'none' : failed.data.appleStatus) + ', ' + (failed.data.reason || '') + (failed.data.appleBody ? ': ' + JSON.stringify(failed.data.appleBody).slice(0, 200) : '') })
	if (m.send) return el('span', { class: 'state-retrying', testid: 'send-state', 'data-state': 'retrying',
		text: 'retrying (attempt ' + m.send.attempts + '), next at ' + when(m.send.nextAttemptAt) + (m.send.lastError ? ' — ' + m.send.lastError : '') })
	return el('span', { testid: 'send-state', 'data-state': m.status, text: m.status })
}

function renderThread() {
	var list = $('messages')
	var items = []
	var byText = []
	var byId = new Map()
	S.thread.forEach(function (m) {
		var c = m.content || {}
		if (m.type === 'typing_start' || m.type === 'typing_end' || m.type === 'typing') return
		var ev = m.eventData[0] || { type: '', data: {} }
		if (m.direction === 'inbound' && m.type === 'close') {
			items.push(el('li', { class: 'notice', testid: 'closed-item', text: 'The customer closed the conversation · ' + when(m.createdAt) }))
			return
		}
		if (ev.type === 'reaction.received') {
			var d = ev.data
			var target = null
			for (var i = byText.length - 1; i >= 0; i--) if (byText[i].text === d.targetText) { target = byText[i].node; break }
			var label = (d.removed ? 'removed ' : '') + (d.emoji || d.reaction) + (target ? '' : ' on “' + d.targetText + '”')
			var r = el('div', { class: 'reactions', testid: 'tapback', text: 'Customer ' + label })
			if (target) target.appendChild(r)
			else items.push(el('li', { class: 'notice' }, [r]))
			return
		}
		var li = el('li', { class: 'msg ' + m.direction, testid: 'message', 'data-direction': m.direction, 'data-type': m.type, 'data-message-id': m.id })
		if (m.direction === 'inbound') {
			if (ev.type === 'interactive.received') {
				var req = ev.data.requestMessageId ? byId.get(ev.data.requestMessageId) : null
				li.appendChild(el('div', { class: 'reply', testid: 'reply', 'data-reply-to': ev.data.requestMessageId || '', text: '↩ ' + replySummary(ev.data) }))
				if (req) req.appendChild(el('div', { class: 'reply', testid: 'request-answer', text: 'Customer ' + replySummary(ev.data) }))
			} else {
				var text = typeof ev.data.text === 'string' ? ev.data.text : typeof c.body === 'string' ? c.body : ''
				text = text.replace(/\uFFFC/g, '').trim()
				if (text) li.appendChild(el('div', { testid: 'text', text: text }))
				;(ev.data.attachments || []).forEach(function (a) { li.appendChild(attachmentNode(a, a.url)) })
				byText.push({ text: text, node: li })
			}
		} else {
			var shown = c.request || (c.apple && c.apple.type === 'richLink' ? { type: 'richLink', url: (c.apple.richLinkData || {}).url, title: (c.apple.richLinkData || {}).title } : { type: m.type })
			li.appendChild(card(shown))
			;((c.request && c.request.attachments) || []).forEach(function (id) {
				li.appendChild(attachmentNode({ name: 'attachment ' + id.slice(-6), mimeType: '' }, API + '/attachments/' + encodeURIComponent(id)))
			})
			if (shown.type === 'text') byText.push({ text: String(shown.text || '').trim(), node: li })
			var sent = m.eventData.find(function (e) { return e.type === 'message.sent' || e.type === 'message.failed' })
			var reason = sent && sent.data.renderReason
			if (c.rendered && c.rendered !== 'original') li.appendChild(el('div', { class: 'small note', testid: 'rendered', text: 'Sent as ' + c.rendered + (reason ? ' — ' + reason.code + (reason.detail ? ' (' + reason.detail + ')' : '') : '') }))
			if (c.apple) li.appendChild(el('details', null, [el('summary', { class: 'small', text: 'What Apple received' }), el('pre', { text: JSON.stringify(c.apple, null, 2) })]))
			byId.set(m.id, li)
		}
		li.appendChild(el('span', { class: 'meta' }, [when(m.createdAt), m.direction === 'outbound' ? ' · ' : '', m.direction === 'outbound' ? sendState(m) : null]))
		items.push(li)
	})
	if (S.threadHasMore) items.unshift(el('li', { class: 'notice', text: 'Older messages are not shown here; the business API pages through the full history.' }))
	var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40
	list.replaceChildren.apply(list, items)
	if (atBottom || items.length < 30) list.scrollTop = list.scrollHeight
	renderThreadMeta()
}
`
