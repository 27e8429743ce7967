/**
 * Schemas of what Apple POSTs to the MSP's `/message` (docs/apple-protocol.md §3–4,
 * docs/apple-interactive.md §3). Input is parsed tolerantly where the sources disagree ([U]):
 * unknown keys pass through, `size` may be a number or numeric string, legacy attachment
 * keys are accepted, and unknown `type`s are accepted (logged by the caller) rather than
 * failing Apple.
 */
import { z } from 'zod'

const sizeField = z.union([
	z.number().int().nonnegative(),
	z
		.string()
		.regex(/^\d+$/)
		.transform((s) => Number(s)),
])

/** Attachment dictionary, short (2025 sample) or legacy (A-BC) key names; §4.4. */
export const InboundAttachmentSchema = z
	.object({
		name: z.string().optional(),
		mimeType: z.string().optional(),
		'mime-type': z.string().optional(),
		size: sizeField.optional(),
		'file-size': sizeField.optional(),
		key: z.string().optional(),
		'decryption-key': z.string().optional(),
		url: z.string().optional(),
		'mmcs-url': z.string().optional(),
		owner: z.string().optional(),
		'mmcs-owner': z.string().optional(),
		signature: z.string().optional(),
		'signature-base64': z.string().optional(),
	})
	.passthrough()
	.transform((a, ctx) => {
		const norm = {
			name: a.name ?? 'attachment',
			mimeType: a.mimeType ?? a['mime-type'] ?? 'application/octet-stream',
			size: a.size ?? a['file-size'],
			key: a.key ?? a['decryption-key'],
			url: a.url ?? a['mmcs-url'],
			owner: a.owner ?? a['mmcs-owner'],
			signature: a.signature,
			signatureBase64: a['signature-base64'],
		}
		if (norm.size === undefined || !norm.key || !norm.url || !norm.owner) {
			ctx.addIssue({ code: 'custom', message: 'attachment needs size, key, url and owner' })
			return z.NEVER
		}
		if (!norm.signature && !norm.signatureBase64) {
			ctx.addIssue({ code: 'custom', message: 'attachment needs signature or signature-base64' })
			return z.NEVER
		}
		return { ...norm, size: norm.size, key: norm.key, url: norm.url, owner: norm.owner }
	})
export type InboundAttachment = z.output<typeof InboundAttachmentSchema>

/** interactiveDataRef: a reply over 10 KB stored in MMCS (docs/apple-interactive.md §3.2). */
export const InteractiveDataRefSchema = z
	.object({
		bid: z.string().min(1),
		url: z.string().min(1),
		owner: z.string().min(1),
		key: z.string().min(1),
		size: sizeField,
		signature: z.string().optional(),
		'signature-base64': z.string().optional(),
		title: z.string().optional(),
	})
	.passthrough()
export type InteractiveDataRef = z.output<typeof InteractiveDataRefSchema>

export const InboundInteractiveDataSchema = z
	.object({
		bid: z.string().optional(),
		data: z
			.object({
				requestIdentifier: z.string().optional(),
				version: z.string().optional(),
			})
			.passthrough()
			.optional(),
		sessionIdentifier: z.string().optional(),
	})
	.passthrough()
export type InboundInteractiveData = z.output<typeof InboundInteractiveDataSchema>

const envelope = {
	v: z.literal(1).optional(),
	id: z.string().min(1).optional(),
	sourceId: z.string().min(1).optional(),
	destinationId: z.string().min(1).optional(),
	locale: z.string().max(64).optional(),
	intent: z.string().max(512).optional(),
	group: z.string().max(512).optional(),
}

/** Apple never sends a text with nothing in it; one that says nothing is refused, not recorded. */
export const EMPTY_TEXT_MESSAGE = 'a text message needs a body or attachments'

export const InboundTextSchema = z
	.object({
		...envelope,
		type: z.literal('text'),
		body: z.string().default(''),
		attachments: z.array(InboundAttachmentSchema).max(100).optional(),
	})
	.passthrough()
	.refine((m) => m.body.trim() !== '' || (m.attachments?.length ?? 0) > 0, { message: EMPTY_TEXT_MESSAGE, path: ['body'] })

export const InboundInteractiveSchema = z
	.object({
		...envelope,
		type: z.literal('interactive'),
		interactiveData: InboundInteractiveDataSchema.optional(),
		interactiveDataRef: InteractiveDataRefSchema.optional(),
	})
	.passthrough()
	.refine((m) => (m.interactiveData === undefined) !== (m.interactiveDataRef === undefined), {
		message: 'interactive needs exactly one of interactiveData or interactiveDataRef',
	})

export type InboundText = z.output<typeof InboundTextSchema>
export type InboundInteractive = z.output<typeof InboundInteractiveSchema>

export const InboundTypingSchema = z.object({ ...envelope, type: z.enum(['typing_start', 'typing_end']) }).passthrough()

export const InboundCloseSchema = z.object({ ...envelope, type: z.literal('close') }).passthrough()

const KNOWN_TYPES = ['text', 'interactive', 'typing_start', 'typing_end', 'close'] as const

/** Any other `type`: accepted so Apple is never failed for something newer than us. */
export const InboundUnknownSchema = z
	.object({
		...envelope,
		type: z
			.string()
			.min(1)
			.refine((t) => !(KNOWN_TYPES as readonly string[]).includes(t)),
	})
	.passthrough()

export const InboundMessageSchema = z.union([InboundTextSchema, InboundInteractiveSchema, InboundTypingSchema, InboundCloseSchema, InboundUnknownSchema])
export type InboundMessage = z.output<typeof InboundMessageSchema>

/** Capability names from `capability-list` (§6.1); anything else is kept upper-cased. */
export const KNOWN_CAPABILITIES = ['QUICK', 'LIST', 'TIME', 'AUTH', 'AUTH2', 'FORM'] as const

/** `capability-list` is comma-separated and case-insensitive (§3, §6.1). */
export function parseCapabilityList(value: string | null | undefined): string[] {
	if (!value) return []
	const seen = new Set<string>()
	for (const part of value.split(',')) {
		const name = part.trim().toUpperCase()
		if (name && /^[A-Z0-9_-]{1,32}$/.test(name)) seen.add(name)
	}
	return [...seen]
}

/** Headers Apple sets on `/message` (§3); all optional in practice except `id`/ids. */
export interface InboundHeaders {
	id: string | null
	sourceId: string | null
	destinationId: string | null
	/** null when Apple sent neither `capability-list` nor legacy `capabilities`. */
	capabilities: string[] | null
	deviceAgent: string | null
}

export function readInboundHeaders(h: Headers): InboundHeaders {
	const capHeader = h.get('capability-list') ?? h.get('capabilities')
	return {
		id: h.get('id'),
		sourceId: h.get('source-id'),
		destinationId: h.get('destination-id'),
		capabilities: capHeader === null ? null : parseCapabilityList(capHeader),
		deviceAgent: h.get('device-agent'),
	}
}
