import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Tier = 'L1' | 'L2' | 'L3';
export type RuleAction = 'heal' | 'escalate';

export interface Rule {
  readonly id: string;
  readonly checkType: string;
  readonly title: string;
  readonly tier: Tier;
  readonly action: RuleAction;
  readonly runbook: string;
  /** Rules sharing a flap key share one flap counter (as a real agent's did, by accident). */
  readonly flapKey: string;
  readonly cooldownMs: number;
  /** Exits 0 when the host is compliant; any other exit code is drift. */
  readonly detect: string;
  readonly remediate?: string;
  readonly timeoutMs: number;
}

export interface RuleSet {
  readonly rules: readonly Rule[];
  /** Several heals of one flap key inside `flapWindowMs` → further heals are suppressed. */
  readonly flapThreshold: number;
  readonly flapWindowMs: number;
  /** Drift must still be there this long after it was first seen before the healer acts (debounce). */
  readonly confirmDriftMs: number;
}

/** Rule-file problems name the file, the rule and the field so an operator can fix them. */
export class RuleError extends Error {}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(value: unknown, where: string): number {
  const text = String(value);
  const match = DURATION.exec(text);
  if (!match) throw new RuleError(`${where}: must be a duration like 500ms, 5s or 2m (got ${JSON.stringify(value)})`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
}

function requireString(record: Record<string, unknown>, field: string, where: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.trim() === '') throw new RuleError(`${where}.${field}: must be a non-empty string`);
  return value;
}

function parseRule(value: unknown, where: string, seen: Set<string>): Rule {
  if (typeof value !== 'object' || value === null) throw new RuleError(`${where}: must be a mapping`);
  const record = value as Record<string, unknown>;
  const id = requireString(record, 'id', where);
  if (seen.has(id)) throw new RuleError(`${where}.id: duplicate rule id ${id}`);
  seen.add(id);
  const tier = record.tier ?? 'L1';
  if (tier !== 'L1' && tier !== 'L2' && tier !== 'L3') throw new RuleError(`${where}.tier: must be L1, L2 or L3`);
  const action = record.action ?? 'heal';
  if (action !== 'heal' && action !== 'escalate') throw new RuleError(`${where}.action: must be heal or escalate`);
  const remediate = record.remediate === undefined ? undefined : requireString(record, 'remediate', where);
  if (action === 'heal' && remediate === undefined) throw new RuleError(`${where}.remediate: a heal rule needs a remediate command`);
  return {
    id,
    checkType: requireString(record, 'check_type', where),
    title: typeof record.title === 'string' ? record.title : id,
    tier,
    action,
    runbook: requireString(record, 'runbook', where),
    flapKey: typeof record.flap_key === 'string' ? record.flap_key : id,
    cooldownMs: parseDurationMs(record.cooldown ?? '0s', `${where}.cooldown`),
    detect: requireString(record, 'detect', where),
    remediate,
    timeoutMs: parseDurationMs(record.timeout ?? '30s', `${where}.timeout`),
  };
}

export function parseRules(text: string, file: string): RuleSet {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new RuleError(`${file}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { rules?: unknown }).rules)) {
    throw new RuleError(`${file}: expected a mapping with a \`rules\` list`);
  }
  const top = document as { rules: unknown[]; flap_threshold?: unknown; flap_window?: unknown; confirm_drift?: unknown };
  const seen = new Set<string>();
  const rules = top.rules.map((rule, index) => parseRule(rule, `${file} rules[${index}]`, seen));
  const flapThreshold = Number(top.flap_threshold ?? 3);
  if (!Number.isInteger(flapThreshold) || flapThreshold < 1) throw new RuleError(`${file} flap_threshold: must be a positive integer`);
  return {
    rules,
    flapThreshold,
    flapWindowMs: parseDurationMs(top.flap_window ?? '10m', `${file} flap_window`),
    confirmDriftMs: parseDurationMs(top.confirm_drift ?? '0s', `${file} confirm_drift`),
  };
}

export function loadRules(file: string): RuleSet {
  return parseRules(readFileSync(file, 'utf8'), file);
}
