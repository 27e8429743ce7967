/**
 * Near-miss keys in a raw `apple` payload: Apple ignores or rejects keys it does not know, and
 * the schema (apple-body.ts) lets unknown keys through on purpose, so a misspelt known key
 * (`listPickerItem`, `quickReply` for `quick-reply`, `timeSlots`, `pageItems`, `url` for
 * `URL`…) would otherwise reach Apple silently. Only keys close to a known one are reported;
 * genuinely new keys pass. Key names from docs/apple-interactive.md §2, §5 and docs/apple-protocol.md §4.
 */
import { INTERACTIVE_DATA_KEYS } from './apple-body'

interface KeyNode {
	keys: readonly string[]
	/** Spellings seen in vendor payloads or other APIs, mapped to Apple's key. */
	aliases?: Readonly<Record<string, string>>
	/** Nodes for object values; applied to each element when the value is an array. */
	children?: Readonly<Record<string, KeyNode>>
}

export interface KeyIssue {
	path: string
	message: string
}

const bubble: KeyNode = {
	keys: ['title', 'subtitle', 'style', 'imageIdentifier', 'secondarySubtitle', 'tertiarySubtitle', 'imageTitle', 'imageSubtitle'],
}
const paymentItem: KeyNode = { keys: ['label', 'amount', 'type', 'identifier', 'detail'] }

const listPicker: KeyNode = {
	keys: ['sections'],
	children: {
		sections: {
			keys: ['title', 'order', 'multipleSelection', 'items'],
			aliases: { listPickerItem: 'items', listPickerItems: 'items' },
			children: {
				items: {
					keys: ['identifier', 'order', 'style', 'title', 'subtitle', 'imageIdentifier'],
					aliases: { id: 'identifier' },
				},
			},
		},
	},
}

const event: KeyNode = {
	keys: ['identifier', 'title', 'timezoneOffset', 'location', 'timeslots'],
	children: {
		timeslots: { keys: ['identifier', 'startTime', 'duration'], aliases: { id: 'identifier' } },
		location: { keys: ['latitude', 'longitude', 'radius', 'title'] },
	},
}

const dynamic: KeyNode = {
	keys: ['version', 'template', 'private', 'data'],
	children: {
		data: {
			keys: ['title', 'startPageIdentifier', 'showSummary', 'splash', 'pages'],
			children: {
				splash: { keys: ['header', 'splashtext', 'buttonTitle', 'imageIdentifier'] },
				pages: {
					keys: [
						'pageIdentifier',
						'type',
						'title',
						'subtitle',
						'nextPageIdentifier',
						'submitForm',
						'multipleSelection',
						'items',
						'pickerTitle',
						'selectedItemIndex',
						'hintText',
						'options',
					],
					// LivePerson's metadata calls items `pageItems`; every wire sample uses `items` (§5.8).
					aliases: { pageItems: 'items' },
					children: {
						items: { keys: ['identifier', 'title', 'value', 'imageIdentifier', 'nextPageIdentifier'] },
						options: {
							keys: [
								'dateFormat',
								'startDate',
								'minimumDate',
								'maximumDate',
								'labelText',
								'required',
								'inputType',
								'maximumCharacterCount',
								'regex',
								'placeholder',
								'prefixText',
								'keyboardType',
								'textContentType',
							],
						},
					},
				},
			},
		},
	},
}

const payment: KeyNode = {
	keys: ['paymentRequest', 'merchantSession', 'endpoints'],
	children: {
		paymentRequest: {
			keys: [
				'applePay',
				'countryCode',
				'currencyCode',
				'total',
				'lineItems',
				'shippingMethods',
				'requiredBillingContactFields',
				'requiredShippingContactFields',
				'shippingType',
				'supportedCountries',
				'billingContact',
				'shippingContact',
				'merchantName',
			],
			children: {
				applePay: { keys: ['merchantIdentifier', 'supportedNetworks', 'merchantCapabilities'] },
				total: paymentItem,
				lineItems: paymentItem,
				shippingMethods: paymentItem,
			},
		},
		endpoints: {
			keys: ['paymentGatewayUrl', 'fallbackUrl', 'orderTrackingUrl', 'paymentMethodUpdateUrl', 'shippingContactUpdateUrl', 'shippingMethodUpdateUrl'],
		},
	},
}

const data: KeyNode = {
	keys: ['version', 'mspVersion', 'requestIdentifier', 'images', ...INTERACTIVE_DATA_KEYS],
	aliases: {
		quickReply: 'quick-reply',
		quickReplies: 'quick-reply',
		timePicker: 'event',
		datePicker: 'event',
		form: 'dynamic',
		applePay: 'payment',
		listPickerItem: 'listPicker',
	},
	children: {
		images: { keys: ['identifier', 'data', 'description'] },
		listPicker,
		event,
		'quick-reply': { keys: ['summaryText', 'items'], children: { items: { keys: ['identifier', 'title'], aliases: { id: 'identifier' } } } },
		dynamic,
		payment,
		authenticate: {
			keys: ['oauth2'],
			children: {
				oauth2: { keys: ['responseType', 'scope', 'state', 'responseEncryptionKey', 'clientSecret', 'redirectURI'] },
			},
		},
	},
}

const BODY: KeyNode = {
	keys: [
		'v',
		'id',
		'type',
		'sourceId',
		'destinationId',
		'locale',
		'body',
		'attachments',
		'interactiveData',
		'interactiveDataRef',
		'richLinkData',
		'richLinkDataRef',
	],
	children: {
		interactiveData: {
			keys: ['bid', 'data', 'receivedMessage', 'replyMessage', 'useLiveLayout', 'sessionIdentifier', 'appId', 'appName', 'appIcon', 'URL'],
			children: { data, receivedMessage: bubble, replyMessage: bubble },
		},
		interactiveDataRef: {
			keys: ['bid', 'url', 'owner', 'size', 'key', 'signature', 'signature-base64', 'title', 'dataRefSig'],
		},
		richLinkData: {
			keys: ['url', 'title', 'assets'],
			children: {
				assets: {
					keys: ['image', 'video'],
					children: { image: { keys: ['data', 'mimeType'] }, video: { keys: ['url', 'mimeType'] } },
				},
			},
		},
		attachments: { keys: ['name', 'mimeType', 'size', 'signature-base64', 'url', 'owner', 'key'] },
	},
}

const norm = (key: string) => key.toLowerCase().replace(/[-_\s]/g, '')

function editDistance(a: string, b: string): number {
	let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
	for (let i = 1; i <= a.length; i++) {
		const row = [i]
		for (let j = 1; j <= b.length; j++) {
			row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
		}
		prev = row
	}
	return prev[b.length]!
}

/** The known key an unknown one was probably meant to be, or null when it is not close to any. */
function nearMiss(unknown: string, node: KeyNode): string | null {
	const alias = node.aliases?.[unknown]
	if (alias !== undefined) return alias
	const u = norm(unknown)
	let best: { key: string; score: number } | null = null
	for (const key of node.keys) {
		const k = norm(key)
		let score: number | null = null
		if (k === u) score = 0
		else if (Math.min(k.length, u.length) >= 4 && (k.startsWith(u) || u.startsWith(k))) score = 1
		else {
			const d = editDistance(u, k)
			if (d <= Math.max(1, Math.floor(k.length / 5))) score = 1 + d
		}
		if (score !== null && (best === null || score < best.score)) best = { key, score }
	}
	return best?.key ?? null
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function walk(value: unknown, node: KeyNode, path: string, out: KeyIssue[]) {
	if (Array.isArray(value)) {
		for (const [i, element] of value.entries()) walk(element, node, `${path}[${i}]`, out)
		return
	}
	if (!isRecord(value)) return
	for (const [key, child] of Object.entries(value)) {
		const at = `${path}.${key}`
		if (!node.keys.includes(key)) {
			const meant = nearMiss(key, node)
			if (meant !== null) out.push({ path: at, message: `unknown key "${key}"; Apple's key is "${meant}"` })
			continue
		}
		const childNode = node.children?.[key]
		if (childNode) walk(child, childNode, at, out)
	}
}

/** Misspelt known keys anywhere in a raw Apple body; paths start with `prefix`. */
export function findMisspeltKeys(payload: unknown, prefix = 'payload'): KeyIssue[] {
	const out: KeyIssue[] = []
	walk(payload, BODY, prefix, out)
	return out
}
