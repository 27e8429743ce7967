declare module 'cloudflare:test' {
	interface ProvidedEnv extends Cloudflare.Env {
		APPLE_API_SECRET_PREVIOUS: string
	}
}
