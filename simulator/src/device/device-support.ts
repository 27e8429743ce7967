/**
 * Which business messages a device cannot show. The MSP picks what to send from the
 * `capability-list` of the customer's latest message (docs/apple-protocol.md §6.1), so after the
 * customer switches to an older iPhone or a Mac it may still send what only the old device
 * could show, until the customer writes again. The device then shows a placeholder bubble
 * instead of the picker or form (wording is the simulator's own; Apple documents none).
 */
import type { DeviceKind } from '../state/types'
import { DEVICES } from './devices'
import type { View } from './render'

export interface Unsupported {
	/** The capability (or feature) the device lacks, e.g. `QUICK`, `FORM`, `iMessage apps`. */
	needs: string
	/** The device, as the page names it. */
	device: string
}

function needs(view: View): string | null {
	switch (view.kind) {
		case 'quickReply':
			return 'QUICK'
		case 'listPicker':
			return 'LIST'
		case 'timePicker':
			return 'TIME'
		case 'form':
			return 'FORM'
		case 'authenticate':
			return view.flow === 'new' ? 'AUTH2' : 'AUTH'
		case 'iMessageApp':
			return 'iMessage apps'
		default:
			// Text, attachments, rich links and Apple Pay work on every device (§6.1).
			return null
	}
}

export function unsupportedOn(view: View, device: DeviceKind): Unsupported | null {
	const need = needs(view)
	if (need === null) return null
	const profile = DEVICES[device]
	const supported = need === 'iMessage apps' ? profile.iMessageApps : profile.capabilities.includes(need)
	return supported ? null : { needs: need, device: profile.label }
}
