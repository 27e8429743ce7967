/**
 * How Messages shows each interactive message: a bubble (image, title, subtitle — the
 * `receivedMessage`, docs/apple-interactive.md §2.4) that opens the picker, sheet or form
 * in a <dialog>. Actions are `data-action` attributes handled by device-script.ts; every
 * control has a `data-testid` for browser tests.
 */
import type { Bubble, RenderedMessage, View } from '../device/render'
import { h, raw, type Raw } from './html'

type V<K extends View['kind']> = Extract<View, { kind: K }>

function bubbleCard(m: RenderedMessage, b: Bubble, fallbackTitle: string, opens: string, testid: string): Raw {
	const large = b.style === 'large' || b.style === 'small'
	return h`<button type="button" class="rich" data-action="open-dialog" data-dialog="${opens}" data-testid="${testid}">
		${large && b.imageDataUrl ? h`<img src="${b.imageDataUrl}" alt="">` : ''}
		<div class="icon">${!large && b.imageDataUrl ? h`<img src="${b.imageDataUrl}" alt="">` : ''}
			<div><div class="title">${b.title ?? fallbackTitle}</div>${b.subtitle ? h`<div class="subtitle">${b.subtitle}</div>` : ''}</div>
		</div>
		${m.answered ? h`<div class="answered" data-testid="answered">✓ ${m.answered.title}</div>` : ''}
	</button>`
}

const dialogId = (m: RenderedMessage) => `dlg-${m.seq}`

function dialog(m: RenderedMessage, testid: string, title: string, body: Raw, footer: Raw): Raw {
	return h`<dialog id="${dialogId(m)}" data-testid="${testid}" data-message-id="${m.id}">
		<header><span>${title}</span><button type="button" class="secondary" data-action="close-dialog" data-testid="dialog-cancel">Cancel</button></header>
		<div class="body">${body}</div>
		<footer>${footer}</footer>
	</dialog>`
}

export function quickReplyView(m: RenderedMessage, v: V<'quickReply'>): Raw {
	return h`<div class="bubble" data-testid="quick-reply-prompt">${v.prompt}</div>
	<div class="quick" data-testid="quick-reply">
		${v.items.map(
			(item, i) =>
				h`<button type="button" class="${m.answered?.title === item.title ? 'chosen' : ''}" data-action="quick-reply" data-message-id="${m.id}" data-index="${i}" data-testid="quick-reply-item" ${m.answered ? raw('disabled') : ''}>${item.title}</button>`,
		)}
	</div>`
}

export function listPickerView(m: RenderedMessage, v: V<'listPicker'>): Raw {
	const body = v.sections.map(
		(s, si) => h`<fieldset data-testid="list-picker-section" data-multiple="${String(s.multipleSelection)}">
			${s.title ? h`<legend>${s.title}${s.multipleSelection ? ' · choose any' : ''}</legend>` : ''}
			${s.items.map(
				(item) => h`<label class="item" data-testid="list-picker-item" data-identifier="${item.identifier}">
					<input type="${s.multipleSelection ? 'checkbox' : 'radio'}" name="section-${si}" value="${item.identifier}">
					${item.imageDataUrl ? h`<img src="${item.imageDataUrl}" alt="">` : ''}
					<span><div>${item.title}</div>${item.subtitle ? h`<div class="sub">${item.subtitle}</div>` : ''}</span>
				</label>`,
			)}
		</fieldset>`,
	)
	return h`${bubbleCard(m, v.bubble, 'List', dialogId(m), 'open-list-picker')}
	${dialog(m, 'list-picker-dialog', v.bubble.title ?? 'Choose', h`${body}`, h`<button type="button" data-action="list-send" data-testid="list-picker-send">Send</button>`)}`
}

export function timePickerView(m: RenderedMessage, v: V<'timePicker'>): Raw {
	const heading = v.bubble.title ?? 'Choose a time'
	// The event title is usually the bubble's title too: say it once, in the dialog's header.
	const body = h`${v.title && v.title !== heading ? h`<p><strong>${v.title}</strong></p>` : ''}
		${v.location?.title ? h`<p class="muted">📍 ${String(v.location.title)}</p>` : ''}
		${v.slots.map(
			(s) => h`<label class="item" data-testid="time-slot" data-identifier="${s.identifier}">
				<input type="radio" name="slot" value="${s.identifier}">
				<span><time data-iso="${s.startIso ?? ''}" data-offset="${v.timezoneOffset ?? ''}">${s.startTime}</time>
				<div class="sub">${Math.round(s.duration / 60)} min</div></span>
			</label>`,
		)}`
	return h`${bubbleCard(m, v.bubble, 'Choose a time', dialogId(m), 'open-time-picker')}
	${dialog(m, 'time-picker-dialog', heading, body, h`<button type="button" data-action="time-send" data-testid="time-picker-send">Send</button>`)}`
}

function formPage(p: Record<string, unknown>): Raw {
	const id = String(p.pageIdentifier)
	const type = String(p.type)
	const items = Array.isArray(p.items) ? (p.items as Array<Record<string, unknown>>) : []
	const options = (p.options ?? {}) as Record<string, unknown>
	let control: Raw
	if (type === 'select') {
		control = h`${items.map(
			(i) =>
				h`<label class="item" data-testid="form-item"><input type="${p.multipleSelection ? 'checkbox' : 'radio'}" name="page-${id}" value="${String(i.identifier)}" data-next="${String(i.nextPageIdentifier ?? '')}"> ${String(i.title)}</label>`,
		)}`
	} else if (type === 'picker') {
		control = h`<label>${String(p.pickerTitle ?? '')}<select name="page-${id}" data-testid="form-picker">${items.map(
			(i, idx) => h`<option value="${String(i.identifier)}" ${idx === Number(p.selectedItemIndex ?? 0) ? raw('selected') : ''}>${String(i.title)}</option>`,
		)}</select></label>`
	} else if (type === 'datePicker') {
		control = h`<label>${String(options.labelText ?? '')} <input type="date" name="page-${id}" data-testid="form-date"></label>`
	} else {
		const multiline = options.inputType === 'multiline'
		const inputType = options.keyboardType === 'emailAddress' ? 'email' : options.keyboardType === 'numberPad' ? 'number' : 'text'
		control = multiline
			? h`<textarea name="page-${id}" data-testid="form-input" placeholder="${String(options.placeholder ?? '')}"></textarea>`
			: h`<input type="${inputType}" name="page-${id}" data-testid="form-input" placeholder="${String(options.placeholder ?? p.hintText ?? '')}" ${options.required ? raw('required') : ''}>`
	}
	return h`<section class="form-page" data-testid="form-page" data-page-id="${id}" data-type="${type}" data-next="${String(p.nextPageIdentifier ?? '')}" data-submit="${String(p.submitForm === true)}" hidden>
		<h4>${String(p.title ?? '')}</h4>${p.subtitle ? h`<p class="muted">${String(p.subtitle)}</p>` : ''}${control}
	</section>`
}

export function formView(m: RenderedMessage, v: V<'form'>): Raw {
	const splash = v.splash
		? h`<section class="form-splash" data-testid="form-splash"><h4>${String(v.splash.header ?? '')}</h4><p>${String(v.splash.splashtext ?? '')}</p></section>`
		: ''
	const body = h`<div class="form" data-start="${v.startPageIdentifier}" data-summary="${String(v.showSummary)}">
		${splash}${v.pages.map(formPage)}
		<section class="form-summary" data-testid="form-summary" hidden><h4>Summary</h4><dl></dl></section>
	</div>`
	const footer = h`<button type="button" class="secondary" data-action="form-back" data-testid="form-back">Back</button>
		<button type="button" data-action="form-next" data-testid="form-next">Next</button>
		<button type="button" data-action="form-submit" data-testid="form-submit" hidden>Submit</button>`
	return h`${bubbleCard(m, v.bubble, v.title ?? 'Form', dialogId(m), 'open-form')}
	${dialog(m, 'form-dialog', v.title ?? 'Form', body, footer)}`
}

export function applePayView(m: RenderedMessage, v: V<'applePay'>): Raw {
	const cur = v.currencyCode ?? ''
	const body = h`<div data-testid="apple-pay-merchant"><strong> Pay</strong> ${v.merchantName ? h`· ${v.merchantName}` : ''}</div>
		<table class="pay-lines">
			${v.lineItems.map((l) => h`<tr data-testid="apple-pay-line"><td>${String(l.label)}</td><td>${String(l.amount)} ${cur}</td></tr>`)}
			<tr class="total" data-testid="apple-pay-total"><td>${String(v.total.label ?? 'Total')}</td><td>${String(v.total.amount ?? '')} ${cur}</td></tr>
		</table>
		<p class="muted">Card: Visa •••• 0492 (simulated)</p>`
	const footer = h`<button type="button" class="secondary" data-action="pay" data-outcome="failure" data-testid="apple-pay-decline">Simulate decline</button>
		<button type="button" data-action="pay" data-outcome="success" data-testid="apple-pay-confirm">Pay with Face ID</button>`
	return h`${bubbleCard(m, v.bubble, 'Apple Pay', dialogId(m), 'open-apple-pay')}
	${dialog(m, 'apple-pay-sheet', 'Apple Pay', body, footer)}`
}

export function authenticateView(m: RenderedMessage, v: V<'authenticate'>): Raw {
	const body = h`<div class="idp" data-testid="signin-page">
		<div class="url">${v.flow === 'new' ? `OAuth 2.0 sign-in · redirect to ${v.redirectURI ?? ''}` : 'OAuth 2.0 sign-in (legacy flow: Apple exchanges the code)'}</div>
		<p class="muted">Scope: ${v.scope.join(' ')}</p>
		<form class="stack" onsubmit="return false">
			<input name="username" placeholder="Username" autocomplete="username" data-testid="signin-username">
			<input name="password" type="password" placeholder="Password" autocomplete="current-password" data-testid="signin-password">
		</form>
	</div>`
	const footer = h`<button type="button" class="secondary" data-action="signin" data-outcome="failed" data-testid="signin-fail">Fail sign-in</button>
		<button type="button" data-action="signin" data-outcome="authenticated" data-testid="signin-submit">Sign In</button>`
	return h`${bubbleCard(m, v.bubble, 'Sign in', dialogId(m), 'open-signin')}
	${dialog(m, 'signin-sheet', 'Sign in', body, footer)}`
}

export function iMessageAppView(m: RenderedMessage, v: V<'iMessageApp'>): Raw {
	const b: Bubble = { ...v.bubble, ...(v.appIconDataUrl && !v.bubble.imageDataUrl ? { imageDataUrl: v.appIconDataUrl } : {}) }
	const body = h`<p><strong>${v.appName ?? 'iMessage app'}</strong></p>
		<p class="muted">Launched with URL</p><pre data-testid="imessage-app-url">${v.url ?? ''}</pre>
		<label>Reply URL <input name="reply-url" data-testid="imessage-app-reply-url" value="${v.url ? `${v.url}&reply=1` : '?reply=1'}"></label>`
	return h`${bubbleCard(m, b, v.appName ?? 'iMessage app', dialogId(m), 'open-imessage-app')}
	<div class="status">${v.appName ?? ''}</div>
	${dialog(m, 'imessage-app-dialog', v.appName ?? 'iMessage app', body, h`<button type="button" data-action="app-send" data-testid="imessage-app-send">Send</button>`)}`
}

/**
 * An invitation (Apple's notification template): the business's logo and name, and Accept /
 * Decline until the customer answered. Decline means no more invitations from this business.
 */
export function invitationView(m: RenderedMessage, v: V<'invitation'>): Raw {
	return h`<div class="rich" data-testid="invitation" data-template-id="${v.templateId}" data-reference-id="${v.referenceId}">
		<div class="icon">${v.logoDataUrl ? h`<img src="${v.logoDataUrl}" alt="" data-testid="invitation-logo">` : ''}
			<div><div class="title" data-testid="invitation-brand">${v.brandName ?? 'A business'}</div><div class="subtitle">would like to message you</div></div>
		</div>
		${
			m.answered
				? h`<div class="answered" data-testid="answered">${m.answered.title === 'Declined' ? '✕ Declined' : h`✓ ${m.answered.title}`}</div>`
				: h`<div class="quick"><button type="button" data-action="invitation-accept" data-message-id="${m.id}" data-testid="invitation-accept">Accept</button>
				<button type="button" class="secondary" data-action="invitation-decline" data-message-id="${m.id}" data-testid="invitation-decline">Decline</button></div>`
		}
	</div>`
}
