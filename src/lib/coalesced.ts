/**
 * One run at a time of an async task inside a Durable Object. A call while a run is in
 * progress does not start a second one: it asks the current run to go once more and shares
 * its promise, so work requested mid-run (a new event, a new send) is never missed and
 * never done twice in parallel (which would reorder it).
 */
export class Coalesced {
	private running: Promise<void> | null = null
	private pending = false

	constructor(private readonly task: () => Promise<void>) {}

	/** Ask the current run (if any) to run once more after it finishes. */
	again(): void {
		this.pending = true
	}

	run(): Promise<void> {
		if (this.running) {
			this.pending = true
			return this.running
		}
		this.running = (async () => {
			try {
				do {
					this.pending = false
					await this.task()
				} while (this.pending)
			} finally {
				this.running = null
			}
		})()
		return this.running
	}
}
