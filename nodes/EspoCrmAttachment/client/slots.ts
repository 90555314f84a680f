/** A bound on the requests in flight: every request of a client takes a slot and gives it back. */
export class Slots {
	private active = 0;

	/** The most slots that were taken at once. */
	peak = 0;

	private readonly waiting: Array<() => void> = [];

	constructor(readonly size: number) {}

	/** Runs `work` in a slot, waiting for one when all are taken (first come, first served). */
	async run<T>(work: () => Promise<T>): Promise<T> {
		if (this.active >= this.size) {
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		} else {
			this.active++;
		}
		this.peak = Math.max(this.peak, this.active);
		try {
			return await work();
		} finally {
			const next = this.waiting.shift();
			if (next) next();
			else this.active--;
		}
	}
}
