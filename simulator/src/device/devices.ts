/**
 * What each simulated device tells the MSP in the `capability-list` and `device-agent`
 * headers (docs/apple-protocol.md §3, §6.1): forms and iMessage apps exist only on iPhone and
 * iPad; AUTH2 came with iOS 16 / macOS 13; old iOS knows only list and time pickers.
 */
import type { DeviceKind } from '../state/types'

export interface DeviceProfile {
	label: string
	capabilities: readonly string[]
	deviceAgent: string
	/** iMessage apps run on iPhone and iPad only; no capability announces them (§6.1). */
	iMessageApps: boolean
}

export const DEVICES: Record<DeviceKind, DeviceProfile> = {
	iphone: { label: 'iPhone (iOS 18)', capabilities: ['AUTH', 'AUTH2', 'FORM', 'LIST', 'QUICK', 'TIME'], deviceAgent: 'iPhone OS', iMessageApps: true },
	'iphone-old': { label: 'iPhone (old iOS)', capabilities: ['LIST', 'TIME'], deviceAgent: 'iPhone OS', iMessageApps: true },
	mac: { label: 'Mac (macOS 15)', capabilities: ['AUTH2', 'LIST', 'QUICK', 'TIME'], deviceAgent: 'Mac OS X', iMessageApps: false },
}
