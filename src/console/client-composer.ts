/**
 * Browser script, part 3 of 3: the composer — builders for each message type (fields bound
 * to paths of the draft message, so the server's per-field errors land on the right input),
 * the check-as-you-type against `…/check` (the API's own preflight, src/console/preview.ts),
 * the device preview and Apple's JSON, attachments with a progress bar, templates, the
 * typing indicator and the send with one Idempotency-Key per draft.
 */
export const CLIENT_COMPOSER = String.raw`
function isoIn(days, hour, offsetMin) {
	var d = new Date(Date.now() + days * 86400000)
	var p = function (n) { return String(n).padStart(2, '0') }
	return d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + 'T' + p(hour) + ':00:00' + offStr(offsetMin)
}
function offStr(min) { var s = min < 0 ? '-' : '+', a = Math.abs(min || 0); return s + String(Math.floor(a / 60)).padStart(2, '0') + ':' + String(a % 60).padStart(2, '0') }
var SAMPLES = {
	text: function () { return { type: 'text', text: '' } },
	quickReply: function () { return { type: 'quickReply', prompt: 'How can we help?', items: [{ id: 'a', title: 'Order status' }, { id: 'b', title: 'Returns' }] } },
	listPicker: function () { return { type: 'listPicker', title: 'Choose a product', sections: [{ title: 'Products', multipleSelection: false, items: [{ id: 'item-1', title: 'First' }, { id: 'item-2', title: 'Second' }] }] } },
	timePicker: function () { return { type: 'timePicker', title: 'Pick a time', timezoneOffset: 0, slots: [{ id: 'slot-1', start: isoIn(1, 10, 0), durationSeconds: 3600 }, { id: 'slot-2', start: isoIn(1, 14, 0), durationSeconds: 3600 }] } },
	form: function () { return { type: 'form', title: 'Tell us more', pages: [{ type: 'select', title: 'Topic', subtitle: 'What is it about?', items: [{ id: 'billing', title: 'Billing' }, { id: 'delivery', title: 'Delivery' }] }, { type: 'input', title: 'Details', subtitle: 'Anything else?', options: { required: false } }] } },
	richLink: function () { return { type: 'richLink', url: 'https://example.com/', title: 'Example' } },
	applePay: function () { return { type: 'applePay', total: { label: 'Total', amount: '10.00' } } },
	authenticate: function () { return { type: 'authenticate', title: 'Sign in to continue' } },
	iMessageApp: function () { return { type: 'iMessageApp', bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:TEAMID0000:com.example.app.ext', appId: 123456789, appName: 'Example', url: '?order=1', receivedMessage: { title: 'Open the app' } } },
}
var C = { draft: SAMPLES.text(), jsonText: null, jsonError: null, attached: [], key: newKey(), check: null, sending: false, timer: 0, typing: false, typingTimer: 0, seq: 0 }
function newKey() { return 'console-' + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)) }

function getAt(obj, path) { return path.split('.').reduce(function (o, k) { return o == null ? undefined : o[k] }, obj) }
function setAt(obj, path, v) {
	var ks = path.split('.'), o = obj
	for (var i = 0; i < ks.length - 1; i++) o = o[ks[i]]
	if (v === undefined || v === '') delete o[ks[ks.length - 1]]
	else o[ks[ks.length - 1]] = v
}

var uid = 0
function input(label, path, opts) {
	opts = opts || {}
	var id = 'f' + (++uid)
	var v = getAt(C.draft, path)
	var kind = opts.kind || 'text'
	var ctl
	if (kind === 'textarea') ctl = el('textarea', { id: id })
	else if (kind === 'select') ctl = el('select', { id: id }, opts.options.map(function (o) { return el('option', { value: o, text: o }) }))
	else if (kind === 'checkbox') ctl = el('input', { id: id, type: 'checkbox' })
	else ctl = el('input', { id: id, type: kind === 'minutes' || kind === 'number' ? 'number' : kind === 'datetime' ? 'datetime-local' : kind })
	ctl.setAttribute('data-path', 'message.' + path)
	ctl.setAttribute('data-testid', 'field-' + path)
	if (kind === 'checkbox') ctl.checked = !!v
	else if (kind === 'minutes') ctl.value = v ? String(Math.round(v / 60)) : ''
	else if (kind === 'datetime') ctl.value = typeof v === 'string' ? v.slice(0, 16) : ''
	else ctl.value = v === undefined ? '' : String(v)
	ctl.addEventListener('input', function () {
		var val
		if (kind === 'checkbox') val = ctl.checked
		else if (kind === 'number') val = ctl.value === '' ? undefined : Number(ctl.value)
		else if (kind === 'select' && opts.onSelect) { opts.onSelect(ctl.value); return }
		else if (kind === 'minutes') val = ctl.value === '' ? undefined : Number(ctl.value) * 60
		else if (kind === 'datetime') val = ctl.value ? ctl.value.slice(0, 16) + ':00' + offStr(C.draft.timezoneOffset || 0) : undefined
		else val = opts.keepEmpty ? ctl.value : ctl.value
		setAt(C.draft, path, val)
		if (path === 'text') agentTyping()
		changed()
	})
	return el('div', { class: 'field' }, [el('label', { for: id, text: label }), ctl, el('span', { class: 'field-error', 'data-error-for': 'message.' + path })])
}

function listEditor(legend, path, make, renderItem) {
	var arr = getAt(C.draft, path) || []
	return el('fieldset', null, [el('legend', { text: legend })].concat(arr.map(function (_, i) {
		return el('div', { class: 'item' }, renderItem(path + '.' + i, i).concat([el('button', { type: 'button', class: 'secondary small', 'aria-label': 'Remove ' + legend.toLowerCase() + ' ' + (i + 1), text: '✕',
			onclick: function () { arr.splice(i, 1); renderBuilder(); changed() } })]))
	})).concat([el('button', { type: 'button', class: 'secondary small', testid: 'add-' + path, text: '+ Add ' + legend.toLowerCase(), onclick: function () {
		if (!getAt(C.draft, path)) setAt(C.draft, path, arr)
		arr.push(make(arr.length)); renderBuilder(); changed()
	} })]))
}

var BUILDERS = {
	text: function () { return [input('Message', 'text', { kind: 'textarea', keepEmpty: true })] },
	quickReply: function () {
		return [input('Prompt', 'prompt'), listEditor('Button', 'items', function (n) { return { id: 'opt-' + (n + 1), title: '' } }, function (p) { return [input('Id', p + '.id'), input('Title', p + '.title')] })]
	},
	listPicker: function () {
		return [input('Title', 'title'), input('Subtitle', 'subtitle'),
			listEditor('Section', 'sections', function (n) { return { title: 'Section ' + (n + 1), items: [] } }, function (p) {
				return [el('div', { class: 'full' }, [input('Section title', p + '.title'), input('Multiple selection', p + '.multipleSelection', { kind: 'checkbox' }),
					listEditor('Item', p + '.items', function (n) { return { id: 'item-' + Date.now().toString(36) + n, title: '' } }, function (q) {
						return [input('Id', q + '.id'), input('Title', q + '.title'), input('Subtitle', q + '.subtitle'), input('Image (https or data: URL)', q + '.image')]
					})])]
			})]
	},
	timePicker: function () {
		return [input('Title', 'title'), input('Subtitle', 'subtitle'), input('Time zone (minutes from UTC)', 'timezoneOffset', { kind: 'number' }),
			listEditor('Slot', 'slots', function (n) { return { id: 'slot-' + (n + 1), start: isoIn(1, 9 + n, C.draft.timezoneOffset || 0), durationSeconds: 1800 } }, function (p) {
				return [input('Start', p + '.start', { kind: 'datetime' }), input('Duration (minutes)', p + '.durationSeconds', { kind: 'minutes' }), input('Id', p + '.id')]
			})]
	},
}

function jsonBuilder() {
	var ta = el('textarea', { id: 'json-editor', rows: '14', 'data-path': 'message', testid: 'json-editor', spellcheck: 'false' })
	ta.value = C.jsonText === null ? JSON.stringify(C.draft, null, 2) : C.jsonText
	ta.addEventListener('input', function () {
		C.jsonText = ta.value
		try { C.draft = JSON.parse(ta.value); C.jsonError = null } catch (e) { C.jsonError = 'Not valid JSON: ' + e.message }
		changed()
	})
	return [el('label', { for: 'json-editor', text: 'Message JSON (the business API’s message object)' }), ta]
}

function renderBuilder() {
	var type = C.draft.type
	var parts = BUILDERS[type] && !$('as-json').checked ? BUILDERS[type]() : jsonBuilder()
	$('builder').replaceChildren.apply($('builder'), parts)
	$('attach-row').hidden = type !== 'text'
	showFieldErrors()
}

function setDraft(msg) {
	C.draft = msg
	C.jsonText = null
	C.jsonError = null
	C.attached = []
	renderAttached()
	$('message-type').value = msg.type
	C.key = newKey()
	renderBuilder()
	changed()
}

function message() {
	var m = JSON.parse(JSON.stringify(C.draft))
	if (m.type === 'text' && C.attached.length) m.attachments = C.attached.map(function (a) { return a.id })
	return m
}

function changed() {
	C.key = newKey()
	clearTimeout(C.timer)
	$('send').disabled = true
	C.timer = setTimeout(runCheck, 200)
}

function runCheck() {
	if (!S.current) return
	var seq = ++C.seq
	if (C.jsonError) { C.check = { ok: false, errors: [{ path: 'message', message: C.jsonError }], warnings: [], richLinks: [], devices: [] }; return showCheck() }
	api('POST', '/check', { conversationId: S.current, message: message() }).then(function (r) {
		if (seq !== C.seq) return
		C.check = r.ok ? r.json : { ok: false, errors: [{ path: 'message', message: (r.json && r.json.error && r.json.error.message) || 'check failed' }], warnings: [], richLinks: [], devices: [] }
		showCheck()
	})
}

function showFieldErrors() {
	var errs = (C.check && C.check.errors) || []
	document.querySelectorAll('#builder [data-path]').forEach(function (n) {
		var own = errs.filter(function (e) { return e.path === n.getAttribute('data-path') })
		n.setAttribute('aria-invalid', own.length ? 'true' : 'false')
		var slot = document.querySelector('[data-error-for="' + n.getAttribute('data-path') + '"]')
		if (slot) slot.textContent = own.map(function (e) { return e.message }).join('; ')
	})
}

function showCheck() {
	var ch = C.check
	$('errors').replaceChildren.apply($('errors'), ch.errors.map(function (e) { return el('li', { testid: 'error', 'data-path': e.path, text: e.path + ': ' + e.message }) }))
	$('warnings').replaceChildren.apply($('warnings'), ch.warnings.map(function (w) { return el('li', { text: 'Warning — ' + w.path + ': ' + w.message }) }))
	$('rich-links').textContent = ch.richLinks.length ? 'Also sent as rich link' + (ch.richLinks.length > 1 ? 's' : '') + ': ' + ch.richLinks.join(', ') : ''
	showFieldErrors()
	showPreview()
	updateSend()
}

function showPreview() {
	var ch = C.check
	var d = ch && ch.devices.find(function (x) { return x.key === $('preview-device').value })
	var box = $('preview')
	if (!d) { box.replaceChildren(el('p', { class: 'muted', text: ch && ch.errors.length ? 'Fix the errors to see the preview.' : '' })); $('apple-json').textContent = ''; $('preview-note').textContent = ''; return }
	box.setAttribute('data-rendered', d.rendered)
	box.replaceChildren(el('div', { class: 'msg outbound' }, [card(d.message)]))
	$('preview-note').textContent = d.rendered === 'original' ? '' : (d.rendered === 'fallback' ? 'This device gets the fallback' : 'This device gets a text version') + ': ' + d.reason.code + (d.reason.detail ? ' (' + d.reason.detail + ')' : '')
	$('apple-json').textContent = d.appleBody ? JSON.stringify(d.appleBody, null, 2) : (d.renderNote || '')
}

function updateSend() {
	var closed = S.state && S.state.status === 'closed'
	var empty = C.draft.type === 'text' && !String(C.draft.text || '').trim() && !C.attached.length
	$('send').disabled = C.sending || closed || empty || !C.check || !C.check.ok
}

window.composerState = function (st) {
	var closed = st.status === 'closed'
	$('closed-notice').hidden = !closed
	$('closed-notice').textContent = closed ? 'The customer closed this conversation; it reopens when they write again. Sending is refused until then.' : ''
	updateSend()
}
window.composerOpened = function () { changed() }

function send() {
	if ($('send').disabled) return
	C.sending = true
	updateSend()
	$('send-status').textContent = 'Sending…'
	api('POST', '/messages', { customerId: S.state.customerId, message: message() }, { 'idempotency-key': C.key }).then(function (r) {
		C.sending = false
		if (r.ok) {
			$('send-status').textContent = 'Sent' + (r.json.rendered !== 'original' ? ' as ' + r.json.rendered + (r.json.renderReason ? ' (' + r.json.renderReason.code + ')' : '') : '')
			stopTyping()
			setDraft(SAMPLES[C.draft.type] && C.draft.type === 'text' ? SAMPLES.text() : C.draft)
			loadThread()
		} else {
			var e = (r.json && r.json.error) || { message: 'send failed' }
			$('send-status').textContent = 'Not sent: ' + e.message + (e.details ? ' — ' + e.details.map(function (d) { return d.path + ': ' + d.message }).join('; ') : '')
			updateSend()
		}
	})
}

function agentTyping() {
	if (!S.state || S.state.status === 'closed') return
	if (!C.typing) { C.typing = true; api('POST', '/messages', { customerId: S.state.customerId, message: { type: 'typing', active: true } }) }
	clearTimeout(C.typingTimer)
	C.typingTimer = setTimeout(stopTyping, 5000)
}
function stopTyping() {
	clearTimeout(C.typingTimer)
	if (C.typing && S.state) api('POST', '/messages', { customerId: S.state.customerId, message: { type: 'typing', active: false } })
	C.typing = false
}

function renderAttached() {
	$('attached').replaceChildren.apply($('attached'), C.attached.map(function (a, i) {
		return el('li', { testid: 'attached-file' }, ['📎 ' + a.name + ' ', el('button', { type: 'button', class: 'secondary small', 'aria-label': 'Remove ' + a.name, text: '✕', onclick: function () { C.attached.splice(i, 1); renderAttached(); changed() } })])
	}))
}

function upload(file) {
	var bar = $('attach-progress')
	bar.hidden = false
	bar.value = 0
	var xhr = new XMLHttpRequest()
	xhr.open('POST', API + '/attachments?name=' + encodeURIComponent(file.name))
	xhr.setRequestHeader('x-csrf-token', CSRF)
	xhr.setRequestHeader('content-type', file.type || 'application/octet-stream')
	xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100) }
	xhr.onload = function () {
		bar.hidden = true
		var j = null
		try { j = JSON.parse(xhr.responseText) } catch (e) {}
		if (xhr.status === 201 && j) { C.attached.push({ id: j.id, name: j.name }); renderAttached(); changed() }
		else $('send-status').textContent = 'Upload failed: ' + ((j && j.error && j.error.message) || xhr.status)
	}
	xhr.onerror = function () { bar.hidden = true; $('send-status').textContent = 'Upload failed' }
	xhr.send(file)
}

function loadTemplates() {
	api('GET', '/templates').then(function (r) {
		if (!r.ok) return
		var sel = $('template-select')
		var list = r.json.data || []
		S.templates = list
		sel.replaceChildren.apply(sel, [el('option', { value: '', text: '— start from a template —' })].concat(list.map(function (t) { return el('option', { value: t.id, text: t.name + ' (' + t.message.type + ')' }) })))
	})
}

function init() {
	$('filter-status').addEventListener('change', loadInbox)
	var st = 0
	$('filter-search').addEventListener('input', function () { clearTimeout(st); st = setTimeout(loadInbox, 250) })
	$('message-type').addEventListener('change', function () { setDraft(SAMPLES[$('message-type').value]()) })
	$('preview-device').addEventListener('change', showPreview)
	$('as-json').addEventListener('change', function () { C.jsonText = null; C.jsonError = null; renderBuilder(); changed() })
	$('send').addEventListener('click', send)
	// Ctrl/Cmd+Enter anywhere in the composer sends (when Send is enabled).
	$('composer').addEventListener('keydown', function (e) { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send() } })
	$('attach-file').addEventListener('change', function (e) { var f = e.target.files[0]; if (f) upload(f); e.target.value = '' })
	$('template-select').addEventListener('change', function () {
		var t = (S.templates || []).find(function (x) { return x.id === $('template-select').value })
		if (t) setDraft(JSON.parse(JSON.stringify(t.message)))
	})
	$('save-template').addEventListener('click', function () {
		var name = $('template-name').value.trim()
		if (!name) { $('send-status').textContent = 'Give the template a name first.'; $('template-name').focus(); return }
		api('POST', '/templates', { name: name, message: message() }).then(function (r) {
			$('send-status').textContent = r.ok ? 'Saved template “' + name + '”' : 'Template not saved: ' + ((r.json && r.json.error && r.json.error.message) || r.status)
			if (r.ok) loadTemplates()
		})
	})
	renderBuilder()
	loadInbox()
	loadTemplates()
	connect()
}
`
