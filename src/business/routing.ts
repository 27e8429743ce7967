/**
 * Routing on entry-point parameters (docs/apple-protocol.md §3.1, a required feature):
 * the first rule whose given fields all equal the conversation's intent/group wins,
 * otherwise the business's default webhook URL.
 */
import type { BusinessSettings } from './schema'

export interface RouteKey {
	intent?: string | null
	group?: string | null
}

export interface ChosenRoute {
	/** Index of the matching rule, or null for the default URL. */
	rule: number | null
	webhookUrl: string
}

export function chooseRoute(settings: Pick<BusinessSettings, 'webhookUrl' | 'routes'>, key: RouteKey): ChosenRoute {
	const rule = settings.routes.findIndex((r) => (r.intent === undefined || r.intent === key.intent) && (r.group === undefined || r.group === key.group))
	return rule === -1 ? { rule: null, webhookUrl: settings.webhookUrl } : { rule, webhookUrl: settings.routes[rule]!.webhookUrl }
}
