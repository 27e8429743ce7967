/** The device page's CSS: a Messages-like phone next to the simulator's controls. */
export const STYLES = `
:root { --blue:#0b84ff; --gray:#e9e9eb; --ink:#111; --muted:#6b6b70; --red:#d70015; font: 15px/1.35 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin:0; display:flex; min-height:100vh; background:#f2f2f7; color:var(--ink); }
aside { width:280px; padding:16px; background:#fff; border-right:1px solid #ddd; overflow:auto; }
aside h1 { font-size:17px; margin:0 0 12px; }
aside h2 { font-size:13px; text-transform:uppercase; color:var(--muted); margin:18px 0 6px; }
aside ul { list-style:none; margin:0; padding:0; }
aside li a { display:block; padding:6px 8px; border-radius:8px; color:inherit; text-decoration:none; }
aside li a.active, aside li a:hover { background:#e5f0ff; }
aside li ul a { font-size:13px; padding-left:20px; color:var(--muted); }
main { flex:1; min-width:0; padding:16px 24px; display:flex; gap:24px; align-items:flex-start; }
/* Side by side as long as the window allows; the Mac's screen shrinks before the controls wrap below it. */
@media (max-width: 1000px) { main { flex-wrap:wrap; } }
form.stack { display:flex; flex-direction:column; gap:6px; }
form.row { display:flex; gap:6px; flex-wrap:wrap; align-items:center; }
input, select, button, textarea { font:inherit; }
input, select, textarea { padding:6px 8px; border:1px solid #ccc; border-radius:8px; }
button { padding:6px 12px; border:0; border-radius:8px; background:var(--blue); color:#fff; cursor:pointer; }
button.secondary { background:#e5e5ea; color:var(--ink); }
button.danger { background:var(--red); }
button:disabled { opacity:.5; cursor:default; }
.panel { background:#fff; border-radius:14px; padding:14px; box-shadow:0 1px 3px rgba(0,0,0,.08); }
.controls { flex:0 0 340px; width:340px; display:flex; flex-direction:column; gap:14px; }
.controls h3 { margin:0 0 8px; font-size:15px; }
.muted { color:var(--muted); font-size:12px; }
.mono { font-family: ui-monospace, Menlo, monospace; font-size:12px; word-break:break-all; }
.phone { flex:0 0 auto; width:390px; height:780px; background:#fff; border-radius:44px; border:10px solid #1c1c1e; display:flex; flex-direction:column; overflow:hidden; }
.phone.mac { flex:1 1 640px; width:auto; min-width:420px; max-width:640px; height:640px; border-radius:12px; border-width:6px; }
.phone-top { padding:14px 16px 8px; border-bottom:1px solid #eee; text-align:center; }
.phone-top .biz { font-weight:600; }
.phone-top .actions { display:flex; justify-content:center; gap:8px; margin-top:6px; font-size:12px; }
#thread { flex:1; overflow-y:auto; padding:12px; display:flex; flex-direction:column; gap:6px; }
.msg { display:flex; flex-direction:column; max-width:80%; position:relative; }
.msg.from-business { align-self:flex-start; }
.msg.from-customer { align-self:flex-end; align-items:flex-end; }
.bubble { padding:8px 12px; border-radius:18px; background:var(--gray); white-space:pre-wrap; word-wrap:break-word; }
.from-customer .bubble { background:var(--blue); color:#fff; }
.bubble img.attachment { max-width:220px; border-radius:12px; display:block; margin:4px 0; }
.bubble a.file, .bubble a[data-testid=bubble-link] { color:inherit; text-decoration:underline; }
.status { font-size:11px; color:var(--muted); margin-top:2px; }
.status.failed { color:var(--red); }
.status.warning { color:#a05a00; }
.bubble.unsupported { border:1px dashed #b0b0b5; background:#f6f6f8; }
.bubble.unsupported .title { font-weight:600; }
.card { display:block; width:260px; border-radius:18px; overflow:hidden; background:var(--gray); color:inherit; text-decoration:none; }
.card img { width:100%; max-height:200px; object-fit:cover; display:block; }
.card .meta { padding:8px 12px; }
.card .meta .title { font-weight:600; }
.card .meta .domain { font-size:12px; color:var(--muted); }
.rich { width:260px; border-radius:18px; overflow:hidden; background:var(--gray); text-align:left; color:var(--ink); padding:0; }
.rich img { width:100%; display:block; max-height:160px; object-fit:cover; }
.rich .icon { display:flex; gap:10px; align-items:center; padding:10px 12px; }
.rich .icon img { width:40px; height:40px; border-radius:8px; }
.rich .meta { padding:8px 12px; }
.rich .title { font-weight:600; }
.rich .subtitle { font-size:13px; color:var(--muted); }
.rich .answered { font-size:12px; color:var(--blue); padding:0 12px 8px; }
.quick { display:flex; flex-wrap:wrap; gap:6px; margin-top:6px; }
.quick button { background:#fff; color:var(--blue); border:1px solid var(--blue); border-radius:16px; }
.quick button.chosen { background:var(--blue); color:#fff; }
.typing { align-self:flex-start; background:var(--gray); border-radius:18px; padding:8px 14px; letter-spacing:2px; }
.notice { align-self:center; font-size:12px; color:var(--red); background:#fff0f0; border-radius:8px; padding:6px 10px; max-width:95%; }
.notice .rule { font-family: ui-monospace, Menlo, monospace; }
/* The menu opens in the message's own flow, under the bubble: it stays inside the phone (and
   the thread's scroll area) however wide the bubble is. Only the ☺︎ opener sits beside it. */
.from-customer .tapbacks { display:none; }
.tapbacks summary { position:absolute; top:-6px; right:-30px; list-style:none; cursor:pointer; font-size:13px; color:var(--muted); padding:2px 6px; }
.tapbacks summary::-webkit-details-marker { display:none; }
.tapbacks[open] .menu { display:flex; }
.tapbacks .menu { display:none; flex-wrap:wrap; gap:2px; margin-top:4px; width:max-content; max-width:100%; background:#fff; border-radius:20px; padding:4px; box-shadow:0 2px 10px rgba(0,0,0,.2); }
.tapbacks .menu button { background:none; font-size:18px; padding:2px 5px; color:inherit; }
#composer { display:flex; gap:6px; padding:8px; border-top:1px solid #eee; align-items:center; position:relative; }
#composer input[type=text] { flex:1; border-radius:18px; }
#composer .icon-btn { background:none; color:var(--blue); font-size:20px; padding:2px 6px; }
#composer label.icon-btn { cursor:pointer; }
#composer input[type=file] { display:none; }
.emoji-palette { position:absolute; bottom:52px; left:8px; background:#fff; border-radius:12px; padding:6px; box-shadow:0 2px 10px rgba(0,0,0,.2); display:none; flex-wrap:wrap; width:220px; }
.emoji-palette.open { display:flex; }
.emoji-palette button { background:none; font-size:20px; padding:2px 4px; }
dialog { border:0; border-radius:16px; padding:0; width:360px; max-height:90vh; box-shadow:0 10px 40px rgba(0,0,0,.3); }
dialog::backdrop { background:rgba(0,0,0,.35); }
dialog header { padding:14px 16px; border-bottom:1px solid #eee; font-weight:600; display:flex; justify-content:space-between; align-items:center; }
dialog .body { padding:12px 16px; overflow:auto; max-height:60vh; }
dialog footer { padding:10px 16px; border-top:1px solid #eee; display:flex; gap:8px; justify-content:flex-end; flex-wrap:wrap; }
dialog fieldset { border:0; padding:0; margin:0 0 12px; }
dialog legend { font-size:12px; text-transform:uppercase; color:var(--muted); margin-bottom:4px; }
dialog label.item { display:flex; gap:10px; align-items:center; padding:8px 4px; border-bottom:1px solid #f0f0f0; }
dialog label.item img { width:44px; height:44px; border-radius:8px; object-fit:cover; }
dialog label.item .sub { font-size:12px; color:var(--muted); }
.pay-lines { width:100%; border-collapse:collapse; }
.pay-lines td { padding:4px 0; }
.pay-lines td:last-child { text-align:right; }
.pay-lines tr.total td { font-weight:700; border-top:1px solid #ddd; padding-top:8px; }
.idp { background:#fafafa; border:1px solid #eee; border-radius:12px; padding:12px; }
.idp .url { font-size:11px; color:var(--muted); margin-bottom:8px; word-break:break-all; }
.form-page[hidden], .form-summary[hidden], .form-splash[hidden] { display:none; }
.inbox-event { border-left:4px solid #ccc; }
.inbox-event.ok { border-left-color:#34c759; }
.inbox-event.bad { border-left-color:var(--red); }
pre { white-space:pre-wrap; word-break:break-all; background:#f7f7f9; padding:8px; border-radius:8px; font-size:12px; }
`
