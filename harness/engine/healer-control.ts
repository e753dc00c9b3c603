import type { HealerControl } from '../config/healer-control-schema.js';
import { healerOf, type HostConfig, type LabConfig } from '../config/lab-schema.js';
import { ChaoslabError } from '../core/errors.js';
import { raw, sh } from '../quoting/shell.js';

/**
 * How a host's healer is held still while `chaoslab selftest` proves a fault:
 * its commands and where they were declared, or `absent` when nothing runs
 * there that could heal (a container host started with no healer).
 */
export type HealerPause =
  | { readonly kind: 'control'; readonly control: HealerControl; readonly source: 'host' | 'lab' | 'container lab' }
  | { readonly kind: 'absent'; readonly why: string };

/**
 * The lab host image starts each healing stack as one process (lab-service
 * writes its pid file). Only that process is stopped, never its process group:
 * a command it had just forked may not have left the group yet and would stop
 * with it, for ever. Its commands under way run to their end and the pause
 * waits for them (zombies aside: a stopped parent cannot reap them), so the
 * paused stack starts nothing new and nothing it had started lands between
 * chaoslab's injection and its revert.
 */
function signalStack(pidFile: string, signal: 'STOP' | 'CONT'): string {
  const settled = signal === 'STOP' ? raw('[ "$s" = T ] && ! ps -o stat= --ppid "$pid" | grep -qv \'^Z\'') : raw('[ "$s" != T ]');
  return sh`pid=$(cat ${pidFile}) && kill -s ${signal} "$pid" && for _ in $(seq 200); do s=$(ps -o stat= -p "$pid" | cut -c1); ${settled} && exit 0; sleep 0.1; done; ps -o pid=,stat=,args= -p "$pid" --ppid "$pid" >&2; exit 1`;
}

const CONTAINER_PID_FILES: Readonly<Record<string, string>> = {
  reference: '/run/chaoslab-healer.pid',
  cfengine: '/run/lab-converge-cfengine.pid',
  puppet: '/run/lab-converge-puppet.pid',
};

/** What the lab host image's stacks need; the same commands a lab could declare itself. */
export function containerHealerControl(profile: string): HealerControl | undefined {
  const pidFile = CONTAINER_PID_FILES[profile];
  if (pidFile === undefined) return undefined;
  return { pause: signalStack(pidFile, 'STOP'), resume: signalStack(pidFile, 'CONT'), timeout: 30_000 };
}

/** The host's own `healer_control`, else the lab's; nothing to pause on a host with `healer: none`; else what a container lab knows of its image; undefined: nobody said how. */
export function healerPauseOf(lab: LabConfig, host: HostConfig): HealerPause | undefined {
  if (host.healer_control) return { kind: 'control', control: host.healer_control, source: 'host' };
  if (lab.healer_control) return { kind: 'control', control: lab.healer_control, source: 'lab' };
  const profile = healerOf(lab, host);
  if (profile === 'none') return { kind: 'absent', why: lab.provider === 'container' ? 'the container runs no healing stack' : 'the inventory says it runs none (healer: none)' };
  if (lab.provider !== 'container' || profile === undefined) return undefined;
  const control = containerHealerControl(profile);
  return control && { kind: 'control', control, source: 'container lab' };
}

/** How each host's healer is held; a host nobody said how to pause stops the self-test here (exit 2), unless --no-pause. */
export function healerPauses(lab: LabConfig, hosts: ReadonlySet<string>, pause: boolean): Map<string, HealerPause | undefined> {
  const pauses = new Map<string, HealerPause | undefined>();
  const missing: string[] = [];
  for (const host of lab.hosts.filter((h) => hosts.has(h.name))) {
    const found = pause ? healerPauseOf(lab, host) : undefined;
    if (pause && !found) missing.push(host.name);
    pauses.set(host.name, found);
  }
  if (missing.length) {
    throw new ChaoslabError(
      'CHAOSLAB_USAGE',
      `no way to pause the healer of ${missing.join(', ')}: declare healer_control {pause, resume} on the host or the lab, or pass --no-pause to prove the faults with the healer running (a heal between inject and check then reads as not_applied)`,
    );
  }
  return pauses;
}
