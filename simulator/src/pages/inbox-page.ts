/** The webhook inbox page (`GET /inbox`): every delivery to `/inbox/webhook` with its signature check. */
import type { BusinessRecord, InboxEvent, Switches } from '../state/types'
import { h, type Raw } from './html'

function pretty(body: string): string {
	try {
		return JSON.stringify(JSON.parse(body), null, 2)
	} catch {
		return body
	}
}

export function inboxEvents(events: InboxEvent[]): Raw {
	if (events.length === 0) return h`<p class="muted" data-testid="inbox-empty">No webhook received yet.</p>`
	return h`${[...events].reverse().map(
		(
			e,
		) => h`<div class="panel inbox-event ${e.verified ? 'ok' : 'bad'}" data-testid="inbox-event" data-verified="${String(e.verified)}" data-event-type="${e.eventType ?? ''}">
			<div><strong data-testid="inbox-event-type">${e.eventType ?? '(no type)'}</strong>
				<span class="${e.verified ? '' : 'status failed'}" data-testid="inbox-signature">${e.verified ? '✓ signature valid' : `✗ ${e.detail}`}</span>
				<span class="muted">· answered ${e.status} · ${new Date(e.at).toISOString()}</span></div>
			<div class="mono muted">webhook-id ${e.webhookId ?? '—'}</div>
			<pre data-testid="inbox-body">${pretty(e.body)}</pre>
		</div>`,
	)}`
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Whether a business's webhookUrl is this inbox (localhost and 127.0.0.1 are the same here). */
export function pointsAtInbox(webhookUrl: string | null, publicUrl: string): boolean {
	if (!webhookUrl) return false
	try {
		const hook = new URL(webhookUrl)
		const self = new URL('/inbox/webhook', publicUrl)
		if (hook.pathname !== self.pathname || hook.port !== self.port || hook.protocol !== self.protocol) return false
		return hook.hostname === self.hostname || (LOOPBACK.has(hook.hostname) && LOOPBACK.has(self.hostname))
	} catch {
		return false
	}
}

function wiring(businesses: BusinessRecord[], publicUrl: string): Raw {
	const url = `${publicUrl}/inbox/webhook`
	const wired = businesses.filter((b) => pointsAtInbox(b.webhookUrl, publicUrl))
	if (wired.length > 0) {
		return h`<p class="muted" data-testid="inbox-wired">Already wired: ${wired.map((b, i) => h`${i ? ', ' : ''}<strong>${b.name}</strong> (<span class="mono">${b.id}</span>)`)} sends its webhooks to <span class="mono" data-testid="inbox-url">${url}</span>. Nothing to set up.</p>`
	}
	return h`<p class="muted" data-testid="inbox-unwired">To see a business's webhooks here, set its webhookUrl to <span class="mono" data-testid="inbox-url">${url}</span>.</p>`
}

export function inboxPage(o: { events: InboxEvent[]; switches: Switches; envSecret: boolean; publicUrl: string; businesses: BusinessRecord[] }): Raw {
	return h`<aside data-testid="sidebar"><h1>Webhook inbox</h1>
		${wiring(o.businesses, o.publicUrl)}
		<p><a href="/device" data-testid="device-link">← Device</a></p>
		<h2>Settings</h2>
		<form id="inbox-settings" class="stack" data-testid="inbox-settings">
			<label>Webhook secret (whsec_…)${o.envSecret ? ' — INBOX_WEBHOOK_SECRET is set' : ''}
				<input name="secret" value="${o.switches.inboxWebhookSecret ?? ''}" placeholder="whsec_…" data-testid="inbox-secret"></label>
			<label>Answer with status <input name="status" type="number" min="200" max="599" value="${o.switches.inboxRespondStatus}" data-testid="inbox-status"></label>
			<button data-testid="inbox-save">Save</button>
		</form>
	</aside>
	<main><div id="inbox-events" style="display:flex;flex-direction:column;gap:10px;width:100%" data-testid="inbox-events">${inboxEvents(o.events)}</div></main>`
}
