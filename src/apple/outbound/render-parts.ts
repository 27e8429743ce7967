/**
 * Building blocks shared by the renderers (render.ts, render-form.ts): the render context,
 * the envelope, the interactive skeleton of docs/apple-interactive.md §2.1, bubbles and
 * the `data.images` table. Pure and synchronous, like the renderers.
 */
import type { z } from 'zod'
import { APPLE_BUSINESS_EXTENSION_BID, type AppleBubbleSchema, type AppleMessageBody } from './apple-body'
import type { Bubble } from './business-message'
import { type ResolvedImage, type ResolvedImages, resolveImage } from './image-ref'

/** Merchant half of an Apple Pay request, from the business's settings and a fresh merchant session (§5.5). */
export interface ApplePayContext {
	merchantIdentifier: string
	supportedNetworks: string[]
	merchantCapabilities: string[]
	countryCode: string
	currencyCode: string
	/** Apple Pay's opaque session object, placed verbatim; a new one per transaction. */
	merchantSession: Record<string, unknown>
	endpoints: {
		paymentGatewayUrl: string
		fallbackUrl?: string
		orderTrackingUrl?: string
		paymentMethodUpdateUrl?: string
		shippingContactUpdateUrl?: string
		shippingMethodUpdateUrl?: string
	}
}

/**
 * OAuth data of an authentication request (§5.6), chosen by the platform with authFlowFor():
 * AUTH2 sends a redirect URI; the legacy flow sends a P-384 public key and the client secret.
 */
export type AuthenticateContext =
	| { flow: 'auth2'; state: string; redirectURI: string; scope: string[] }
	| { flow: 'legacy'; state: string; responseEncryptionKey: string; clientSecret: string; scope: string[] }

export interface RenderContext {
	/** Body `id`; the platform sends the same value in the `id` header (docs/apple-protocol.md §7). */
	messageId: string
	/** `sourceId`: the business id, never the MSP id (docs/apple-protocol.md §7). */
	businessId: string
	/** `destinationId`: the customer's opaque `urn:mbid:` id. */
	customerId: string
	/** A fresh UUID per interactive message; replies echo it (§2.3). */
	requestIdentifier: string
	/** URL image references → fetched images. Inline base64 images need no entry. */
	images: ResolvedImages
	locale?: string
	/** Required for `applePay`. */
	applePay?: ApplePayContext
	/** Required for `authenticate`. */
	authenticate?: AuthenticateContext
}

/** A message the renderer cannot turn into a body: missing image or context. `path` is inside the message. */
export class RenderError extends Error {
	constructor(
		readonly path: string,
		message: string,
	) {
		super(`${path}: ${message}`)
		this.name = 'RenderError'
	}
}

/** `data.version`: Apple's newest samples send `version` "1.0" rather than `mspVersion` (§2.3). */
const INTERACTIVE_VERSION = '1.0'

export type AppleBubble = z.infer<typeof AppleBubbleSchema>
type AppleImage = { identifier: string; data: string }
type Interactive = Extract<AppleMessageBody, { type: 'interactive' }>
type InteractiveData = NonNullable<Interactive['interactiveData']>
type InteractiveDataData = NonNullable<InteractiveData['data']>

/** Drops undefined members so the JSON has only the keys that mean something. */
export function compact<T extends object>(o: T): T {
	for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k]
	return o
}

/** `data.images`: each distinct image once, identifiers "0", "1", … in order of first use (§2.3). */
export function imageTable(images: ResolvedImages) {
	const ids = new Map<string, string>()
	const entries: AppleImage[] = []
	return {
		idFor(ref: string | undefined, path: string): string | undefined {
			if (ref === undefined) return undefined
			const known = ids.get(ref)
			if (known !== undefined) return known
			const id = String(entries.length)
			entries.push({ identifier: id, data: imageOrThrow(ref, images, path).data })
			ids.set(ref, id)
			return id
		},
		entries,
	}
}
export type ImageTable = ReturnType<typeof imageTable>

export function imageOrThrow(ref: string, images: ResolvedImages, path: string): ResolvedImage {
	const image = resolveImage(ref, images)
	if (image === null) throw new RenderError(path, 'image URL was not resolved before rendering')
	return image
}

/** A bubble of an Apple-provided type: the override's fields win over the message's defaults. */
export function bubble(
	defaults: { title: string; subtitle?: string; style?: AppleBubble['style'] },
	override: Bubble | undefined,
	table: ImageTable,
	path: string,
): AppleBubble {
	return compact({
		title: override?.title ?? defaults.title,
		subtitle: override?.subtitle ?? defaults.subtitle,
		style: override?.style ?? defaults.style,
		imageIdentifier: table.idFor(override?.image, `${path}.image`),
	})
}

/**
 * Pickers and forms: the message title on arrival and again after the reply, icon-sized,
 * unless overridden. Apple's samples always send both bubbles for these ([U] what Messages
 * shows without a replyMessage).
 */
export function titledBubbles(
	m: { title: string; subtitle?: string; receivedMessage?: Bubble; replyMessage?: Bubble },
	table: ImageTable,
): { receivedMessage: AppleBubble; replyMessage: AppleBubble } {
	return {
		receivedMessage: bubble({ title: m.title, subtitle: m.subtitle, style: 'icon' }, m.receivedMessage, table, 'receivedMessage'),
		replyMessage: bubble({ title: m.title, style: 'icon' }, m.replyMessage, table, 'replyMessage'),
	}
}

export function envelope(ctx: RenderContext) {
	return compact({
		v: 1 as const,
		id: ctx.messageId,
		sourceId: ctx.businessId,
		destinationId: ctx.customerId,
		locale: ctx.locale,
	})
}

export function interactive(
	ctx: RenderContext,
	table: ImageTable | null,
	data: Partial<InteractiveDataData>,
	bubbles: { receivedMessage?: AppleBubble; replyMessage?: AppleBubble } = {},
): AppleMessageBody {
	return {
		...envelope(ctx),
		type: 'interactive',
		interactiveData: compact({
			bid: APPLE_BUSINESS_EXTENSION_BID,
			data: compact({
				version: INTERACTIVE_VERSION,
				requestIdentifier: ctx.requestIdentifier,
				images: table && table.entries.length > 0 ? table.entries : undefined,
				...data,
			}),
			receivedMessage: bubbles.receivedMessage,
			replyMessage: bubbles.replyMessage,
		}),
	}
}
