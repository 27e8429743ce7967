/**
 * The `form` message (docs/apple-interactive.md §5.8): Apple's `dynamic` / `messageForms`.
 * Page and item ids are Apple's `pageIdentifier` / `identifier`; a page without `id` gets its
 * index. Split from business-message.ts for size; the same rules apply (shape only, strict
 * objects, no zod defaults). `.meta({ id })` names the OpenAPI components (docs/api.md).
 */
import { z } from 'zod'
import { ImageRefSchema } from './image-ref'

export const Id = z.string().min(1).max(256)

const pageCommon = {
	id: Id.optional().meta({ description: "The page's identifier (Apple's `pageIdentifier`); defaults to its index in `pages`." }),
	title: z.string().optional(),
	subtitle: z.string().optional().meta({ description: 'The question.' }),
	nextPageId: Id.optional().meta({ description: 'Defaults to the next page in `pages` (linear form); a page with none left is the last.' }),
	submitForm: z.boolean().optional().meta({ description: 'Defaults to true on the last page.' }),
}

const FormSelectPage = z
	.strictObject({
		...pageCommon,
		type: z.literal('select'),
		multipleSelection: z.boolean().optional(),
		items: z.array(
			z.strictObject({
				id: Id,
				title: z.string(),
				value: z.string().optional().meta({ description: 'What the reply carries; defaults to `title`.' }),
				image: ImageRefSchema.optional(),
				nextPageId: Id.optional().meta({ description: 'Branching: the page this choice leads to (single-selection pages only).' }),
			}),
		),
	})
	.meta({ id: 'FormSelectPage', description: 'A page of choices.' })

const FormPickerPage = z
	.strictObject({
		...pageCommon,
		type: z.literal('picker'),
		pickerTitle: z.string().optional(),
		selectedItemIndex: z.number().int().nonnegative().optional(),
		items: z.array(z.strictObject({ id: Id, title: z.string(), value: z.string().optional() })),
	})
	.meta({ id: 'FormPickerPage', description: 'A wheel picker.' })

const FormDatePickerPage = z
	.strictObject({
		...pageCommon,
		type: z.literal('datePicker'),
		hintText: z.string().optional(),
		options: z
			.strictObject({
				dateFormat: z.string().optional().meta({ description: 'Default `MM/dd/yyyy`; the dates below are written in this format.' }),
				startDate: z.string().optional(),
				minimumDate: z.string().optional(),
				maximumDate: z.string().optional(),
				labelText: z.string().optional(),
			})
			.optional(),
	})
	.meta({ id: 'FormDatePickerPage', description: 'A date picker.' })

const FormInputPage = z
	.strictObject({
		...pageCommon,
		type: z.literal('input'),
		hintText: z.string().optional(),
		options: z
			.strictObject({
				required: z.boolean().optional(),
				inputType: z.enum(['singleline', 'multiline']).optional(),
				maximumCharacterCount: z.number().int().positive().optional().meta({ description: 'Defaults to 30 (singleline) or 300 (multiline).' }),
				regex: z.string().optional().meta({ description: 'The answer must match it before the customer can go on.' }),
				placeholder: z.string().optional(),
				labelText: z.string().optional(),
				prefixText: z.string().optional(),
				keyboardType: z.string().optional().meta({ description: 'An iOS keyboard type name, e.g. `emailAddress`, `numberPad`.' }),
				textContentType: z.string().optional().meta({ description: 'An iOS text content type, for autofill, e.g. `emailAddress`.' }),
			})
			.optional(),
	})
	.meta({ id: 'FormInputPage', description: 'A free-text answer.' })

export const FormPageSchema = z
	.discriminatedUnion('type', [FormSelectPage, FormPickerPage, FormDatePickerPage, FormInputPage])
	.meta({ id: 'FormPage', description: 'One page of a form, by `type`.' })
export type FormPage = z.infer<typeof FormPageSchema>

export const FormSplashSchema = z
	.strictObject({
		header: z.string().optional(),
		text: z.string().optional(),
		buttonTitle: z.string().optional(),
		image: ImageRefSchema.optional(),
	})
	.meta({ id: 'FormSplash', description: 'The first screen, before the first page.' })
