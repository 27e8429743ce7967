/** The console's style sheet, served same-origin at /console/app.css (no CDN, no web fonts). */
export const CONSOLE_CSS = `
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f5f5f7}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.3rem;z-index:9}
header.top{background:#1d1d1f;color:#fff;padding:.5rem 1rem;display:flex;gap:.8rem;align-items:center;flex-wrap:wrap}
header.top .muted{color:#bbb}header.top form{display:flex;gap:.4rem;align-items:center;margin:0}
header.top form.logout{margin-left:auto}
main.console{display:grid;grid-template-columns:minmax(14rem,22rem) 1fr minmax(20rem,30rem);gap:.8rem;padding:.8rem;min-height:calc(100vh - 3rem)}
main.narrow{max-width:30rem;margin:2rem auto;padding:0 1rem}
section{background:#fff;border-radius:10px;padding:.8rem;box-shadow:0 1px 2px #0001;min-width:0}
h2{font-size:1.05rem;margin:.1rem 0 .5rem}
label{font-weight:600;font-size:.85rem}
input,select,textarea,button{font:inherit}
input[type=text],input[type=search],input[type=url],input[type=number],input[type=datetime-local],select,textarea{padding:.3rem .4rem;border:1px solid #999;border-radius:6px;max-width:100%}
textarea{width:100%;min-height:4.5rem}
button{padding:.35rem .8rem;border-radius:6px;border:1px solid #0058b0;background:#0058b0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0058b0}button.small{padding:.1rem .45rem;font-size:.85rem}
button:disabled{background:#aaa;border-color:#999;color:#fff;cursor:not-allowed}
:focus-visible{outline:3px solid #f5a623;outline-offset:1px}
.filters{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin-bottom:.5rem}
.conversations{list-style:none;margin:0;padding:0}
.conversations li button{display:block;width:100%;text-align:left;background:#fff;color:#1d1d1f;border:1px solid #ddd;margin-bottom:.35rem}
.conversations li button[aria-current=true]{border-color:#0058b0;background:#eef5ff}
.conv-top{display:flex;justify-content:space-between;gap:.4rem}
.conversations li button>span{display:block}
.badge{display:inline-block;border-radius:9px;padding:0 .45rem;font-size:.75rem;background:#ddd;color:#1d1d1f}
.badge.unread{background:#d70015;color:#fff}.badge.open{background:#e3f6e8}.badge.closed{background:#eee;color:#555}
.muted{color:#555}.small{font-size:.8rem}
.messages{list-style:none;margin:0;padding:0;max-height:70vh;overflow:auto}
.msg{margin:.4rem 0;max-width:85%;padding:.45rem .6rem;border-radius:12px;word-wrap:break-word;white-space:pre-wrap}
.msg.inbound{background:#e9e9eb}.msg.outbound{background:#dcebff;margin-left:auto}
.msg .meta{display:block;font-size:.75rem;color:#444;white-space:normal}
.msg .reply{border-left:3px solid #0058b0;padding-left:.4rem;margin-top:.3rem}
.msg .reactions{font-size:.8rem}
.state-failed{color:#b00020;font-weight:600}.state-retrying{color:#8a5a00;font-weight:600}
.notice{text-align:center;color:#555;font-style:italic;list-style:none}
.typing{font-style:italic;color:#555}
.card{border:1px solid #ccc;border-radius:10px;padding:.4rem .6rem;background:#fff;white-space:normal}
.card h4{margin:.1rem 0}.card ul{margin:.2rem 0;padding-left:1.1rem}
.builder fieldset{border:1px solid #ddd;border-radius:8px;margin:.4rem 0;padding:.4rem}
.builder .field{display:flex;flex-direction:column;margin:.25rem 0}
.builder .item{display:flex;flex-wrap:wrap;gap:.3rem;align-items:flex-end;margin:.2rem 0}
.builder .item .field{flex:1 1 7rem}
.builder .item .full{flex-basis:100%}
[aria-invalid=true]{border-color:#b00020!important;background:#fff4f4}
.field-error{color:#b00020;font-size:.8rem}
.errors{color:#b00020;padding-left:1.1rem}.warnings{color:#8a5a00;padding-left:1.1rem}
.error{color:#b00020}
.note{background:#fff8e1;border:1px solid #e0c060;border-radius:6px;padding:.3rem .5rem}
.note:empty{display:none}
.preview-box{border-top:1px solid #ddd;margin-top:.5rem;padding-top:.4rem}
.preview{background:#f0f0f3;border-radius:12px;padding:.5rem;min-height:3rem}
pre{white-space:pre-wrap;word-break:break-all;font-size:.75rem;max-height:18rem;overflow:auto;background:#f7f7f7;padding:.4rem}
.row{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.35rem 0}
.actions{justify-content:flex-end}
.attached{list-style:none;padding:0;margin:0}
img.item-img{width:2rem;height:2rem;object-fit:cover;border-radius:4px;vertical-align:middle;margin-right:.3rem}
img.thumb{max-width:12rem;max-height:10rem;display:block;border-radius:8px}
@media (max-width:1100px){main.console{grid-template-columns:minmax(12rem,18rem) 1fr}.composer{grid-column:1/-1}}
@media (max-width:700px){main.console{grid-template-columns:1fr;padding:.4rem}.messages{max-height:none}.msg{max-width:100%}}
`
