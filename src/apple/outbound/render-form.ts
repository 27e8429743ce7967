/**
 * Forms (docs/apple-interactive.md §5.8): Apple's `dynamic` experience with the
 * `messageForms` template. Linear forms chain pages by default; the last page submits.
 */
import type { AppleMessageBody } from './apple-body'
import { type FormMessage, type FormPage, formPageIds } from './business-message'
import { compact, type ImageTable, imageTable, interactive, type RenderContext, titledBubbles } from './render-parts'

/** `dynamic.version`: WEBEX send/reply samples and COREZOID use 1.1; CW-FORK's 1.2 is one source ([U], §5.8). */
const FORM_VERSION = '1.1'

function formPage(page: FormPage, p: number, ids: string[], table: ImageTable) {
	const branching = page.type === 'select' && page.items.some((item) => item.nextPageId !== undefined)
	// A page without nextPageIdentifier is the last one (§5.8), so linear forms chain by default.
	const next = page.nextPageId ?? (branching ? undefined : ids[p + 1])
	const common = compact({
		pageIdentifier: ids[p]!,
		type: page.type,
		title: page.title,
		subtitle: page.subtitle,
		nextPageIdentifier: next,
		submitForm: page.submitForm ?? (next === undefined && !branching ? true : undefined),
	})
	switch (page.type) {
		case 'select':
			return {
				...common,
				multipleSelection: page.multipleSelection ?? false,
				items: page.items.map((item, i) =>
					compact({
						identifier: item.id,
						title: item.title,
						value: item.value ?? item.title,
						imageIdentifier: table.idFor(item.image, `pages[${p}].items[${i}].image`),
						nextPageIdentifier: item.nextPageId,
					}),
				),
			}
		case 'picker':
			return compact({
				...common,
				pickerTitle: page.pickerTitle,
				selectedItemIndex: page.selectedItemIndex,
				items: page.items.map((item) => ({ identifier: item.id, title: item.title, value: item.value ?? item.title })),
			})
		case 'datePicker':
		case 'input':
			return compact({ ...common, hintText: page.hintText, options: page.options && compact({ ...page.options }) })
	}
}

export function renderForm(m: FormMessage, ctx: RenderContext): AppleMessageBody {
	const table = imageTable(ctx.images)
	const bubbles = titledBubbles(m, table)
	const ids = formPageIds(m)
	const splash =
		m.splash &&
		compact({
			header: m.splash.header,
			splashtext: m.splash.text,
			buttonTitle: m.splash.buttonTitle,
			imageIdentifier: table.idFor(m.splash.image, 'splash.image'),
		})
	const pages = m.pages.map((page, p) => formPage(page, p, ids, table))
	const dynamic = {
		version: FORM_VERSION,
		template: 'messageForms',
		private: m.private ?? false,
		data: compact({
			title: m.title,
			startPageIdentifier: m.startPageId ?? ids[0],
			showSummary: m.showSummary ?? false,
			splash,
			pages,
		}),
	}
	return interactive(ctx, table, { dynamic }, bubbles)
}
