import { isDeepStrictEqual } from 'node:util';
import { getFault } from '../../../harness/faults/registry.js';
import { armCheck, readCheck, type CheckOutcome } from '../../../harness/transport/check-outcome.js';
import { runInModel, type ModelRun, type ModelState } from './run.js';

export type Role = 'dc' | 'srv' | 'ws';

export interface ProofOptions {
  readonly role?: Role;
  /** Extra state over the role's baseline (a GPO-set value, a second NIC …). */
  readonly state?: ModelState;
  readonly constrained?: boolean;
}

export interface ProofStep {
  readonly phase: 'applicable' | 'snapshot' | 'check-before' | 'inject' | 'check-drifted' | 'revert' | 'check-after';
  readonly run: ModelRun;
  /** For checks and the applicability test: what chaoslab reads from the run. */
  readonly outcome?: CheckOutcome;
}

export interface FaultProof {
  readonly steps: readonly ProofStep[];
  readonly baseline: ModelState;
  readonly final: ModelState;
  /** Empty when the fault is sound: applicable, compliant, drifted after inject, compliant after revert, state as before. */
  readonly problems: readonly string[];
}

/**
 * What `chaoslab selftest` proves on a real host, here in real pwsh against the
 * model: snapshot → check compliant → inject → check drifted → revert → check
 * compliant → the whole model state equal to what it was before the snapshot.
 * Each step runs the exact script the fault builds, in its own pwsh process, on
 * the state the previous one left.
 */
export async function proveFault(name: string, params: Record<string, unknown>, options: ProofOptions = {}): Promise<FaultProof> {
  const fault = getFault(name);
  if (!fault) throw new Error(`no built-in fault named ${name}`);
  const commands = fault.build(fault.params.parse(params));
  const constrained = options.constrained ?? false;
  const steps: ProofStep[] = [];
  const problems: string[] = [];
  const first = await runInModel('exit 0', { role: options.role ?? 'srv', ...(options.state && { state: options.state }) });
  const baseline = first.state;
  let state = baseline;
  const step = async (phase: ProofStep['phase'], script: string, isCheck: boolean): Promise<ProofStep> => {
    // a check is read as chaoslab reads it: armed with a nonce, its verdict marker first
    const armed = isCheck ? armCheck(script) : { script };
    const run = await runInModel(armed.script, { state, constrained });
    state = run.state;
    const done: ProofStep = { phase, run, ...(isCheck && { outcome: readCheck({ ...run, durationMs: 0 }, armed.nonce) }) };
    steps.push(done);
    return done;
  };
  const expectOutcome = (done: ProofStep, kind: CheckOutcome['kind']) => {
    if (done.outcome?.kind !== kind) problems.push(`${done.phase}: expected ${kind}, got ${describe(done)}`);
  };
  const expectSuccess = (done: ProofStep) => {
    if (done.run.exitCode !== 0) problems.push(`${done.phase}: exited ${done.run.exitCode}: ${(done.run.stderr || done.run.stdout).trim().slice(0, 600)}`);
  };

  if (commands.applicable !== undefined) expectOutcome(await step('applicable', commands.applicable, true), 'compliant');
  let snapshot = '';
  if (commands.snapshot !== undefined) {
    const done = await step('snapshot', commands.snapshot, false);
    expectSuccess(done);
    snapshot = done.run.stdout.trim();
  }
  expectOutcome(await step('check-before', commands.check, true), 'compliant');
  expectSuccess(await step('inject', commands.inject, false));
  expectOutcome(await step('check-drifted', commands.check, true), 'drifted');
  expectSuccess(await step('revert', commands.revert(snapshot), false));
  expectOutcome(await step('check-after', commands.check, true), 'compliant');
  if (!isDeepStrictEqual(state, baseline)) problems.push(`the state after revert differs from the baseline:\n${stateDiff(baseline, state)}`);
  return { steps, baseline, final: state, problems };
}

/** Runs one of a fault's checks on a given state (for probe-error cases: access denied, CIM failure). */
export async function checkInModel(name: string, params: Record<string, unknown>, state: ModelState, constrained = false): Promise<{ run: ModelRun; outcome: CheckOutcome }> {
  const fault = getFault(name);
  if (!fault) throw new Error(`no built-in fault named ${name}`);
  const armed = armCheck(fault.build(fault.params.parse(params)).check);
  const run = await runInModel(armed.script, { state, constrained });
  return { run, outcome: readCheck({ ...run, durationMs: 0 }, armed.nonce) };
}

function describe(done: ProofStep): string {
  const outcome = done.outcome;
  const text = (done.run.stderr || done.run.stdout).trim().slice(0, 600);
  return `${outcome?.kind ?? 'nothing'} (exit ${done.run.exitCode})${text ? `: ${text}` : ''}`;
}

/** Top-level keys whose JSON differs, each before → after: enough to see what a revert missed. */
export function stateDiff(before: ModelState, after: ModelState): string {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => !isDeepStrictEqual(before[key], after[key]))
    .map((key) => `  ${key}:\n    before ${JSON.stringify(before[key])}\n    after  ${JSON.stringify(after[key])}`)
    .join('\n');
}
