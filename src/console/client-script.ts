/** The console page's script, served same-origin at /console/app.js (docs/console.md). */
import { CLIENT_BUILDERS } from './client-builders'
import { CLIENT_COMPOSER } from './client-composer'
import { CLIENT_CORE } from './client-core'
import { CLIENT_THREAD } from './client-thread'

export const CONSOLE_SCRIPT = `;(function () {\n${CLIENT_CORE}\n${CLIENT_THREAD}\n${CLIENT_COMPOSER}\n${CLIENT_BUILDERS}\ninit()\n})()\n`
