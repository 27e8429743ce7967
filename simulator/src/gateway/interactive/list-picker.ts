/**
 * List picker (docs/apple-interactive.md §5.2): `listPicker.sections[]` each with `title`,
 * `order`, `multipleSelection`, `items[]`; item `identifier`, `order`, `title`, `subtitle`?,
 * `imageIdentifier`?, `style`. A bubble `receivedMessage.title` is required (pickers without a
 * title are rejected, §2.4). Keys are checked strictly so a misspelt key such as
 * `listPickerItem` is refused the way Apple's parser does instead of silently dropping items.
 */
import { z } from 'zod'
import { fail } from '../../lib/rejection'
import { isObject, parseRule } from '../zod-check'
import { nonEmptyString } from './common'

const Item = z.strictObject({
	identifier: nonEmptyString,
	order: z.number().int().optional(),
	style: z.string().optional(),
	title: nonEmptyString,
	subtitle: z.string().optional(),
	imageIdentifier: z.string().optional(),
})

const Section = z.strictObject({
	title: z.string().optional(),
	order: z.number().int().optional(),
	identifier: z.string().optional(),
	multipleSelection: z.boolean().optional(),
	items: z.array(Item).min(1, 'a section needs at least one item'),
})

const ListPicker = z.strictObject({
	sections: z.array(Section).min(1, 'listPicker needs at least one section'),
	// SPASIU (2018) puts it here instead of per section (§7 conflict 4): accepted.
	multipleSelection: z.boolean().optional(),
})

export function checkListPicker(value: unknown, receivedTitle: string | undefined): void {
	if (!receivedTitle?.trim()) {
		fail(400, 'list_picker_title_missing', 'a list picker needs interactiveData.receivedMessage.title')
	}
	if (isObject(value) && Array.isArray(value.sections)) {
		for (const [i, s] of value.sections.entries()) {
			if (!isObject(s)) continue
			const wrong = Object.keys(s).find((k) => k !== 'items' && /item/i.test(k))
			if (wrong && !('items' in s)) {
				fail(400, 'list_picker_key', `Unexpected key '${wrong}' in listPicker.sections[${i}]; expected 'items' (array of list picker items)`)
			}
		}
	}
	const lp = parseRule(ListPicker, value, 'list_picker_schema', 'interactiveData.data.listPicker')
	const ids = lp.sections.flatMap((s) => s.items.map((i) => i.identifier))
	if (new Set(ids).size !== ids.length) fail(400, 'list_picker_schema', 'list picker item identifiers must be unique')
}
