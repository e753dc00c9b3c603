import type { z } from 'zod';
import type { Platform } from '../core/platform.js';

/**
 * A built-in fault: typed params → the four commands for the target's shell.
 * Builders quote every parameter with the shell's quoting helpers
 * (harness/quoting), never by pasting strings.
 */
export interface FaultCommands {
  /**
   * Run in preflight, before anything else: exits 0 when this host can take
   * the fault, 1 when it cannot (its output says why: "GPO-managed", "no
   * Defender"…), anything else when it could not tell. A host that cannot is
   * skipped as `not_applicable`, never injected.
   */
  readonly applicable?: string;
  /** Prints the state that revert needs; its stdout is passed to `revert` as `snapshot`. */
  readonly snapshot?: string;
  readonly inject: string;
  /** Exits 0 when the host is compliant (at baseline), 1 when drifted, anything else when it could not tell (a probe error, never drift). */
  readonly check: string;
  /** Receives the snapshot's stdout (trimmed) to restore exactly what was there. */
  readonly revert: (snapshot: string) => string;
}

/** What a fault touches, checked against the host's management plane before anything runs. */
export interface FaultFootprint {
  readonly ports?: readonly number[];
  readonly services?: readonly string[];
  readonly accounts?: readonly string[];
  readonly paths?: readonly string[];
}

export interface FaultDefinition<P = Record<string, unknown>> {
  /** `linux.sshd_option`, `windows.firewall_profiles_off` … */
  readonly name: string;
  readonly platform: Platform;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  /** Resources it touches by default (for the scheduler), e.g. ['sshd']. */
  readonly resources: (params: P) => readonly string[];
  readonly footprint: (params: P) => FaultFootprint;
  readonly build: (params: P) => FaultCommands;
}

/** Erases the parameter type so definitions of different P fit one registry map. */
export function defineFault<P>(definition: FaultDefinition<P>): FaultDefinition<Record<string, unknown>> {
  return definition as unknown as FaultDefinition<Record<string, unknown>>;
}
