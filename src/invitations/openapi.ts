/**
 * The invitations part of the OpenAPI document (src/openapi/document.ts), from the same zod
 * schemas the routes validate with. Kept beside the domain so a move to @hono/zod-openapi
 * `createRoute` can reuse these schemas as they are.
 */
import { z } from 'zod'
import { CreatedInvitationSchema, CreateInvitationSchema, InvitationSchema, InvitationStatusSchema, OptOutSchema } from './schemas'

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })
const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
const json = (s: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: schema(s) } } })
const page = (s: z.ZodType) => z.object({ data: z.array(s), nextCursor: z.string().nullable() })

const errors = {
	'400': json(ErrorSchema, 'Malformed request'),
	'401': json(ErrorSchema, 'Missing or invalid API key'),
}

export function invitationPaths(): Record<string, object> {
	return {
		'/v1/invitations': {
			post: {
				summary: 'Invite a customer by phone number (Apple notification template)',
				description:
					'Sent to Apple as a notification message; the outcome arrives as invitation.updated events (submitting → submitted → accepted | declined, or provider_rejected | error). The wire format is inferred from peer implementations (docs/invitations.md).',
				parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
				requestBody: { required: true, content: { 'application/json': { schema: schema(CreateInvitationSchema) } } },
				responses: {
					'202': json(CreatedInvitationSchema, 'Accepted; sending to Apple'),
					...errors,
					'409': json(ErrorSchema, 'opted_out: the customer asked not to be invited again; or Idempotency-Key reused with another body'),
					'422': json(ErrorSchema, 'brandLogo refused: not a PNG, unreachable, too large, or the template takes no image'),
					'429': { ...json(ErrorSchema, 'rate_limited: the business’s invitation rate limit; see Retry-After'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
				},
			},
			get: {
				summary: 'List invitations, newest first',
				parameters: [
					{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
					{ name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
					{ name: 'status', in: 'query', schema: schema(InvitationStatusSchema) },
					{ name: 'phoneNumber', in: 'query', schema: { type: 'string' }, description: 'E.164' },
				],
				responses: { '200': json(page(InvitationSchema), 'A page of invitations'), ...errors },
			},
		},
		'/v1/invitations/opt-outs': {
			get: {
				summary: 'Phone numbers that opted out of this business’s invitations',
				parameters: [
					{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
					{ name: 'cursor', in: 'query', schema: { type: 'string' } },
				],
				responses: { '200': json(page(OptOutSchema), 'A page of opt-outs'), ...errors },
			},
		},
		'/v1/invitations/{id}': {
			get: {
				summary: 'One invitation and its state',
				parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
				responses: { '200': json(InvitationSchema, 'The invitation'), ...errors, '404': json(ErrorSchema, 'Unknown invitation (or another business’s)') },
			},
		},
	}
}
