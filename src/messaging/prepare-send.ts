/**
 * From a business's `POST /v1/messages` to a job the conversation object can send: template
 * resolution, device fitting on the latest capabilities, image fetching, preflight of the
 * known Apple rejections (422 with a reason per field) and of what Apple accepts but hurts the
 * customer (warnings, sent anyway), and rendering to Apple's JSON (docs/product.md "Data flow" 3;
 * docs/apple-interactive.md). When the message is not sent as written, `renderReason` says why.
 */
import {
	AppleMessageBodySchema,
	BusinessMessageSchema,
	collectImageRefs,
	type ContentMessage,
	fitToDevice,
	imageFieldsOf,
	preflight,
	renderAppleBody,
	RenderError,
	type BusinessMessage,
	appleEndpointFor,
	type RenderContext,
	type RenderableMessage,
	type ResolvedImages,
	type ResolvedMessage,
} from '../apple/outbound'
import { requestForMatching } from '../apple/replies'
import { businessStub } from '../business/directory'
import type { BusinessRecord } from '../business/schema'
import type { ConversationState } from '../conversation/schema'
import type { OutboundJob, RenderReason, Rendered, SendWarning } from '../conversation/outbound'
import type { Config, Env } from '../context'
import { unprocessable } from '../lib/errors'
import { parseTemplate } from '../templates/stored'
import { MissingVariablesError, substitute } from '../templates/substitute'
import { fetchImages, ImageFetchError } from './images'
import { completeRichLink, richLinksForText } from './rich-links'
import { checkRendered, preflightOrRefuse, renderRefusal } from './preflight-check'
import { pinAttachment } from '../attachments/purge'
import { abandonHosted, prepareHosted } from '../hosted'

/** Longer than the whole send retry schedule (conversation/outbound.ts SEND_RETRY_MS). */
export const ATTACHMENT_PIN_MS = 2 * 24 * 3600_000

/** Interactive JSON above this goes with `include-data-ref` (docs/apple-protocol.md §1.5, §4.8). */
export const DATA_REF_THRESHOLD_BYTES = 10 * 1024

export interface PreparedSend {
	messageType: string
	rendered: Rendered
	/** The message itself, then the rich links for URLs in its text; sent in this order. */
	jobs: OutboundJob[]
	/** The hosted request (authentication, Apple Pay) to abandon if the send is not accepted. */
	hostedRequestId: string | null
	/** Why `rendered` is not `original`; set exactly then (also on the primary job). */
	renderReason?: RenderReason
	/** What Apple accepts but hurts the customer; also on the primary job. */
	warnings: SendWarning[]
}

/** `template` → the stored message with variables filled, keeping the caller's fallback/bot. */
async function resolveTemplate(
	env: Env,
	business: BusinessRecord,
	message: BusinessMessage,
): Promise<{ message: BusinessMessage; templateId: string | null; reusableDataRef: Record<string, unknown> | null }> {
	if (message.type !== 'template') return { message, templateId: null, reusableDataRef: null }
	const row = await businessStub(env, business.settings.businessId).getTemplate(message.templateId)
	if (!row) throw unprocessable('unknown template', [{ path: 'message.templateId', message: 'no template with this id' }])
	const stored = parseTemplate(row)
	let filled: unknown
	try {
		filled = substitute(stored.message, message.variables ?? {})
	} catch (err) {
		if (err instanceof MissingVariablesError) {
			throw unprocessable(
				'template variables missing',
				err.missing.map((n) => ({ path: `message.variables.${n}`, message: 'required by the template' })),
			)
		}
		throw err
	}
	const parsed = BusinessMessageSchema.safeParse({
		...(filled as object),
		...(message.fallback ? { fallback: message.fallback } : {}),
		...(message.bot !== undefined ? { bot: message.bot } : {}),
	})
	if (!parsed.success || parsed.data.type === 'template') {
		throw unprocessable(
			'template does not render to a valid message',
			parsed.success ? [] : parsed.error.issues.map((i) => ({ path: `template.${i.path.join('.')}`, message: i.message })),
		)
	}
	const hasVariables = JSON.stringify(stored.message) !== JSON.stringify(filled)
	return { message: parsed.data, templateId: stored.id, reusableDataRef: hasVariables ? null : stored.dataRef }
}

function render(
	message: RenderableMessage,
	messageId: string,
	business: BusinessRecord,
	state: ConversationState,
	images: ResolvedImages,
	requestIdentifier: string = crypto.randomUUID(),
	hosted: Pick<RenderContext, 'authenticate' | 'applePay'> = {},
): OutboundJob['appleBody'] {
	let appleBody
	try {
		appleBody = renderAppleBody(message, {
			messageId,
			// sourceId: the id this customer wrote to (a linked account id may differ; docs/apple-protocol.md §6.2).
			businessId: state.appleBusinessId,
			customerId: state.customerId,
			requestIdentifier,
			images,
			...(state.locale ? { locale: state.locale } : {}),
			...hosted,
		})
	} catch (err) {
		throw renderRefusal(err)
	}
	return checkRendered(appleBody) as OutboundJob['appleBody']
}

export async function prepareSend(
	env: Env,
	config: Config,
	business: BusinessRecord,
	state: ConversationState,
	requested: BusinessMessage,
	origin: string,
): Promise<PreparedSend> {
	const resolvedTemplate = await resolveTemplate(env, business, requested)
	const { templateId, reusableDataRef } = resolvedTemplate
	let message = resolvedTemplate.message
	const links = { environment: config.ENVIRONMENT, bucket: env.ATTACHMENTS, logoUrl: business.settings.logoUrl ?? null }
	let linkReason: RenderReason | undefined
	if (message.type === 'richLink') {
		const { fallback, ...link } = message
		const completed = await completeRichLink(link, links)
		linkReason = completed.reason
		message = (fallback ? { ...completed.message, fallback } : completed.message) as BusinessMessage
	}
	const resolved = message as ResolvedMessage
	const fit = fitToDevice(resolved, { capabilities: state.capabilities, deviceAgent: state.deviceAgent })
	const followUps = fit.message.type === 'text' && fit.rendered === 'original' ? await richLinksForText(fit.message, links) : []

	const refs = [...collectImageRefs(resolved), ...collectImageRefs(fit.message), ...followUps.flatMap(collectImageRefs)]
	const { images, warnings } = await preflightOrRefuse(resolved, refs, config.ENVIRONMENT)

	const messageId = crypto.randomUUID()
	const attachmentIds = fit.message.type === 'text' ? (fit.message.attachments ?? []) : []
	for (const [i, attachmentId] of attachmentIds.entries()) {
		// Pinned past the send's whole retry window, so the retention purge cannot break it.
		const ok = await pinAttachment(env, { businessId: business.settings.businessId, attachmentId, holder: messageId, untilMs: Date.now() + ATTACHMENT_PIN_MS })
		if (!ok) throw unprocessable('unknown or expired attachment', [{ path: `message.attachments.${i}`, message: 'upload it with POST /v1/attachments first' }])
	}
	// A rich link whose page is unreachable went out as text before fitting (rich links fit every device).
	const rendered: Rendered = linkReason ? 'text' : fit.rendered
	const renderReason = linkReason ?? fit.reason
	const base = {
		messageType: requested.type,
		rendered,
		autoReply: fit.message.bot === true,
		templateId,
		endpoint: appleEndpointFor(fit.message),
		...(renderReason ? { renderReason } : {}),
		warnings,
	}
	// Authentication and Apple Pay need hosted state (OAuth state, merchant session) first.
	const requestIdentifier = crypto.randomUUID()
	const hosted = await prepareHosted(env, config, { business, state, message: fit.message, requestIdentifier, origin })
	const hostedRequestId = fit.message.type === 'authenticate' || fit.message.type === 'applePay' ? requestIdentifier : null
	let body: OutboundJob['appleBody']
	try {
		body = render(fit.message, messageId, business, state, images, requestIdentifier, hosted)
	} catch (err) {
		if (hostedRequestId) await abandonHosted(env, business.settings.businessId, hostedRequestId)
		throw err
	}
	const interactive = body.type === 'interactive'
	let primary: OutboundJob
	if (interactive && reusableDataRef && fit.rendered === 'original') {
		// Apple keeps the payload; resend it by reference (docs/apple-protocol.md §4.8).
		const { interactiveData: _drop, ...envelope } = body as Record<string, unknown>
		const byRef = { ...envelope, interactiveDataRef: reusableDataRef } as unknown as OutboundJob['appleBody']
		primary = { ...base, messageId, appleBody: byRef, includeDataRef: false, request: null }
	} else {
		const large = interactive && JSON.stringify(body).length > DATA_REF_THRESHOLD_BYTES
		primary = {
			...base,
			messageId,
			appleBody: body,
			...(attachmentIds.length > 0 ? { attachmentIds } : {}),
			// Templates are reused: ask Apple for a reference the next send can use.
			includeDataRef: interactive && (large || templateId !== null),
			request: requestForMatching(body),
		}
	}
	const linkJobs = followUps.map((link): OutboundJob => {
		const id = crypto.randomUUID()
		return {
			messageId: id,
			messageType: 'richLink',
			rendered: 'original',
			autoReply: link.bot === true,
			templateId: null,
			appleBody: render(link, id, business, state, images),
			includeDataRef: false,
			request: null,
		}
	})
	return { messageType: requested.type, rendered, jobs: [primary, ...linkJobs], hostedRequestId, ...(renderReason ? { renderReason } : {}), warnings }
}
