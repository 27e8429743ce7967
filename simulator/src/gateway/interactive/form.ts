/**
 * Forms (docs/apple-interactive.md §5.8): `data.dynamic` with `template` `messageForms`
 * (COREZOID's `form` accepted, §7 conflict 6), a `version`, and `data.pages[]` whose
 * `pageIdentifier`s are unique strings under 20 characters; `type` select | picker |
 * datePicker | input; every `nextPageIdentifier` and `startPageIdentifier` names a page.
 */
import { z } from 'zod'
import { fail } from '../../lib/rejection'
import { parseRule } from '../zod-check'
import { nonEmptyString } from './common'

const FormItem = z.object({
	identifier: nonEmptyString,
	title: nonEmptyString,
	value: z.string().optional(),
	imageIdentifier: z.string().optional(),
	nextPageIdentifier: z.string().optional(),
})

const Page = z.object({
	pageIdentifier: z.string().min(1).max(19, 'pageIdentifier must be shorter than 20 characters'),
	type: z.enum(['select', 'picker', 'datePicker', 'input'], { error: 'page type must be select, picker, datePicker or input' }),
	title: z.string().optional(),
	subtitle: z.string().optional(),
	nextPageIdentifier: z.string().optional(),
	submitForm: z.boolean().optional(),
	multipleSelection: z.boolean().optional(),
	items: z.array(FormItem).optional(),
	options: z.record(z.string(), z.unknown()).optional(),
	hintText: z.string().optional(),
	pickerTitle: z.string().optional(),
	selectedItemIndex: z.number().int().nonnegative().optional(),
})

const Dynamic = z.object({
	template: z.enum(['messageForms', 'form'], { error: 'dynamic.template must be "messageForms"' }),
	version: nonEmptyString,
	private: z.boolean().optional(),
	data: z.object({
		title: z.string().optional(),
		startPageIdentifier: z.string().optional(),
		showSummary: z.boolean().optional(),
		splash: z
			.object({
				header: z.string().optional(),
				splashtext: z.string().optional(),
				buttonTitle: z.string().optional(),
				imageIdentifier: z.string().optional(),
			})
			.optional(),
		pages: z.array(Page).min(1, 'a form needs at least one page'),
	}),
})

export function checkForm(value: unknown): void {
	const form = parseRule(Dynamic, value, 'form_schema', 'interactiveData.data.dynamic')
	const ids = new Set<string>()
	for (const p of form.data.pages) {
		if (ids.has(p.pageIdentifier)) fail(400, 'form_schema', `pageIdentifier ${p.pageIdentifier} is used twice`)
		ids.add(p.pageIdentifier)
	}
	const start = form.data.startPageIdentifier ?? '0'
	if (!ids.has(start)) fail(400, 'form_page_reference', `startPageIdentifier ${start} names no page`)
	for (const p of form.data.pages) {
		if ((p.type === 'select' || p.type === 'picker') && !p.items?.length) {
			fail(400, 'form_schema', `page ${p.pageIdentifier} (${p.type}) needs items`)
		}
		const targets = [p.nextPageIdentifier, ...(p.items ?? []).map((i) => i.nextPageIdentifier)]
		for (const t of targets) {
			if (t !== undefined && !ids.has(t)) fail(400, 'form_page_reference', `page ${p.pageIdentifier} points to missing page ${t}`)
		}
	}
}
