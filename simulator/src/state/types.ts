/** Records the simulator keeps; plain data so they cross the Durable Object RPC boundary. */

export const DEVICE_KINDS = ['iphone', 'iphone-old', 'mac'] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]

export interface Customer {
	id: string
	name: string
	device: DeviceKind
	locale: string
	/** E.164; the phone directory invitations are delivered through (null: none). */
	phoneNumber: string | null
	createdAt: number
}

export interface Conversation {
	customerId: string
	businessId: string
	intent: string | null
	group: string | null
	/** Whether the first customer message (the one carrying intent/group) went out. */
	firstSent: boolean
	closed: boolean
	/** Closed with "block": the business can no longer write (docs/apple-protocol.md §4.6). */
	blocked: boolean
	createdAt: number
}

export type Sender = 'business' | 'customer'

/** A business as Apple Business Register knows it (state/business-directory.ts). */
export interface BusinessRecord {
	id: string
	name: string
	/** Where its webhooks go, as told to the MSP (null: not recorded). */
	webhookUrl: string | null
	updatedAt: number
}

/**
 * Something Apple accepts (200) but that hurts the customer, e.g. time slots in the past or an
 * iMessage app without an icon: Apple's own samples send both. The message is delivered; the
 * device page shows the warning beside its bubble.
 */
export interface GatewayWarning {
	rule: string
	/** Where in the body, e.g. `interactiveData.data.event.timeslots[0].startTime`. */
	path: string
	message: string
}

export interface StoredMessage {
	seq: number
	id: string
	customerId: string
	businessId: string
	sender: Sender
	type: string
	/** `/v1/message` or `/v1/authenticate` for business messages; `msp` for customer ones. */
	endpoint: string
	body: Record<string, unknown>
	/** For an interactiveDataRef sent by the business: the interactiveData it stands for. */
	resolvedInteractive: Record<string, unknown> | null
	/**
	 * Business messages: the optional headers that came with them (`auto-reply`, `msp-agent`,
	 * `include-data-ref`); customer messages: the `capability-list` and `device-agent` sent.
	 */
	headers: Record<string, string>
	/** Business messages: what Apple accepted but would hurt the customer (shown on the device page). */
	warnings: GatewayWarning[]
	/** Customer messages: the MSP's answer. */
	mspStatus: number | null
	mspResponse: string | null
	at: number
}

export type BlobOrigin = 'msp-upload' | 'device-upload' | 'data-ref'

export interface BlobRecord {
	id: string
	url: string
	owner: string
	/** Business allowed to preDownload it (null: any). */
	businessId: string | null
	origin: BlobOrigin
	expectedSize: number
	size: number | null
	/** base64 of 0x01 ‖ SHA-1(ciphertext), as the upload answer's fileChecksum. */
	checksum: string | null
	state: 'reserved' | 'uploaded'
	meta: Record<string, unknown> | null
	createdAt: number
}

export interface RejectionRecord {
	seq: number
	at: number
	method: string
	path: string
	status: number
	rule: string
	message: string
	customerId: string | null
	businessId: string | null
	/** Request headers (Authorization redacted) and an excerpt of the body. */
	request: { headers: Record<string, string>; body: string | null }
}

export interface DataRefRecord {
	url: string
	businessId: string
	bid: string
	title: string | null
	interactiveData: Record<string, unknown>
	dataRef: Record<string, unknown>
	createdAt: number
}

export interface InboxEvent {
	seq: number
	at: number
	webhookId: string | null
	eventType: string | null
	verified: boolean
	detail: string
	status: number
	headers: Record<string, string>
	body: string
}

export interface MerchantSession {
	id: string
	initiativeContext: string
	body: Record<string, unknown>
	createdAt: number
}

export interface Switches {
	/** Send every interactive reply twice: new id, same sessionIdentifier + requestIdentifier (docs/apple-protocol.md §1.6). */
	duplicateInteractiveReplies: boolean
	/** Replies whose JSON exceeds this many bytes go as interactiveDataRef (docs/apple-interactive.md §3.2: 10 KB). */
	idrThresholdBytes: number
	/** `/v1/decodePayload` answers `{interactiveData: …}` instead of the bare dict (docs/apple-interactive.md §3.2 [U]). */
	decodePayloadWrapped: boolean
	/** Accept business messages to customers the simulator never created. */
	acceptUnknownDestinations: boolean
	/** Status `/inbox/webhook` answers after recording (to exercise the MSP's retries). */
	inboxRespondStatus: number
	/** whsec_ secret to check inbox signatures (overrides INBOX_WEBHOOK_SECRET). */
	inboxWebhookSecret: string | null
	/** Fault injection: the next N `/v1/message`/`/v1/authenticate` calls with a valid token fail. */
	failNextMessages: number
	/** Status those injected failures answer (Apple documents 500 for server errors, docs/apple-protocol.md §1.6). */
	failureStatus: number
}

export const DEFAULT_SWITCHES: Switches = {
	duplicateInteractiveReplies: false,
	idrThresholdBytes: 10 * 1024,
	decodePayloadWrapped: false,
	acceptUnknownDestinations: false,
	inboxRespondStatus: 204,
	inboxWebhookSecret: null,
	failNextMessages: 0,
	failureStatus: 500,
}
