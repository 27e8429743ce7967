/** Dead letters as `GET /v1/deliveries/failed` lists them (business-do.ts `DeadLetter`); docs/api.md. */
import { z } from 'zod'

export const DeadLetterSchema = z
	.object({
		id: z.string().meta({ description: 'The `webhook-id`; replay with `POST /v1/deliveries/{id}/replay`.' }),
		eventType: z.string(),
		conversationId: z.string().nullable(),
		webhookUrl: z.string(),
		attempts: z.number().int(),
		lastStatus: z.number().int().nullable().meta({ description: 'HTTP status of the last attempt; null when it got no answer.' }),
		lastError: z.string().nullable(),
		failedAt: z.string(),
		replayedAt: z.string().nullable(),
	})
	.meta({ id: 'DeadLetter', description: 'A webhook delivery that failed for good.' })

export const DeadLetterPageSchema = z
	.object({ data: z.array(DeadLetterSchema), nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }) })
	.meta({ id: 'DeadLetterPage' })

export const ReplayedSchema = z
	.object({ id: z.string(), status: z.literal('requeued') })
	.meta({ id: 'Replayed', description: 'The dead letter is queued again.' })
