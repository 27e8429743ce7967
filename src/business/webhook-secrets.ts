/**
 * A business's webhook signing secrets at rest: sealed with DATA_ENCRYPTION_KEY and bound to
 * the business by the AES-GCM additional data. During a rotation the previous secret keeps
 * signing until it expires (docs/webhooks.md "Signatures").
 */
import { openSecret, sealSecret } from '../lib/crypto'
import type { BusinessRecord } from './schema'

export const webhookSecretAad = (businessId: string) => `webhook-secret:${businessId}`

export const sealWebhookSecret = (kek: string, businessId: string, secret: string) => sealSecret(kek, secret, webhookSecretAad(businessId))

/** The secrets that sign right now, newest first. */
export function activeWebhookSecrets(kek: string, business: BusinessRecord, now = Date.now()): Promise<string[]> {
	const live = business.webhookSecrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now)
	return Promise.all(live.map((s) => openSecret(kek, s.sealed, webhookSecretAad(business.settings.businessId))))
}
