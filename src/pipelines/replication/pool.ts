/** Runs tasks with at most `limit` at once; `run` waits while the pool is full (back-pressure). */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const p = task().finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Waits for every task started so far. Tasks must handle their own errors. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}
