/**
 * iMessage app (custom extension) messages (docs/apple-interactive.md §5.7): a bid of
 * the business's own extension, `appId`, `appName`, `URL` ≤ 64 KB, and no `data` (T-AMB logged
 * Apple's 400 "Third party interactive data disallows use of 'data'"). `appIcon` may be left out
 * (Apple's own sample does, and gets 200): accepted with a warning, the bubble has no icon.
 */
import { z } from 'zod'
import { fail } from '../../lib/rejection'
import type { GatewayWarning } from '../../state/types'
import { parseRule } from '../zod-check'

export const CUSTOM_URL_MAX_BYTES = 64 * 1024

const CustomApp = z.object({
	appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)], { error: 'appId (App Store id) is required' }),
	appName: z.string({ error: 'appName is required' }).min(1),
	appIcon: z.string({ error: 'appIcon must be a base64 string' }).min(1, 'appIcon must not be empty').optional(),
	URL: z.string().optional(),
	receivedMessage: z.object({ title: z.string().optional() }, { error: 'receivedMessage is required' }),
})

export function checkCustomApp(interactiveData: Record<string, unknown>): GatewayWarning[] {
	if (interactiveData.data !== undefined) fail(400, 'custom_app_data', "Third party interactive data disallows use of 'data'")
	const app = parseRule(CustomApp, interactiveData, 'custom_app_schema', 'interactiveData')
	if (app.URL && new TextEncoder().encode(app.URL).length > CUSTOM_URL_MAX_BYTES) {
		fail(400, 'custom_app_url_size', 'interactiveData.URL exceeds 64 KB')
	}
	if (app.appIcon !== undefined) return []
	return [{ rule: 'custom_app_icon_missing', path: 'interactiveData.appIcon', message: 'no app icon: the bubble shows the app without its icon' }]
}
