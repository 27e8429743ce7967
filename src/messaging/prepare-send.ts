/**
 * From a business's `POST /v1/messages` to a job the conversation object can send: template
 * resolution, device fitting on the latest capabilities, image fetching, preflight of the
 * known Apple rejections (422 with a reason per field), and rendering to Apple's JSON
 * (PRODUCT.md "Data flow" 3; spec apple-msp-interactive.md).
 */
import {
	AppleMessageBodySchema,
	BusinessMessageSchema,
	collectImageRefs,
	fitToDevice,
	preflight,
	renderAppleBody,
	RenderError,
	type BusinessMessage,
	type ResolvedMessage,
} from '../apple/outbound'
import { businessStub } from '../business/directory'
import type { BusinessRecord } from '../business/schema'
import type { ConversationState } from '../conversation/conversation-do'
import type { OutboundJob, Rendered } from '../conversation/outbound'
import type { Config, Env } from '../context'
import { unprocessable } from '../lib/errors'
import { parseTemplate } from '../templates/stored'
import { MissingVariablesError, substitute } from '../templates/substitute'
import { fetchImages, ImageFetchError } from './images'

/** Interactive JSON above this goes with `include-data-ref` (spec core §1.5, §4.8). */
export const DATA_REF_THRESHOLD_BYTES = 10 * 1024

export interface PreparedSend {
	messageType: string
	rendered: Rendered
	job: OutboundJob
}

const issues = (list: { path: string; message: string }[]) => list.map((i) => ({ path: `message.${i.path}`.replace(/\.$/, ''), message: i.message }))

/** `template` → the stored message with variables filled, keeping the caller's fallback/bot. */
async function resolveTemplate(env: Env, business: BusinessRecord, message: BusinessMessage): Promise<{ message: BusinessMessage; templateId: string | null; reusableDataRef: Record<string, unknown> | null }> {
	if (message.type !== 'template') return { message, templateId: null, reusableDataRef: null }
	const row = await businessStub(env, business.settings.businessId).getTemplate(message.templateId)
	if (!row) throw unprocessable('unknown template', [{ path: 'message.templateId', message: 'no template with this id' }])
	const stored = parseTemplate(row)
	let filled: unknown
	try {
		filled = substitute(stored.message, message.variables ?? {})
	} catch (err) {
		if (err instanceof MissingVariablesError) {
			throw unprocessable('template variables missing', err.missing.map((n) => ({ path: `message.variables.${n}`, message: 'required by the template' })))
		}
		throw err
	}
	const parsed = BusinessMessageSchema.safeParse({
		...(filled as object),
		...(message.fallback ? { fallback: message.fallback } : {}),
		...(message.bot !== undefined ? { bot: message.bot } : {}),
	})
	if (!parsed.success || parsed.data.type === 'template') {
		throw unprocessable('template does not render to a valid message', parsed.success ? [] : parsed.error.issues.map((i) => ({ path: `template.${i.path.join('.')}`, message: i.message })))
	}
	const hasVariables = JSON.stringify(stored.message) !== JSON.stringify(filled)
	return { message: parsed.data, templateId: stored.id, reusableDataRef: hasVariables ? null : stored.dataRef }
}

export async function prepareSend(
	env: Env,
	config: Config,
	business: BusinessRecord,
	state: ConversationState,
	requested: BusinessMessage,
): Promise<PreparedSend> {
	const { message, templateId, reusableDataRef } = await resolveTemplate(env, business, requested)
	if (message.type === 'applePay' || message.type === 'authenticate') {
		throw unprocessable(`${message.type} needs the hosted flows, which this deployment does not offer yet`, [{ path: 'message.type', message: 'not supported yet' }])
	}
	const resolved = message as ResolvedMessage
	const fit = fitToDevice(resolved, { capabilities: state.capabilities, deviceAgent: state.deviceAgent })

	let images
	try {
		images = await fetchImages([...collectImageRefs(resolved), ...collectImageRefs(fit.message)], config.ENVIRONMENT)
	} catch (err) {
		if (err instanceof ImageFetchError) throw unprocessable('image could not be fetched', [{ path: 'message', message: `${err.url}: ${err.message}` }])
		throw err
	}
	const problems = preflight(message, { now: Date.now(), images })
	if (problems.length > 0) throw unprocessable('Apple would reject this message', issues(problems))

	const messageId = crypto.randomUUID()
	let appleBody
	try {
		appleBody = renderAppleBody(fit.message, {
			messageId,
			businessId: business.settings.businessId,
			customerId: state.customerId,
			requestIdentifier: crypto.randomUUID(),
			images,
			...(state.locale ? { locale: state.locale } : {}),
		})
	} catch (err) {
		if (err instanceof RenderError) throw unprocessable('message cannot be rendered', [{ path: `message.${err.path}`, message: err.message }])
		throw err
	}
	// Our own output is checked against Apple's schema: a renderer bug must not reach Apple.
	const checked = AppleMessageBodySchema.safeParse(appleBody)
	if (!checked.success) {
		console.error('rendered body failed Apple schema', checked.error.issues.slice(0, 5))
		throw unprocessable('message cannot be rendered for Apple', checked.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })))
	}
	const body = appleBody as OutboundJob['appleBody']
	const interactive = body.type === 'interactive'
	if (interactive && reusableDataRef && fit.rendered === 'original') {
		// Apple keeps the payload; resend it by reference (spec core §4.8).
		const { interactiveData: _drop, ...envelope } = body as Record<string, unknown>
		const byRef = { ...envelope, interactiveDataRef: reusableDataRef } as unknown as OutboundJob['appleBody']
		return { messageType: requested.type, rendered: fit.rendered, job: { messageId, messageType: requested.type, rendered: fit.rendered, appleBody: byRef, autoReply: fit.message.bot === true, includeDataRef: false, templateId } }
	}
	const large = interactive && JSON.stringify(body).length > DATA_REF_THRESHOLD_BYTES
	return {
		messageType: requested.type,
		rendered: fit.rendered,
		job: {
			messageId,
			messageType: requested.type,
			rendered: fit.rendered,
			appleBody: body,
			autoReply: fit.message.bot === true,
			// Templates are reused: ask Apple for a reference the next send can use.
			includeDataRef: interactive && (large || templateId !== null),
			templateId,
		},
	}
}

