/**
 * `{{variable}}` substitution in stored rich-object templates. Every string in the template
 * is filled; a placeholder without a value is an error naming it, never an empty string
 * sent to a customer.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,64})\s*\}\}/g

export class MissingVariablesError extends Error {
	constructor(readonly missing: string[]) {
		super(`missing template variables: ${missing.join(', ')}`)
		this.name = 'MissingVariablesError'
	}
}

/** The variable names a template uses, sorted. */
export function templateVariables(value: unknown): string[] {
	const names = new Set<string>()
	const walk = (v: unknown): void => {
		if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) names.add(m[1]!)
		else if (Array.isArray(v)) v.forEach(walk)
		else if (v && typeof v === 'object') Object.values(v).forEach(walk)
	}
	walk(value)
	return [...names].sort()
}

export function substitute(value: unknown, variables: Record<string, string>): unknown {
	const missing = templateVariables(value).filter((n) => !(n in variables))
	if (missing.length > 0) throw new MissingVariablesError(missing)
	const walk = (v: unknown): unknown => {
		if (typeof v === 'string') return v.replace(PLACEHOLDER, (_, name: string) => variables[name]!)
		if (Array.isArray(v)) return v.map(walk)
		if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
		return v
	}
	return walk(value)
}
