/** Pieces shared by the interactive checks (docs/apple-interactive.md §2). */
import { z } from 'zod'

/** Apple-provided types use team id 0000000000 and Apple's business extension (§2.2). */
export const APPLE_BID = 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension'
export const BID_PATTERN = /^com\.apple\.messages\.MSMessageExtensionBalloonPlugin:[^:\s]+:[^:\s]+$/

/** `receivedMessage` / `replyMessage` bubble (§2.4). */
export const Bubble = z.object({
	title: z.string().optional(),
	subtitle: z.string().optional(),
	secondarySubtitle: z.string().optional(),
	tertiarySubtitle: z.string().optional(),
	imageTitle: z.string().optional(),
	imageSubtitle: z.string().optional(),
	imageIdentifier: z.string().optional(),
	style: z.enum(['icon', 'small', 'large'], { error: 'style must be icon, small or large' }).optional(),
})
export type Bubble = z.infer<typeof Bubble>

export const ImageEntry = z.object({
	identifier: z.string().min(1),
	data: z.string().min(1),
})

export const nonEmptyString = z.string().trim().min(1)

/** Every `imageIdentifier` anywhere in the payload, to check each is in `data.images` (§2.3). */
export function collectImageIdentifiers(value: unknown, path = 'interactiveData', out: Array<[string, string]> = []) {
	if (Array.isArray(value)) {
		for (const [i, v] of value.entries()) collectImageIdentifiers(v, `${path}[${i}]`, out)
	} else if (typeof value === 'object' && value !== null) {
		for (const [k, v] of Object.entries(value)) {
			if (k === 'imageIdentifier' && typeof v === 'string') out.push([`${path}.${k}`, v])
			else if (k !== 'images') collectImageIdentifiers(v, `${path}.${k}`, out)
		}
	}
	return out
}
