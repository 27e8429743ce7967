/**
 * The device page's small inline script (no build step): live updates over the state
 * object's WebSocket (re-fetching the server-rendered thread), and every customer action as a
 * call to /sim/api. Plain ES2020 in a string so the Worker serves it as is.
 */
export const DEVICE_SCRIPT = String.raw`
(() => {
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
				// timezoneOffset set: shown in the event's zone wherever the customer is (spec interactive §5.3).
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

	// ── forms (spec interactive §5.8) ───────────────────────────────────────
	const forms = new WeakMap()
	function formSections(dlg) {
		return $$('.form-splash, .form-page, .form-summary', dlg)
	}
	function pageById(dlg, id) {
		return $$('.form-page', dlg).find((p) => p.dataset.pageId === id)
	}
	function nextOf(page) {
		const checked = $('input:checked', page)
		return (checked && checked.dataset.next) || page.dataset.next || ''
	}
	function isLast(page) {
		if (page.dataset.submit === 'true') return true
		if (page.dataset.next) return false
		return !$$('input[data-next]', page).some((i) => i.dataset.next)
	}
	function showSection(dlg, section) {
		const form = $('.form', dlg)
		formSections(dlg).forEach((s) => (s.hidden = s !== section))
		const summary = form.dataset.summary === 'true'
		const atEnd = section.classList.contains('form-summary') || (section.classList.contains('form-page') && isLast(section) && !summary)
		$('[data-action=form-submit]', dlg).hidden = !atEnd
		$('[data-action=form-next]', dlg).hidden = atEnd
		$('[data-action=form-back]', dlg).disabled = forms.get(dlg).history.length === 0
	}
	function initForm(dlg) {
		const form = $('.form', dlg)
		forms.set(dlg, { history: [] })
		showSection(dlg, $('.form-splash', dlg) || pageById(dlg, form.dataset.start) || $('.form-page', dlg))
	}
	function answerOf(page) {
		const type = page.dataset.type
		if (type === 'select') {
			const values = $$('input:checked', page).map((i) => i.value)
			return $('input[type=checkbox]', page) ? values : values[0]
		}
		const input = $('[name^="page-"]', page)
		return input ? input.value : undefined
	}
	/** What the summary shows: the chosen items' titles, or the typed value. */
	function answerLabel(page) {
		if (page.dataset.type === 'select') return $$('input:checked', page).map((i) => i.closest('label').textContent.trim()).join(', ')
		const input = $('[name^="page-"]', page)
		if (!input) return ''
		return input.tagName === 'SELECT' ? input.options[input.selectedIndex].text : input.value
	}
	function formNext(dlg) {
		const state = forms.get(dlg)
		const current = formSections(dlg).find((s) => !s.hidden)
		if (current.classList.contains('form-splash')) {
			state.history.push(current)
			return showSection(dlg, pageById(dlg, $('.form', dlg).dataset.start) || $('.form-page', dlg))
		}
		const answer = answerOf(current)
		if (answer === undefined || answer === '' || (Array.isArray(answer) && answer.length === 0)) {
			const input = $('[required]', current)
			if (input || current.dataset.type === 'select') return toast('Answer this page first')
		}
		state.history.push(current)
		if (isLast(current)) {
			const summary = $('.form-summary', dlg)
			const dl = $('dl', summary)
			dl.innerHTML = ''
			state.history.filter((s) => s.classList.contains('form-page')).forEach((p) => {
				const dt = document.createElement('dt')
				dt.textContent = $('h4', p).textContent
				const dd = document.createElement('dd')
				dd.textContent = answerLabel(p)
				dl.append(dt, dd)
			})
			return showSection(dlg, summary)
		}
		const next = pageById(dlg, nextOf(current))
		if (!next) return toast('This page leads nowhere')
		showSection(dlg, next)
	}
	function formBack(dlg) {
		const state = forms.get(dlg)
		const prev = state.history.pop()
		if (prev) showSection(dlg, prev)
	}
	async function formSubmit(dlg) {
		const state = forms.get(dlg)
		const current = formSections(dlg).find((s) => !s.hidden)
		const pages = state.history.filter((s) => s.classList.contains('form-page'))
		if (current.classList.contains('form-page') && !pages.includes(current)) pages.push(current)
		const answers = {}
		pages.forEach((p) => {
			const a = answerOf(p)
			if (a !== undefined && a !== '') answers[p.dataset.pageId] = a
		})
		await reply(dlg.dataset.messageId, { answers })
		dlg.close()
	}

	// ── clicks ──────────────────────────────────────────────────────────────
	document.addEventListener('click', async (e) => {
		const el = e.target.closest('[data-action]')
		if (!el) return
		const dlg = el.closest('dialog')
		const messageId = el.dataset.messageId || (dlg && dlg.dataset.messageId)
		try {
			switch (el.dataset.action) {
				case 'open-dialog': {
					const target = document.getElementById(el.dataset.dialog)
					target.showModal()
					if ($('.form', target)) initForm(target)
					break
				}
				case 'close-dialog':
					dlg.close()
					break
				case 'quick-reply':
					await reply(messageId, { selectedIndex: Number(el.dataset.index) })
					break
				case 'list-send': {
					const identifiers = $$('input:checked', dlg).map((i) => i.value)
					if (identifiers.length === 0) return toast('Choose at least one item')
					await reply(messageId, { identifiers })
					dlg.close()
					break
				}
				case 'time-send': {
					const slot = $('input:checked', dlg)
					if (!slot) return toast('Choose a time')
					await reply(messageId, { identifier: slot.value })
					dlg.close()
					break
				}
				case 'form-next':
					formNext(dlg)
					break
				case 'form-back':
					formBack(dlg)
					break
				case 'form-submit':
					await formSubmit(dlg)
					break
				case 'pay':
				case 'signin':
					await reply(messageId, { outcome: el.dataset.outcome })
					dlg.close()
					break
				case 'app-send':
					await reply(messageId, { url: $('[name=reply-url]', dlg).value })
					dlg.close()
					break
				case 'tapback': {
					const payload = { businessId: business, reaction: el.dataset.reaction, targetMessageId: messageId }
					if (el.dataset.emoji) payload.emoji = el.dataset.emoji
					await api('POST', cpath + '/tapbacks', payload)
					const menu = el.closest('details')
					if (menu) menu.open = false
					refresh()
					break
				}
				case 'emoji-toggle':
					$('#emoji-palette').classList.toggle('open')
					break
				case 'emoji': {
					const input = $('#composer-input')
					input.value += el.textContent
					input.dispatchEvent(new Event('input'))
					input.focus()
					break
				}
				case 'close-conversation':
					await api('POST', cpath + '/close', { businessId: business, block: $('#close-block').checked })
					refresh()
					break
			}
		} catch (err) {
			toast(err.message || String(err))
		}
	})

	// ── composer ────────────────────────────────────────────────────────────
	let typingSent = false
	const input = $('#composer-input')
	if (input) {
		input.addEventListener('input', async () => {
			try {
				if (input.value && !typingSent) {
					typingSent = true
					await api('POST', cpath + '/typing', { businessId: business, active: true })
				} else if (!input.value && typingSent) {
					typingSent = false
					await api('POST', cpath + '/typing', { businessId: business, active: false })
				}
			} catch (err) {
				toast(err.message)
			}
		})
		$('#composer').addEventListener('submit', async (e) => {
			e.preventDefault()
			const text = input.value
			if (!text) return
			input.value = ''
			$('#emoji-palette').classList.remove('open')
			try {
				// The typing_start already went out when typing began (spec core §1.3).
				await api('POST', cpath + '/messages', { businessId: business, text, typing: !typingSent })
				typingSent = false
				refresh()
			} catch (err) {
				toast(err.message)
			}
		})
		$('#composer-file').addEventListener('change', async (e) => {
			for (const file of e.target.files) {
				const q = 'businessId=' + enc(business) + '&name=' + enc(file.name) + '&mimeType=' + enc(file.type || 'application/octet-stream')
				const res = await fetch('/sim/api' + cpath + '/attachments?' + q, { method: 'POST', body: file })
				if (!res.ok) toast('Upload failed: HTTP ' + res.status)
			}
			e.target.value = ''
			refresh()
		})
	}

	// ── device, customers, conversations, switches ──────────────────────────
	const on = (sel, ev, fn) => {
		const el = $(sel)
		if (el) el.addEventListener(ev, async (e) => {
			try {
				await fn(e, el)
			} catch (err) {
				toast(err.message || String(err))
			}
		})
	}
	on('#device-select', 'change', async (_e, el) => {
		await api('PATCH', cpath, { device: el.value })
		location.reload()
	})
	on('#locale-input', 'change', async (_e, el) => {
		await api('PATCH', cpath, { locale: el.value })
		location.reload()
	})
	on('#new-customer-form', 'submit', async (e, form) => {
		e.preventDefault()
		const data = Object.fromEntries(new FormData(form))
		if (!data.name) delete data.name
		const c = await api('POST', '/customers', data)
		location.href = '/device?customer=' + enc(c.id) + (business ? '&business=' + enc(business) : '')
	})
	on('#start-conversation-form', 'submit', async (e, form) => {
		e.preventDefault()
		const data = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ''))
		await api('POST', cpath + '/conversations', data)
		location.href = '/device?customer=' + enc(customer) + '&business=' + enc(data.businessId)
	})
	$$('[data-switch]').forEach((el) =>
		el.addEventListener('change', async () => {
			const value = el.type === 'checkbox' ? el.checked : Number(el.value)
			try {
				await api('PUT', '/switches', { [el.dataset.switch]: value })
			} catch (err) {
				toast(err.message)
			}
		}),
	)
	on('#inbox-settings', 'submit', async (e, form) => {
		e.preventDefault()
		const data = Object.fromEntries(new FormData(form))
		await api('PUT', '/switches', {
			inboxWebhookSecret: data.secret ? data.secret : null,
			inboxRespondStatus: Number(data.status || 204),
		})
		toast('Saved')
	})

	formatTimes(document)
	const thread = $('#thread')
	if (thread) thread.scrollTop = thread.scrollHeight
	connect()
})()
`
