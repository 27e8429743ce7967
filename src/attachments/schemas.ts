/** Attachments as `POST /v1/attachments` answers (docs/product.md "Business API"); docs/api.md. */
import { z } from 'zod'

export const AttachmentSchema = z
	.object({
		id: z.string().meta({ description: "Give it in a text message's `attachments`." }),
		name: z.string(),
		mimeType: z.string().meta({ description: 'From `Content-Type`, or sniffed from the bytes when it says nothing useful.' }),
		size: z.number().int(),
		expiresAt: z.string().meta({ description: "When it is purged (the business's retention), unless a send still holds it.", format: 'date-time' }),
	})
	.meta({ id: 'Attachment' })
