import type { HostConfig, LabConfig } from '../config/lab-schema.js';
import { protectedPlane } from '../config/validate-lab.js';
import { mayBeStopped } from '../config/windows-protect.js';
import type { Clock } from '../core/clock.js';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { excerpt } from '../core/redact.js';
import type { Observer, ObserverContext } from '../observers/observer.js';
import type { ObserverConfig } from '../config/observer-schema.js';
import { ps, sh } from '../quoting/shell.js';
import type { Transport } from '../transport/transport.js';
import { measureSkew } from './skew.js';

export type DoctorCheckName = 'login' | 'command' | 'clock' | 'services' | 'observer';

export interface DoctorCheck {
  /** Host or observer name. */
  readonly subject: string;
  readonly check: DoctorCheckName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  readonly ok: boolean;
}

export interface DoctorDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The host's transport, shared by its checks and the observers that read it; the caller closes them. */
  readonly transportFor: (host: string) => Transport;
  readonly observerFor: (config: ObserverConfig, context: ObserverContext) => Observer;
  readonly resolveSecret: (ref: string) => Promise<string>;
  readonly evidenceDir: string;
  /** Per check; a probe that hangs is a failed check, not a hung doctor. */
  readonly timeoutMs?: number;
}

const MARKER = 'chaoslab-doctor-ok';

/**
 * Checks that a lab is fit to run scenarios, without injecting anything: per
 * host, login, a trivial command, clock skew against the lab's tolerance and
 * the protected services; then every observer's probe. Hosts run in parallel;
 * the caller owns the transports and closes them.
 */
export async function runDoctor(lab: LabConfig, deps: DoctorDeps): Promise<DoctorReport> {
  const hostChecks = await Promise.all(lab.hosts.map((host) => checkHost(lab, host, deps.transportFor(host.name), deps)));
  const observerChecks = await Promise.all(lab.observers.map((config) => checkObserver(lab, config, deps)));
  const checks = [...hostChecks.flat(), ...observerChecks];
  return { checks, ok: checks.every((check) => check.ok) };
}

async function checkHost(lab: LabConfig, host: HostConfig, transport: Transport, deps: DoctorDeps): Promise<DoctorCheck[]> {
  const timeoutMs = deps.timeoutMs ?? 20_000;
  const subject = host.name;
  try {
    await transport.probe({ timeoutMs });
  } catch (error) {
    return [{ subject, check: 'login', ok: false, detail: errorMessage(error) }];
  }
  const checks: DoctorCheck[] = [{ subject, check: 'login', ok: true, detail: `${host.transport.kind} as ${host.transport.kind === 'docker-exec' ? (host.transport.user ?? 'default user') : host.transport.user}` }];
  checks.push(await attempt(subject, 'command', async () => {
    const result = await transport.exec(transport.shell === 'posix' ? sh`echo ${MARKER}` : ps`Write-Output ${MARKER}`, { timeoutMs });
    const ok = result.exitCode === 0 && result.stdout.trim() === MARKER;
    return { ok, detail: ok ? `exit 0 in ${result.durationMs} ms` : `exit ${result.exitCode}, stdout ${JSON.stringify(excerpt(result.stdout.trim(), 80))}, stderr ${JSON.stringify(excerpt(result.stderr.trim(), 120))}` };
  }));
  checks.push(await attempt(subject, 'clock', async () => {
    const skew = await measureSkew(transport, deps.clock);
    const ok = Math.abs(skew.skewMs) - skew.uncertaintyMs <= lab.clock_skew_tolerance;
    return { ok, detail: `${skew.skewMs >= 0 ? '+' : ''}${skew.skewMs} ms ±${skew.uncertaintyMs} ms (tolerance ${lab.clock_skew_tolerance} ms)` };
  }));
  checks.push(await attempt(subject, 'services', () => checkServices(lab, host, transport, timeoutMs)));
  return checks;
}

/** Protected services must be running; a protected name that does not exist on this host is listed, not failed. */
async function checkServices(lab: LabConfig, host: HostConfig, transport: Transport, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  // On Windows the plane includes WinRM, HTTP.sys, sshd, Netlogon and a DC's directory services (defaultWindowsProtect).
  const services = [...new Map(protectedPlane(lab, host).services.map((name) => [name.toLowerCase(), name])).values()];
  if (services.length === 0) return { ok: true, detail: 'no protected services declared' };
  const result = await transport.exec(transport.shell === 'posix' ? posixServiceStates(services) : powershellServiceStates(services), { timeoutMs });
  const states = new Map(result.stdout.split(/\r?\n/).filter(Boolean).map((line) => line.split('\t') as [string, string]));
  const idle = services.filter((name) => states.get(name) === 'stopped' && host.platform === 'windows' && mayBeStopped(host, name));
  const stopped = services.filter((name) => states.get(name) === 'stopped' && !idle.includes(name));
  const unknown = services.filter((name) => !states.has(name));
  const running = services.filter((name) => states.get(name) === 'running');
  const absent = services.filter((name) => states.get(name) === 'absent');
  const parts = [running.length && `running: ${running.join(', ')}`, stopped.length && `STOPPED: ${stopped.join(', ')}`, absent.length && `not on this host: ${absent.join(', ')}`, idle.length && `stopped, not needed by a local account: ${idle.join(', ')}`, unknown.length && `unreadable: ${unknown.join(', ')}`];
  return { ok: stopped.length === 0 && unknown.length === 0, detail: parts.filter(Boolean).join('; ') };
}

function powershellServiceStates(services: readonly string[]): string {
  return ps`foreach ($name in @(${services})) { $svc = Get-Service -Name $name -ErrorAction SilentlyContinue; $state = if (-not $svc) { 'absent' } elseif ($svc.Status -eq 'Running') { 'running' } else { 'stopped' }; Write-Output ($name + "\`t" + $state) }`;
}

/** systemd when it runs; otherwise (containers) a process of that name counts as running. */
function posixServiceStates(services: readonly string[]): string {
  return sh`for name in ${services}; do
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-active --quiet "$name"; then state=running
    elif systemctl cat "$name" >/dev/null 2>&1; then state=stopped
    else state=absent; fi
  elif pgrep -x "$name" >/dev/null 2>&1; then state=running
  else state=absent; fi
  printf '%s\\t%s\\n' "$name" "$state"
done`;
}

async function checkObserver(lab: LabConfig, config: ObserverConfig, deps: DoctorDeps): Promise<DoctorCheck> {
  const context: ObserverContext = {
    clock: deps.clock,
    logger: deps.logger,
    resolveSecret: deps.resolveSecret,
    evidenceDir: deps.evidenceDir,
    transportFor: (name) => {
      if (!lab.hosts.some((candidate) => candidate.name === name)) throw new ChaoslabError('CHAOSLAB_LAB_INVALID', `observer ${config.name} names unknown host ${name}`);
      return deps.transportFor(name);
    },
  };
  return attempt(config.name, 'observer', async () => {
    const observer = deps.observerFor(config, context);
    try {
      await withTimeout(observer.probe(), deps.timeoutMs ?? 20_000, `${config.kind} probe`, deps.clock);
      // a warning, not a failure: an empty table is also what a new lab has
      const warning = observer.coverage ? await withTimeout(observer.coverage(lab.hosts), deps.timeoutMs ?? 20_000, `${config.kind} coverage`, deps.clock) : undefined;
      return { ok: true, detail: `${config.kind} reachable${warning ? `; WARNING: ${warning}` : ''}` };
    } finally {
      await observer.close().catch(() => undefined);
    }
  });
}

async function attempt(subject: string, check: DoctorCheckName, run: () => Promise<{ ok: boolean; detail: string }>): Promise<DoctorCheck> {
  try {
    return { subject, check, ...(await run()) };
  } catch (error) {
    return { subject, check, ok: false, detail: errorMessage(error) };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, clock: Clock): Promise<T> {
  const cancel = new AbortController();
  const timeout = clock.sleep(ms, cancel.signal).then(() => {
    throw new Error(`${what} gave no answer within ${ms} ms`);
  });
  timeout.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    cancel.abort();
  }
}

/** The report as an aligned text table. */
export function formatDoctorTable(report: DoctorReport): string {
  const rows = [['SUBJECT', 'CHECK', 'STATUS', 'DETAIL'], ...report.checks.map((c) => [c.subject, c.check, c.ok ? 'ok' : 'FAIL', c.detail.replace(/\s+/g, ' ')])];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ').trimEnd());
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0 ? `lab is ready: ${report.checks.length} checks passed` : `${failed} of ${report.checks.length} checks failed: fix the lab before running scenarios`);
  return lines.join('\n');
}
