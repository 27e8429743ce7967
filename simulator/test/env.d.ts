// Types `env` from cloudflare:workers as the simulator's bindings (simulator tsconfig only;
// the root project keeps its own Cloudflare.Env).
import type { SimEnv } from '../src/env'

declare global {
	namespace Cloudflare {
		interface Env extends SimEnv {}
		interface GlobalProps {
			mainModule: typeof import('../src/index')
			durableNamespaces: 'SimulatorState'
		}
	}
}
