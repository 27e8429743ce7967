/**
 * Device page script fragment: multi-page forms in their dialog (docs/apple-interactive.md §5.8) —
 * splash, pages chosen by `nextPageIdentifier`, back, summary, submit. Runs inside the IIFE of
 * device-script.ts and uses its helpers ($, $$, toast, reply).
 */
export const FORMS_SCRIPT = String.raw`
	// ── forms (docs/apple-interactive.md §5.8) ───────────────────────────────────────
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
`
