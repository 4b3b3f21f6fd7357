/** The versions stored of each app (`apps/version/<id>/<version>`), oldest first: kept in memory so no request lists the store. */
export class AppVersions {
  private readonly byApp = new Map<string, string[]>();

  has(id: string, version: string): boolean {
    return this.byApp.get(id)?.includes(version) ?? false;
  }

  /** Oldest first (versions are ISO times). */
  of(id: string): readonly string[] {
    return this.byApp.get(id) ?? [];
  }

  add(id: string, version: string): void {
    const list = this.byApp.get(id) ?? [];
    if (list.includes(version)) return;
    this.byApp.set(id, [...list, version].sort());
  }

  remove(id: string, version: string): void {
    const list = this.byApp.get(id)?.filter((v) => v !== version) ?? [];
    if (list.length > 0) this.byApp.set(id, list);
    else this.byApp.delete(id);
  }

  copy(): AppVersions {
    const out = new AppVersions();
    for (const [id, list] of this.byApp) out.byApp.set(id, list);
    return out;
  }
}
