/**
 * What running commands costs a modelled Windows machine: CPU time on N vCPUs,
 * shared by everything runnable (processor sharing: with more runnable work
 * than vCPUs every piece slows in proportion). Figures are defaults, each
 * configurable, chosen as follows:
 *
 * - Starting powershell.exe (Windows PowerShell 5.1) loads the .NET runtime,
 *   the engine and its default modules before the first line runs: 0.35 s of
 *   one vCPU by default, an estimate for a small server VM, not a measurement
 *   of one (there is no Windows here; the bench prints the figure it used).
 * - The first use of a CDXML module (NetSecurity, DnsClient, SmbShare,
 *   ScheduledTasks: what the Windows checks call) imports it into the process:
 *   0.3 s of one vCPU by default, also an estimate. A process per command pays
 *   it every time; a long-lived host once.
 * - cmd.exe starts in a few milliseconds of CPU.
 * - A short check script in an already-running PowerShell (CIM/registry
 *   read, one comparison) costs tens of milliseconds.
 * - `backgroundJobs`: work the machine does anyway (AD DS, DNS, the healer
 *   agent), as permanently runnable single-threaded jobs.
 *
 * Time comes from a ModelClock, so unit tests drive it by hand.
 */
export interface ModelClock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realTime: ModelClock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

export interface CostModelOptions {
  readonly vcpus: number;
  readonly powershellStartCpuMs?: number;
  readonly moduleImportCpuMs?: number;
  readonly cmdStartCpuMs?: number;
  readonly scriptCpuMs?: number;
  readonly backgroundJobs?: number;
  readonly clock?: ModelClock;
}

export type WorkKind = 'powershell_start' | 'module_import' | 'cmd_start' | 'script';

interface Job {
  remaining: number;
  readonly kind: WorkKind;
  readonly done: () => void;
}

export interface CostStats {
  powershellStarts: number;
  /** Most powershell.exe starts in progress at one moment. */
  peakConcurrentPowershellStarts: number;
  /** Most jobs runnable at one moment (background included). */
  peakRunnable: number;
  /** CPU ms spent, by kind. */
  cpuMs: Record<WorkKind, number>;
}

export class CostModel {
  readonly powershellStartCpuMs: number;
  readonly moduleImportCpuMs: number;
  readonly cmdStartCpuMs: number;
  readonly scriptCpuMs: number;
  readonly stats: CostStats = { powershellStarts: 0, peakConcurrentPowershellStarts: 0, peakRunnable: 0, cpuMs: { powershell_start: 0, module_import: 0, cmd_start: 0, script: 0 } };
  private readonly jobs = new Set<Job>();
  private readonly clock: ModelClock;
  private lastUpdate: number;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: CostModelOptions) {
    this.powershellStartCpuMs = options.powershellStartCpuMs ?? 350;
    this.moduleImportCpuMs = options.moduleImportCpuMs ?? 300;
    this.cmdStartCpuMs = options.cmdStartCpuMs ?? 5;
    this.scriptCpuMs = options.scriptCpuMs ?? 40;
    this.clock = options.clock ?? realTime;
    this.lastUpdate = this.clock.now();
  }

  /** Resolves once `cpuMs` of one vCPU has been given to this work. */
  work(cpuMs: number, kind: WorkKind): Promise<void> {
    this.advance();
    this.stats.cpuMs[kind] += cpuMs;
    if (kind === 'powershell_start') this.stats.powershellStarts += 1;
    return new Promise<void>((resolve) => {
      this.jobs.add({ remaining: cpuMs, kind, done: resolve });
      this.stats.peakRunnable = Math.max(this.stats.peakRunnable, this.jobs.size + (this.options.backgroundJobs ?? 0));
      const starting = [...this.jobs].filter((job) => job.kind === 'powershell_start').length;
      this.stats.peakConcurrentPowershellStarts = Math.max(this.stats.peakConcurrentPowershellStarts, starting);
      this.reschedule();
    });
  }

  /** Each runnable job's share of one vCPU right now. */
  rate(): number {
    const runnable = this.jobs.size + (this.options.backgroundJobs ?? 0);
    return runnable === 0 ? 1 : Math.min(1, this.options.vcpus / runnable);
  }

  /** Gives every job its share of the time since the last update; finishes the ones that are done. */
  private advance(): void {
    const now = this.clock.now();
    const elapsed = now - this.lastUpdate;
    this.lastUpdate = now;
    if (elapsed <= 0 || !this.jobs.size) return;
    const share = elapsed * this.rate();
    for (const job of this.jobs) {
      job.remaining -= share;
      // A sub-microsecond rest is float noise, not work.
      if (job.remaining <= 1e-6) {
        this.jobs.delete(job);
        job.done();
      }
    }
  }

  private reschedule(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (!this.jobs.size) return;
    const next = Math.min(...[...this.jobs].map((job) => job.remaining));
    this.cancelTimer = this.clock.after(next / this.rate(), () => {
      this.advance();
      this.reschedule();
    });
  }
}
