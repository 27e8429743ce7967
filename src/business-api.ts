/**
 * Types of the business API for TypeScript clients, derived from the zod schemas the server
 * validates with (import type { SendMessageRequest } from 'amb-edge/src/business-api').
 */
import type { z } from 'zod'
import type { BusinessMessageSchema } from './apple/outbound'
import type { SendMessageSchema } from './messaging/schemas'
import type { TemplateBodySchema } from './templates/schemas'
import type { CreateInvitationSchema } from './invitations/schemas'

export type BusinessMessageInput = z.input<typeof BusinessMessageSchema>
export type SendMessageRequest = z.input<typeof SendMessageSchema>
export type TemplateRequest = z.input<typeof TemplateBodySchema>
export type CreateInvitationRequest = z.input<typeof CreateInvitationSchema>
export type { CreatedInvitation, Invitation, InvitationStatus, OptOut } from './invitations/schemas'
export type { SendResponse } from './conversation/outbound'
export type { WebhookEvent } from './delivery/queue-messages'
