/**
 * Device page script fragment: what the customer does — clicks on bubbles, dialogs and
 * tapbacks, the composer (typing, send, attach), and the device, customer, conversation and
 * switch controls — each as a call to /sim/api. Runs inside the IIFE of device-script.ts.
 */
export const ACTIONS_SCRIPT = String.raw`
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
				case 'invitation-accept':
				case 'invitation-decline':
					await api('POST', cpath + '/invitations/' + encodeURIComponent(messageId) + '/' + (el.dataset.action === 'invitation-accept' ? 'accept' : 'decline'), {})
					refresh()
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
					// The confirm button of the close dialog; the checkbox beside it says whether to block.
					await api('POST', cpath + '/close', { businessId: business, block: $('#close-block').checked })
					dlg.close()
					refresh()
					break
			}
		} catch (err) {
			toast(err.message || String(err))
		}
	})

	// An opened tapback menu sits under its bubble: bring it into view when that is the last one.
	document.addEventListener('toggle', (e) => {
		const menu = e.target.matches && e.target.matches('details.tapbacks') && e.target.open && $('.menu', e.target)
		if (menu) menu.scrollIntoView({ block: 'nearest' })
	}, true)

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
				// The typing_start already went out when typing began (docs/apple-protocol.md §1.3).
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
		if (!data.phoneNumber) delete data.phoneNumber
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
`
