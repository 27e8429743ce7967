/**
 * Browser script, part 1 of 3 (client-script.ts joins them): helpers, the live socket, the
 * inbox and the thread (docs/console.md). Plain ES2020 in a string: served same-origin, no
 * build step, no CDN. Customer content only ever enters the page through `text()` /
 * `textContent` and attribute setters, never as markup, so a customer's `<script>` stays text.
 */
export const CLIENT_CORE = String.raw`
'use strict'
var BID = document.body.dataset.businessId
var CSRF = document.body.dataset.csrf
var API = '/console/api/b/' + encodeURIComponent(BID)
var S = { convs: new Map(), current: null, state: null, thread: [], lastSeq: 0, loadingThread: false, reloadThread: false }
var $ = function (id) { return document.getElementById(id) }

function el(tag, attrs, children) {
	var n = document.createElement(tag)
	if (attrs) for (var k in attrs) {
		var v = attrs[k]
		if (v === null || v === undefined || v === false) continue
		if (k === 'text') n.textContent = String(v)
		else if (k === 'class') n.className = v
		else if (k === 'testid') n.setAttribute('data-testid', v)
		else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), v)
		else n.setAttribute(k, v === true ? '' : String(v))
	}
	;(children || []).forEach(function (c) { if (c !== null && c !== undefined && c !== false) n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c) })
	return n
}

function api(method, path, body, headers) {
	var h = Object.assign({ 'x-csrf-token': CSRF }, headers || {})
	if (body !== undefined) h['content-type'] = 'application/json'
	return fetch(API + path, { method: method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }).then(function (r) {
		if (r.status === 401) { location.href = '/hosted/login?next=' + encodeURIComponent(location.pathname + location.search); throw new Error('signed out') }
		return r.json().catch(function () { return null }).then(function (json) { return { status: r.status, ok: r.ok, json: json } })
	})
}

function shortId(id) { var s = String(id).replace(/^urn:mbid:/, ''); return s.length > 10 ? '…' + s.slice(-8) : s }
function when(iso) { if (!iso) return ''; var d = new Date(iso); return isNaN(d) ? String(iso) : d.toLocaleString() }

// ── Live updates ─────────────────────────────────────────────────────────────────────────
var ws = null, wsDelay = 1000, pingTimer = 0
function connect() {
	ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + API + '/live')
	ws.onopen = function () {
		wsDelay = 1000
		document.body.dataset.live = 'open'
		$('live-state').textContent = 'live'
		loadInbox()
		if (S.current) loadThread()
		clearInterval(pingTimer)
		pingTimer = setInterval(function () { try { ws.send('ping') } catch (e) {} }, 30000)
	}
	ws.onmessage = function (ev) {
		if (ev.data === 'pong') return
		var m
		try { m = JSON.parse(ev.data) } catch (e) { return }
		if (m.type === 'conversation') onSummary(m.conversation)
	}
	ws.onclose = function (ev) {
		// 4001: the session ended; the page reload leads to the sign-in.
		if (ev.code === 4001) { location.reload(); return }
		document.body.dataset.live = 'closed'
		$('live-state').textContent = 'reconnecting…'
		clearInterval(pingTimer)
		setTimeout(connect, wsDelay)
		wsDelay = Math.min(wsDelay * 2, 30000)
	}
}

function onSummary(c) {
	S.convs.set(c.conversationId, c)
	renderInbox()
	// Same sequence can still mean news (sent, failed, an attachment arrived): reload either way.
	if (S.current === c.conversationId) loadThread()
}

// ── Inbox ────────────────────────────────────────────────────────────────────────────────
function loadInbox() {
	var q = new URLSearchParams({ status: $('filter-status').value })
	var search = $('filter-search').value.trim()
	if (search) q.set('q', search)
	return api('GET', '/inbox?' + q).then(function (r) {
		if (!r.ok) return
		S.convs = new Map()
		r.json.data.forEach(function (c) { S.convs.set(c.conversationId, c) })
		renderInbox()
	})
}

function matchesFilter(c) {
	var st = $('filter-status').value
	var q = $('filter-search').value.trim().toLowerCase()
	return (st === 'all' || c.status === st) && (!q || c.customerId.toLowerCase().indexOf(q) >= 0)
}

function renderInbox() {
	var list = $('conversations')
	var rows = Array.from(S.convs.values()).filter(matchesFilter).sort(function (a, b) { return a.updatedAt < b.updatedAt ? 1 : -1 })
	list.replaceChildren.apply(list, rows.map(function (c) {
		var device = c.deviceAgent ? c.deviceAgent : 'device unknown'
		var route = [c.intent && 'intent: ' + c.intent, c.group && 'group: ' + c.group].filter(Boolean).join(' · ')
		return el('li', null, [el('button', {
			type: 'button', testid: 'conversation', 'data-conversation-id': c.conversationId, 'data-customer-id': c.customerId,
			'aria-current': S.current === c.conversationId ? 'true' : 'false', onclick: function () { openConversation(c.conversationId) },
		}, [
			el('span', { class: 'conv-top' }, [
				el('strong', { text: shortId(c.customerId), title: c.customerId }),
				el('span', null, [
					c.unread > 0 ? el('span', { class: 'badge unread', testid: 'unread', text: String(c.unread), 'aria-label': c.unread + ' unread' }) : null, ' ',
					el('span', { class: 'badge ' + c.status, testid: 'conv-status', text: c.status }),
				]),
			]),
			el('span', { class: 'small', testid: 'last-message', text: c.customerTyping ? 'typing…' : c.last ? (c.last.direction === 'outbound' ? 'You: ' : '') + c.last.preview : '' }),
			el('span', { class: 'small muted', text: [device, route, c.last ? when(c.last.at) : ''].filter(Boolean).join(' · ') }),
		])])
	}))
	if (rows.length === 0) list.replaceChildren(el('li', { class: 'muted', text: 'No conversations yet.' }))
}

// ── Thread ───────────────────────────────────────────────────────────────────────────────
function openConversation(id) {
	S.current = id
	S.thread = []
	S.lastSeq = -1
	$('composer').hidden = false
	renderInbox()
	loadThread().then(function () { if (window.composerOpened) window.composerOpened() })
}

function loadThread() {
	if (S.loadingThread) { S.reloadThread = true; return Promise.resolve() }
	S.loadingThread = true
	var id = S.current
	return api('GET', '/conversations/' + id + '?limit=500').then(function (r) {
		if (!r.ok || S.current !== id) return
		S.state = r.json.state
		S.thread = r.json.thread.data
		S.threadHasMore = r.json.thread.hasMore
		S.lastSeq = S.state.lastSequence
		S.summary = S.convs.get(id) || null
		renderThread()
		var known = S.convs.get(id)
		var inbound = known ? known.inboundCount : S.thread.filter(function (m) { return m.direction === 'inbound' && m.type !== 'typing_start' && m.type !== 'typing_end' }).length
		if (!known || known.unread > 0) api('POST', '/conversations/' + id + '/read', { inboundCount: inbound })
	}).finally(function () {
		S.loadingThread = false
		if (S.reloadThread) { S.reloadThread = false; loadThread() }
	})
}

function renderThreadMeta() {
	var st = S.state
	if (!st) return
	$('thread-title').textContent = 'Customer ' + shortId(st.customerId)
	$('thread-title').title = st.customerId
	$('thread-meta').textContent = [st.status === 'closed' ? 'Closed by the customer' : 'Open', st.deviceAgent || 'device unknown',
		st.capabilities ? 'capabilities: ' + (st.capabilities.join(', ') || 'none') : 'capabilities: not reported',
		st.intent && 'intent: ' + st.intent, st.group && 'group: ' + st.group].filter(Boolean).join(' · ')
	var last = S.thread.filter(function (m) { return m.direction === 'inbound' }).pop()
	$('typing').hidden = !(last && last.type === 'typing_start')
	if (window.composerState) window.composerState(st)
}
`
