/**
 * Where a business message carries images, and which of them the platform must fetch.
 * Outbound order of work: fitToDevice → collectImageRefs on the chosen message → fetch the
 * URLs (size-capped) → preflight with the resolved images → renderAppleBody.
 */
import type { Bubble, ContentMessage } from './business-message'
import { parseImageRef } from './image-ref'

/** Why an image is there; size caps differ by use (preflight.ts). */
export type ImageUse = 'richLink' | 'listItem' | 'formItem' | 'bubble' | 'splash' | 'appIcon'

export interface ImageField {
	/** Path inside the message, e.g. `sections[0].items[2].image`. */
	path: string
	ref: string
	use: ImageUse
}

function bubbleImages(out: ImageField[], key: string, bubble: Bubble | undefined) {
	if (bubble?.image !== undefined) out.push({ path: `${key}.image`, ref: bubble.image, use: 'bubble' })
}

/** Every image reference of one message (its fallback not included), in rendering order. */
export function imageFieldsOf(message: ContentMessage): ImageField[] {
	const out: ImageField[] = []
	switch (message.type) {
		case 'richLink':
			if (message.image !== undefined) out.push({ path: 'image', ref: message.image, use: 'richLink' })
			if (message.imageUrl !== undefined) out.push({ path: 'imageUrl', ref: message.imageUrl, use: 'richLink' })
			break
		case 'listPicker':
			bubbleImages(out, 'receivedMessage', message.receivedMessage)
			bubbleImages(out, 'replyMessage', message.replyMessage)
			for (const [s, section] of message.sections.entries()) {
				for (const [i, item] of section.items.entries()) {
					if (item.image !== undefined) out.push({ path: `sections[${s}].items[${i}].image`, ref: item.image, use: 'listItem' })
				}
			}
			break
		case 'form':
			bubbleImages(out, 'receivedMessage', message.receivedMessage)
			bubbleImages(out, 'replyMessage', message.replyMessage)
			if (message.splash?.image !== undefined) {
				out.push({ path: 'splash.image', ref: message.splash.image, use: 'splash' })
			}
			message.pages.forEach((page, p) => {
				if (page.type !== 'select') return
				page.items.forEach((item, i) => {
					if (item.image !== undefined) {
						out.push({ path: `pages[${p}].items[${i}].image`, ref: item.image, use: 'formItem' })
					}
				})
			})
			break
		case 'timePicker':
		case 'authenticate':
			bubbleImages(out, 'receivedMessage', message.receivedMessage)
			bubbleImages(out, 'replyMessage', message.replyMessage)
			break
		case 'applePay':
			bubbleImages(out, 'receivedMessage', message.receivedMessage)
			break
		case 'iMessageApp':
			// Messages ignores bubble images for custom extensions (§2.4); only the icon is sent.
			if (message.appIcon !== undefined) out.push({ path: 'appIcon', ref: message.appIcon, use: 'appIcon' })
			break
		case 'text':
		case 'typing':
		case 'quickReply':
		case 'template':
		case 'apple':
			break
	}
	return out
}

/** The distinct URL images of a message: the platform fetches these and passes them to the renderer. */
export function collectImageRefs(message: ContentMessage): string[] {
	const urls = new Set<string>()
	for (const field of imageFieldsOf(message)) {
		if (parseImageRef(field.ref)?.kind === 'url') urls.add(field.ref)
	}
	return [...urls]
}
