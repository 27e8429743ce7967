/** The HTML document around every simulator page. */
import { DEVICE_SCRIPT } from './device-script'
import { h, raw, type Raw } from './html'
import { STYLES } from './styles'

export function layout(title: string, attrs: Record<string, string>, content: Raw): string {
	const dataAttrs = Object.entries(attrs).map(([k, v]) => h` data-${k}="${v}"`)
	return `<!doctype html>${h`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${raw(STYLES)}</style></head>
<body${dataAttrs}>${content}<div id="toast" class="notice" data-testid="toast" hidden style="position:fixed;bottom:16px;left:50%;transform:translateX(-50%)"></div>
<script>${raw(DEVICE_SCRIPT)}</script></body></html>`}`
}
