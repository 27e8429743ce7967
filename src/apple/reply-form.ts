/**
 * Form replies (docs/apple-interactive.md §5.8): `data.dynamic.selections` lists the
 * answered pages, each with `items: [{ identifier, type, title, value }]` [C2: WEBEX, CW-FORK].
 * Answers are typed by the item's `type`, else by the page type in the form we sent; dates are
 * also given as `YYYY-MM-DD` when they match the page's `dateFormat` (default MM/dd/yyyy).
 */
import { z } from 'zod'
import { asObj, listOf, type Obj, Str } from './reply-fields'

export type FormAnswer =
	| { type: 'select' | 'picker'; id: string | null; title: string | null; value: string | null }
	| { type: 'input'; id: string | null; value: string }
	| { type: 'datePicker'; id: string | null; value: string; date: string | null }
	| { type: 'unknown'; id: string | null; title: string | null; value: unknown }

export interface FormPageAnswers {
	pageId: string | null
	/** The page type in the form we sent, else the first answer's. */
	type: string | null
	title: string | null
	answers: FormAnswer[]
}

const SelectionItem = z.looseObject({
	identifier: Str,
	type: Str,
	title: Str,
	value: z.unknown().optional(),
})

const Selection = z.looseObject({
	pageIdentifier: Str,
	title: Str,
	subtitle: Str,
	items: listOf(SelectionItem),
})

const RequestPage = z.looseObject({
	pageIdentifier: Str,
	type: Str,
	title: Str,
	options: z.looseObject({ dateFormat: Str }).optional().catch(undefined),
})

const SelectionsHolder = z.looseObject({ selections: listOf(Selection) })

/** The answered pages from `dynamic` (or Webex's `formMessage` wrapper). */
function selectionsOf(dynamic: Obj): z.output<typeof Selection>[] {
	for (const holder of [dynamic, asObj(dynamic.formMessage), asObj(dynamic.data)]) {
		if (holder && Array.isArray(holder.selections)) return SelectionsHolder.parse(holder).selections
	}
	return []
}

function requestPages(requestDynamic: Obj | undefined): Map<string, z.output<typeof RequestPage>> {
	const pages = listOf(RequestPage).parse(asObj(requestDynamic?.data)?.pages)
	return new Map(pages.flatMap((p) => (p.pageIdentifier === undefined ? [] : [[p.pageIdentifier, p] as const])))
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

const DATE_TOKENS: Record<string, { field: 'y' | 'M' | 'd'; re: string }> = {
	yyyy: { field: 'y', re: '(\\d{4})' },
	yy: { field: 'y', re: '(\\d{2})' },
	MM: { field: 'M', re: '(\\d{1,2})' },
	M: { field: 'M', re: '(\\d{1,2})' },
	dd: { field: 'd', re: '(\\d{1,2})' },
	d: { field: 'd', re: '(\\d{1,2})' },
}

/** `value` read with a Unicode date pattern (yyyy, yy, MM, M, dd, d); ISO dates always accepted. */
export function parseFormDate(value: string, format = 'MM/dd/yyyy'): string | null {
	const fields: ('y' | 'M' | 'd')[] = []
	const pattern = format.replace(/yyyy|yy|MM|M|dd|d|[^yMd]+/g, (tok) => {
		const token = DATE_TOKENS[tok]
		if (token === undefined) return tok.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
		fields.push(token.field)
		return token.re
	})
	const text = value.trim()
	const m = new RegExp(`^${pattern}$`).exec(text)
	const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
	const parts = { y: NaN, M: NaN, d: NaN }
	if (m && fields.length === 3) {
		for (const [i, f] of fields.entries()) parts[f] = Number(m[i + 1])
	} else if (iso) Object.assign(parts, { y: Number(iso[1]), M: Number(iso[2]), d: Number(iso[3]) })
	else return null
	const y = parts.y < 100 ? parts.y + 2000 : parts.y
	const date = new Date(Date.UTC(y, parts.M - 1, parts.d))
	if (date.getUTCFullYear() !== y || date.getUTCMonth() !== parts.M - 1 || date.getUTCDate() !== parts.d) return null
	return `${pad(y, 4)}-${pad(parts.M)}-${pad(parts.d)}`
}

const scalar = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null)

function answer(item: z.output<typeof SelectionItem>, pageType: string | undefined, dateFormat: string | undefined): FormAnswer {
	const type = item.type ?? pageType
	const id = item.identifier ?? null
	const value = scalar(item.value)
	switch (type) {
		case 'select':
		case 'picker':
			return { type, id, title: item.title ?? null, value }
		case 'input':
			return { type, id, value: value ?? '' }
		case 'datePicker':
			return { type, id, value: value ?? '', date: value === null ? null : parseFormDate(value, dateFormat) }
		default:
			return { type: 'unknown', id, title: item.title ?? null, value: item.value ?? null }
	}
}

/** Answers per page, in the order the device sent them. */
export function formAnswers(dynamic: Obj, requestDynamic: Obj | undefined): FormPageAnswers[] {
	const pages = requestPages(requestDynamic)
	return selectionsOf(dynamic).map((sel) => {
		const page = sel.pageIdentifier === undefined ? undefined : pages.get(sel.pageIdentifier)
		const answers = sel.items.map((item) => answer(item, page?.type, page?.options?.dateFormat))
		return {
			pageId: sel.pageIdentifier ?? null,
			type: page?.type ?? sel.items[0]?.type ?? null,
			title: page?.title ?? sel.title ?? null,
			answers,
		}
	})
}
