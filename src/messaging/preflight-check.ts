/**
 * The checks a send runs on a message before it is queued, shared with the template preview so
 * both answer the same status and per-field errors (docs/api.md "Preview answers like a send"):
 * image fetches (422 naming the field), preflight of Apple's known rejections (422 per
 * field), rendering errors (422), and our own output checked against Apple's schema.
 */
import {
	AppleMessageBodySchema,
	type ContentMessage,
	imageFieldsOf,
	preflight,
	RenderError,
	type ResolvedImages,
	type ResolvedMessage,
} from '../apple/outbound'
import { type AppError, unprocessable } from '../lib/errors'
import type { Environment } from '../lib/safe-url'
import type { SendWarning } from '../conversation/outbound'
import { fetchImages, ImageFetchError } from './images'
import { sendWarnings } from './warnings'
import { log } from '../lib/log'

const issues = (list: { path: string; message: string }[]) => list.map((i) => ({ path: `message.${i.path}`.replace(/\.$/, ''), message: i.message }))

/** Where in the business's message an image URL was given (for a 422 naming the field). */
function imagePath(message: ContentMessage & { fallback?: ContentMessage }, url: string): string {
	const own = imageFieldsOf(message).find((f) => f.ref === url)
	if (own) return `message.${own.path}`
	const inFallback = message.fallback && message.fallback.type !== 'template' ? imageFieldsOf(message.fallback).find((f) => f.ref === url) : undefined
	return inFallback ? `message.fallback.${inFallback.path}` : 'message'
}

/** Fetch the images `refs` names and run preflight; refuses with the send's 422s. */
export async function preflightOrRefuse(
	message: ResolvedMessage,
	refs: string[],
	environment: Environment,
): Promise<{ images: ResolvedImages; warnings: SendWarning[] }> {
	let images
	try {
		images = await fetchImages(refs, environment)
	} catch (err) {
		if (err instanceof ImageFetchError) throw unprocessable('image could not be fetched', [{ path: imagePath(message, err.url), message: err.message }])
		throw err
	}
	const problems = preflight(message, { now: Date.now(), images })
	if (problems.length > 0) throw unprocessable('Apple would reject this message', issues(problems))
	return { images, warnings: sendWarnings(message, Date.now()) }
}

/** A renderer's refusal as the send answers it; anything else is rethrown. */
export function renderRefusal(err: unknown): AppError {
	if (err instanceof RenderError) return unprocessable('message cannot be rendered', [{ path: `message.${err.path}`, message: err.message }])
	throw err
}

/** Our own output is checked against Apple's schema: a renderer bug must not reach Apple. */
export function checkRendered(appleBody: unknown): unknown {
	const checked = AppleMessageBodySchema.safeParse(appleBody)
	if (!checked.success) {
		log.error('rendered body failed Apple schema', {
			issues: checked.error.issues
				.slice(0, 5)
				.map((i) => `${i.path.join('.')}: ${i.message}`)
				.join('; '),
		})
		throw unprocessable(
			'message cannot be rendered for Apple',
			checked.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
		)
	}
	return appleBody
}
