import { componentLogger, type Logger } from '@tandem/protocol';
import { killMembers, listPids, readProcStat, readRssBytes } from './proc.js';

export const DEFAULT_RSS_INTERVAL_MS = 250;

interface Watch {
  limitBytes: number;
  onExceeded: (rssBytes: number) => void;
}

/**
 * The memory limit where no cgroup can be had: every `intervalMs` it sums the RSS of
 * each watched process group and SIGKILLs a group that is over its limit. One scan of
 * /proc serves every watched group. Coarse: a fast allocation can overshoot between
 * two scans, and a process that leaves its group (setsid) escapes.
 */
export class RssMonitor {
  private readonly watches = new Map<number, Watch>();
  private readonly intervalMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;

  constructor(options: { intervalMs?: number; logger?: Logger } = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_RSS_INTERVAL_MS;
    this.log = componentLogger('rss-monitor', options.logger);
  }

  /** Watches process group `pgid`; returns the function that stops watching it. */
  watch(pgid: number, limitBytes: number, onExceeded: (rssBytes: number) => void): () => void {
    const w: Watch = { limitBytes, onExceeded };
    this.watches.set(pgid, w);
    this.timer ??= setInterval(() => void this.scan(), this.intervalMs).unref();
    void this.scan();
    return () => {
      if (this.watches.get(pgid) === w) this.watches.delete(pgid);
      if (this.watches.size === 0) this.stop();
    };
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: sums RSS per watched group, kills the groups over their limit. */
  async scan(): Promise<void> {
    if (this.scanning || this.watches.size === 0) return;
    this.scanning = true;
    try {
      const totals = new Map<number, number>();
      const members = new Map<number, number[]>();
      const pids = await listPids();
      await Promise.all(
        pids.map(async (pid) => {
          const stat = await readProcStat(pid);
          if (!stat || !this.watches.has(stat.pgrp) || stat.state === 'Z') return;
          const rss = await readRssBytes(pid);
          totals.set(stat.pgrp, (totals.get(stat.pgrp) ?? 0) + rss);
          members.set(stat.pgrp, [...(members.get(stat.pgrp) ?? []), pid]);
        }),
      );
      for (const [pgid, rss] of totals) {
        const w = this.watches.get(pgid);
        if (!w || rss <= w.limitBytes) continue;
        this.log.warn({ pgid, rssBytes: rss, limitBytes: w.limitBytes }, 'process group over its memory limit; SIGKILL');
        this.watches.delete(pgid);
        // The wrapper shell (the group leader) survives to record the exit status.
        killMembers(pgid, members.get(pgid) ?? []);
        w.onExceeded(rss);
      }
      if (this.watches.size === 0) this.stop();
    } catch (err) {
      this.log.warn({ err }, 'RSS scan failed');
    } finally {
      this.scanning = false;
    }
  }
}
