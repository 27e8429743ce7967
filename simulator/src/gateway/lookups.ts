/** What the message rules need to know about simulated state (blobs, data refs, sessions). */
import type { BlobRecord, DataRefRecord, MerchantSession } from '../state/types'

export interface GatewayLookups {
	findBlob(url: string): Promise<BlobRecord | null>
	getDataRef(url: string): Promise<DataRefRecord | null>
	getMerchantSession(id: string): Promise<MerchantSession | null>
	nowMs(): number
}
