/**
 * A tiny escaping template tag for server-rendered pages: every interpolation is HTML-escaped
 * unless it is `Raw` (the result of another `h` template or `raw()`); arrays are joined;
 * null, undefined and false render nothing.
 */
export class Raw {
	constructor(readonly value: string) {}
	toString(): string {
		return this.value
	}
}

export const raw = (s: string) => new Raw(s)

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string)

function render(v: unknown): string {
	if (v === null || v === undefined || v === false) return ''
	if (v instanceof Raw) return v.value
	if (Array.isArray(v)) return v.map(render).join('')
	return esc(String(v))
}

export function h(strings: TemplateStringsArray, ...values: unknown[]): Raw {
	let out = strings[0] ?? ''
	values.forEach((v, i) => {
		out += render(v) + (strings[i + 1] ?? '')
	})
	return new Raw(out)
}

/** JSON for a `<script type="application/json">` block: `<` escaped so it cannot close the tag. */
export const jsonScript = (v: unknown) => raw(JSON.stringify(v).replace(/</g, '\\u003c'))
