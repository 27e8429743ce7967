/**
 * Templates as the business API takes and gives them (docs/product.md "Business API", templates),
 * and the preview's answer. `.meta({ id })` names the OpenAPI components (docs/api.md).
 */
import { z } from 'zod'
import { BusinessMessageSchema } from '../apple/outbound'
import { FieldProblemSchema } from '../lib/errors'
import { SendWarningSchema } from '../messaging/schemas'

export const TEMPLATE_TYPES = ['listPicker', 'timePicker', 'quickReply', 'form', 'richLink'] as const

export const TemplateIdSchema = z
	.string()
	.regex(/^tpl_[A-Za-z0-9]{1,64}$/)
	.meta({ description: 'A template id, `tpl_…`.', example: 'tpl_9c1f5e2a7b3d4c6e8f0a1b2c3d4e5f60' })

export const TemplateBodySchema = z
	.strictObject({
		name: z.string().min(1).max(200),
		message: z.looseObject({ type: z.enum(TEMPLATE_TYPES) }).meta({
			description:
				'A business message of a rich type (see `BusinessMessage`); any string may contain `{{variable}}` placeholders. With every placeholder filled by a sample it must be a valid message.',
		}),
	})
	.meta({ id: 'TemplateRequest' })
export type TemplateRequest = z.input<typeof TemplateBodySchema>

export const PreviewBodySchema = z
	.strictObject({
		variables: z.record(z.string(), z.string()).default({}).meta({ description: 'A value for every `{{variable}}` of the template.' }),
	})
	.meta({ id: 'PreviewRequest' })

export const TemplateSchema = z
	.object({
		id: TemplateIdSchema,
		name: z.string(),
		message: z.unknown().meta({ description: 'The stored message, placeholders included.' }),
		variables: z.array(z.string()).meta({ description: 'The placeholders the message uses, in order of first use.' }),
		dataRef: z
			.record(z.string(), z.unknown())
			.nullable()
			.meta({ description: "Apple's reference to the payload it keeps, reused by later sends while the template has no variables." }),
		createdAt: z.string().meta({ format: 'date-time' }),
		updatedAt: z.string().meta({ format: 'date-time' }),
	})
	.meta({ id: 'Template' })

export const TemplatePageSchema = z
	.object({ data: z.array(TemplateSchema), nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }) })
	.meta({ id: 'TemplatePage' })

export const PreviewSchema = z
	.object({
		valid: z
			.literal(true)
			.meta({ description: 'Always true: a message that a send would refuse is refused here the same way (400 or 422).', deprecated: true }),
		problems: z.array(FieldProblemSchema).max(0).meta({ description: 'Always empty, for the same reason.', deprecated: true }),
		warnings: z.array(SendWarningSchema).meta({ description: 'What a send of this message would carry in `warnings`.' }),
		message: BusinessMessageSchema,
		apple: z.record(z.string(), z.unknown()).meta({ description: 'The body that would go to Apple (placeholder ids for message, business and customer).' }),
	})
	.meta({ id: 'TemplatePreview', description: 'The filled message as a send would see it, and what would go to Apple.' })
