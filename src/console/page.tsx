/**
 * The console's HTML shell (docs/console.md): landmarks, labelled controls and the data the
 * script needs (business id, CSRF token). Everything customers send is added later by the
 * script as text nodes, never as markup; hono/jsx escapes what is interpolated here.
 */
import type { FC } from 'hono/jsx'

const Head: FC<{ title: string }> = ({ title }) => (
	<head>
		<meta charset="utf-8" />
		<meta name="viewport" content="width=device-width, initial-scale=1" />
		<meta name="referrer" content="same-origin" />
		<title>{title} · amb-edge console</title>
		<link rel="stylesheet" href="/console/app.css" />
	</head>
)

const Logout: FC<{ csrf: string }> = ({ csrf }) => (
	<form method="post" action="/hosted/logout" class="logout">
		<input type="hidden" name="_csrf" value={csrf} />
		<button type="submit" class="secondary">
			Sign out
		</button>
	</form>
)

export const ChooseBusinessPage: FC<{ csrf: string; error: string | null }> = ({ csrf, error }) => (
	<html lang="en">
		<Head title="Choose a business" />
		<body>
			<header class="top">
				<strong>amb-edge console</strong>
				<Logout csrf={csrf} />
			</header>
			<main class="narrow">
				<h1>Open a business’s console</h1>
				{error ? (
					<p role="alert" class="error">
						{error}
					</p>
				) : null}
				<form method="get" action="/console">
					<label for="business">Business id</label>
					<input id="business" name="business" type="text" required autocomplete="off" data-testid="choose-business" />
					<button type="submit">Open</button>
				</form>
			</main>
		</body>
	</html>
)

export interface ConsolePageProps {
	csrf: string
	admin: boolean
	businessId: string
	businessName: string
	devices: { key: string; label: string }[]
}

const TYPES: [string, string][] = [
	['text', 'Text'],
	['quickReply', 'Quick reply'],
	['listPicker', 'List picker'],
	['timePicker', 'Time picker'],
	['form', 'Form'],
	['richLink', 'Rich link'],
	['applePay', 'Apple Pay'],
	['authenticate', 'Authentication'],
	['iMessageApp', 'iMessage app'],
]

export const ConsolePage: FC<ConsolePageProps> = (p) => (
	<html lang="en">
		<Head title={p.businessName} />
		<body data-business-id={p.businessId} data-csrf={p.csrf} data-live="connecting">
			<a class="skip" href="#composer">
				Skip to composer
			</a>
			<header class="top">
				<strong>{p.businessName}</strong>
				<span class="muted">{p.businessId}</span>
				<span id="live-state" class="muted" role="status" data-testid="live-state">
					connecting…
				</span>
				{p.admin ? (
					<form method="get" action="/console" class="switch">
						<label for="switch-business" class="inline">
							Business
						</label>
						<input id="switch-business" name="business" type="text" value={p.businessId} />
						<button type="submit" class="secondary">
							Switch
						</button>
					</form>
				) : null}
				<Logout csrf={p.csrf} />
			</header>
			<main class="console">
				<section class="inbox" aria-labelledby="inbox-title">
					<h2 id="inbox-title">Conversations</h2>
					<div class="filters">
						<label for="filter-status">Show</label>
						<select id="filter-status" data-testid="filter-status">
							<option value="all">All</option>
							<option value="open">Open</option>
							<option value="closed">Closed</option>
						</select>
						<label for="filter-search">Customer id</label>
						<input id="filter-search" type="search" placeholder="Search by customer id" data-testid="filter-search" />
					</div>
					<ul id="conversations" class="conversations" data-testid="conversations" aria-live="polite"></ul>
				</section>
				<section class="thread" aria-labelledby="thread-title">
					<h2 id="thread-title" data-testid="thread-title">
						Select a conversation
					</h2>
					<p id="thread-meta" class="muted" data-testid="thread-meta"></p>
					<ol id="messages" class="messages" data-testid="thread" aria-live="polite"></ol>
					<p id="typing" class="typing" hidden data-testid="customer-typing">
						Customer is typing…
					</p>
				</section>
				<section id="composer" class="composer" aria-labelledby="composer-title" hidden>
					<h2 id="composer-title">Reply</h2>
					<p id="closed-notice" class="error" role="alert" hidden data-testid="closed-notice"></p>
					<div class="row">
						<label for="message-type">Message type</label>
						<select id="message-type" data-testid="message-type">
							{TYPES.map(([v, l]) => (
								<option value={v}>{l}</option>
							))}
						</select>
						<label for="template-select">Template</label>
						<select id="template-select" data-testid="template-select">
							<option value="">— start from a template —</option>
						</select>
						<label class="inline">
							<input type="checkbox" id="as-json" data-testid="as-json" /> Edit as JSON
						</label>
					</div>
					<div id="builder" class="builder" data-testid="builder"></div>
					<div class="row" id="attach-row">
						<label for="attach-file">Attach a file (up to 100 MB)</label>
						<input id="attach-file" type="file" data-testid="attach-file" />
						<progress id="attach-progress" max="100" value="0" hidden data-testid="attach-progress"></progress>
						<ul id="attached" class="attached" data-testid="attached"></ul>
					</div>
					<ul id="errors" class="errors" role="alert" data-testid="errors"></ul>
					<ul id="warnings" class="warnings" data-testid="warnings"></ul>
					<p id="rich-links" class="muted" data-testid="rich-links"></p>
					<div class="preview-box">
						<div class="row">
							<label for="preview-device">Preview on</label>
							<select id="preview-device" data-testid="preview-device">
								<option value="customer">Customer’s device</option>
								{p.devices.map((d) => (
									<option value={d.key}>{d.label}</option>
								))}
							</select>
						</div>
						<p id="preview-note" class="note" data-testid="preview-note"></p>
						<section id="preview" class="preview" data-testid="preview" aria-label="Preview"></section>
						<details>
							<summary>JSON Apple receives</summary>
							<pre id="apple-json" data-testid="apple-json"></pre>
						</details>
					</div>
					<div class="row actions">
						<label for="template-name">Template name</label>
						<input id="template-name" type="text" data-testid="template-name" />
						<button type="button" id="save-template" class="secondary" data-testid="save-template">
							Save as template
						</button>
						<button type="button" id="send" data-testid="send" disabled>
							Send
						</button>
					</div>
					<p id="send-status" role="status" data-testid="send-status"></p>
				</section>
			</main>
			<script src="/console/app.js" defer></script>
		</body>
	</html>
)
