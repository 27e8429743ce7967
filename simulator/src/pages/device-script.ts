/**
 * The device page's small inline script (no build step), plain ES2020 in strings so the Worker
 * serves it as is. One IIFE assembled from fragments that share its scope, one per concern:
 * here the helpers, thread refresh and live updates over the state object's WebSocket;
 * device-script-forms.ts the multi-page forms; device-script-actions.ts every customer action
 * (clicks, composer, device and switch controls) as a call to /sim/api.
 */
import { ACTIONS_SCRIPT } from './device-script-actions'
import { FORMS_SCRIPT } from './device-script-forms'

const CORE_SCRIPT = String.raw`
	const body = document.body
	const customer = body.dataset.customer || ''
	const business = body.dataset.business || ''
	const enc = encodeURIComponent
	const cpath = '/customers/' + enc(customer)
	const $ = (sel, scope) => (scope || document).querySelector(sel)
	const $$ = (sel, scope) => [...(scope || document).querySelectorAll(sel)]

	function toast(message) {
		const el = $('#toast')
		if (!el) return
		el.textContent = message
		el.hidden = false
		clearTimeout(toast.timer)
		toast.timer = setTimeout(() => (el.hidden = true), 4000)
	}

	async function api(method, path, payload) {
		const init = { method, headers: {} }
		if (payload !== undefined) {
			init.headers['content-type'] = 'application/json'
			init.body = JSON.stringify(payload)
		}
		const res = await fetch('/sim/api' + path, init)
		const text = await res.text()
		const json = text ? JSON.parse(text) : {}
		if (!res.ok) throw new Error((json.error && json.error.message) || 'HTTP ' + res.status)
		return json
	}

	// ── thread ──────────────────────────────────────────────────────────────
	let refreshQueued = false
	let refreshing = false
	async function refresh() {
		if (!customer || !business) return
		if ($('dialog[open]') || refreshing) {
			refreshQueued = true
			return
		}
		refreshing = true
		try {
			const res = await fetch('/device/thread?customer=' + enc(customer) + '&business=' + enc(business))
			const thread = $('#thread')
			thread.innerHTML = await res.text()
			formatTimes(thread)
			thread.scrollTop = thread.scrollHeight
			body.dataset.threadVersion = String(Number(body.dataset.threadVersion || 0) + 1)
		} finally {
			refreshing = false
			if (refreshQueued && !$('dialog[open]')) {
				refreshQueued = false
				refresh()
			}
		}
	}
	document.addEventListener('close', (e) => {
		if (e.target.tagName === 'DIALOG' && refreshQueued) {
			refreshQueued = false
			refresh()
		}
	}, true)

	async function refreshSidebar() {
		const res = await fetch('/device/sidebar?customer=' + enc(customer) + '&business=' + enc(business))
		const list = $('#customer-list')
		if (list) list.innerHTML = await res.text()
	}

	function formatTimes(scope) {
		$$('time[data-iso]', scope).forEach((t) => {
			if (!t.dataset.iso) return
			const d = new Date(t.dataset.iso)
			if (t.dataset.offset !== '') {
				// timezoneOffset set: shown in the event's zone wherever the customer is (docs/apple-interactive.md §5.3).
				const shifted = new Date(d.getTime() + Number(t.dataset.offset) * 60000)
				t.textContent = shifted.toLocaleString(undefined, { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }) + ' (event time)'
			} else {
				t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
			}
		})
	}

	// ── live updates ────────────────────────────────────────────────────────
	function connect() {
		const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/sim/ws')
		body.dataset.ws = 'connecting'
		ws.onopen = () => (body.dataset.ws = 'open')
		ws.onmessage = (e) => {
			let n
			try {
				n = JSON.parse(e.data)
			} catch {
				return
			}
			if (n.kind === 'messages' && n.customerId === customer) refresh()
			else if (n.kind === 'rejections') {
				refresh()
				refreshRejections()
			}
			else if (n.kind === 'customers') refreshSidebar()
			else if (n.kind === 'inbox' && body.dataset.page === 'inbox') refreshInbox()
		}
		ws.onclose = () => {
			body.dataset.ws = 'closed'
			setTimeout(connect, 1000)
		}
	}

	async function refreshRejections() {
		const log = $('#rejection-log')
		if (!log) return
		const res = await fetch('/device/rejections')
		log.innerHTML = await res.text()
	}

	async function refreshInbox() {
		const res = await fetch('/inbox/events')
		const list = $('#inbox-events')
		if (list) list.innerHTML = await res.text()
	}

	// ── replies ─────────────────────────────────────────────────────────────
	async function reply(messageId, selection) {
		const out = await api('POST', cpath + '/replies', { toMessageId: messageId, selection })
		refresh()
		return out
	}
`

const BOOT_SCRIPT = String.raw`
	formatTimes(document)
	const thread = $('#thread')
	if (thread) thread.scrollTop = thread.scrollHeight
	connect()
`

export const DEVICE_SCRIPT = `
(() => {
${CORE_SCRIPT}
${FORMS_SCRIPT}
${ACTIONS_SCRIPT}
${BOOT_SCRIPT}
})()
`
