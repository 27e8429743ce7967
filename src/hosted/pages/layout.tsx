/**
 * Shared frame of the hosted pages: server-rendered HTML, no scripts, one inline style
 * sheet (allowed by the page CSP, routes/hosted.ts). hono/jsx escapes every interpolated
 * string, so values from users (names, URLs, query parameters) cannot become markup.
 */
import type { Child, FC } from 'hono/jsx'
import { CSRF_FIELD } from '../csrf'
import type { Principal } from '../session'

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f5f5f7}
header{background:#1d1d1f;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff}header form{margin-left:auto}
main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border-radius:10px;padding:1rem 1.2rem;margin-bottom:1.2rem;box-shadow:0 1px 2px #0001}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:0}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
input[type=text],input[type=url],input[type=password]{width:100%;box-sizing:border-box;padding:.4rem;border:1px solid #bbb;border-radius:6px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
button{margin-top:.7rem;padding:.4rem .9rem;border-radius:6px;border:1px solid #0071e3;background:#0071e3;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0071e3}button.danger{background:#fff;color:#b00;border-color:#b00}
.notice{background:#e8f5e9;border:1px solid #7cb342;padding:.6rem;border-radius:6px}
.errors{background:#fdecea;border:1px solid #e57373;padding:.6rem;border-radius:6px}
.secret{font-family:ui-monospace,monospace;background:#fff8e1;padding:.2rem .4rem;word-break:break-all}
.muted{color:#666}.inline{display:inline}
img.logo{max-height:64px;max-width:160px}
`

export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name={CSRF_FIELD} value={token} />

export const Layout: FC<{ title: string; principal?: Principal | null; csrf?: string; children?: Child }> = ({ title, principal, csrf, children }) => (
	<html lang="en">
		<head>
			<meta charset="utf-8" />
			<meta name="viewport" content="width=device-width, initial-scale=1" />
			<meta name="referrer" content="same-origin" />
			<title>{title} · amb-edge</title>
			<style>{STYLE}</style>
		</head>
		<body>
			<header>
				<strong>amb-edge</strong>
				{principal ? (
					<>
						<span id="principal">{principal.kind === 'admin' ? 'Operator' : `Business ${principal.businessId}`}</span>
						{csrf ? (
							<form method="post" action="/hosted/logout">
								<CsrfField token={csrf} />
								<button type="submit" class="secondary">
									Sign out
								</button>
							</form>
						) : null}
					</>
				) : null}
			</header>
			<main>{children}</main>
		</body>
	</html>
)

export const Errors: FC<{ errors?: { path?: string; message: string }[] | undefined }> = ({ errors }) =>
	errors && errors.length > 0 ? (
		<div class="errors" role="alert">
			<ul>
				{errors.map((e) => (
					<li>
						{e.path ? <code>{e.path}</code> : null} {e.message}
					</li>
				))}
			</ul>
		</div>
	) : null

export const MessagePage: FC<{ title: string; message: string; principal?: Principal | null; csrf?: string }> = (p) => (
	<Layout title={p.title} principal={p.principal ?? null} {...(p.csrf ? { csrf: p.csrf } : {})}>
		<section>
			<h1>{p.title}</h1>
			<p id="message">{p.message}</p>
		</section>
	</Layout>
)
