/**
 * Per-app totals of this node, for the admin app list and the metrics' `app` label: events
 * published by each app's backends, and each app's refusals by error name (its limits at work).
 * Bounded: one entry per app (and per refusal name, a fixed catalogue); a removed app is
 * dropped with {@link AppCounters.forget}.
 */
export class AppCounters {
  private readonly byApp = new Map<string, { messages: number; refusals: Map<string, number> }>();

  /** Counts one event an app's backend published. */
  message(app: string): void {
    this.entry(app).messages += 1;
  }

  /** Counts one refusal of an app's limit, by its catalogue name (`APP_RATE_LIMITED`...). */
  refusal(app: string, name: string): void {
    const { refusals } = this.entry(app);
    refusals.set(name, (refusals.get(name) ?? 0) + 1);
  }

  /** Events an app's backends published through this node. */
  messages(app: string): number {
    return this.byApp.get(app)?.messages ?? 0;
  }

  /** Every app's refusals, by name. */
  refusals(): Array<{ app: string; name: string; count: number }> {
    const rows: Array<{ app: string; name: string; count: number }> = [];
    for (const [app, entry] of this.byApp) for (const [name, count] of entry.refusals) rows.push({ app, name, count });
    return rows;
  }

  /** Forgets a removed app. */
  forget(app: string): void {
    this.byApp.delete(app);
  }

  private entry(app: string): { messages: number; refusals: Map<string, number> } {
    let entry = this.byApp.get(app);
    if (!entry) {
      entry = { messages: 0, refusals: new Map() };
      this.byApp.set(app, entry);
    }
    return entry;
  }
}
