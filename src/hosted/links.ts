/**
 * Account linking (docs/apple-protocol.md §6.2 [U]): a Messages for Business account id
 * from Apple Business Register is bound to one amb-edge business. Recorded twice, both
 * idempotent: on the object named by the account id (which business it belongs to; a
 * second, different business is a conflict) and on the business (its linked accounts).
 * An account whose id is the business id needs nothing more; for a different id, the inbound
 * path finds the business through the alias (business/directory.ts businessForDestination) and
 * replies go out with the account id as sourceId.
 */
import { businessStub } from '../business/directory'
import type { Env } from '../context'

export interface LinkInput {
	accountId: string
	name: string | null
	logoUrl: string | null
	businessId: string
	/** `operator` or `business:<id>`. */
	linkedBy: string
}

export type LinkResult = { status: 'linked' | 'already'; businessId: string } | { status: 'conflict'; businessId: string } | { status: 'no_business' }

export async function linkAccount(env: Env, input: LinkInput): Promise<LinkResult> {
	const target = await businessStub(env, input.businessId).get()
	if (!target) return { status: 'no_business' }
	const alias = await businessStub(env, input.accountId).claimAccountAlias(input.businessId, input.linkedBy)
	if (alias.status === 'conflict') return { status: 'conflict', businessId: alias.alias.businessId }
	const link = await businessStub(env, input.businessId).recordAccountLink({
		accountId: input.accountId,
		name: input.name,
		logoUrl: input.logoUrl,
		linkedBy: input.linkedBy,
		linkedAt: new Date().toISOString(),
	})
	return { status: alias.status === 'linked' || link.status === 'linked' ? 'linked' : 'already', businessId: input.businessId }
}
