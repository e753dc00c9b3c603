import { z } from 'zod';
import { haltListSchema } from './halt-schema.js';
import { hooksSchema } from './hooks-schema.js';
import { formatDuration } from '../core/duration.js';
import { duration, identifier, platform, tier } from './fields.js';
import { FAIL_ON_KINDS } from './fail-on.js';

export const outcome = z.enum(['heal', 'escalate', 'ignore']);
export type ExpectedOutcome = z.infer<typeof outcome>;

/**
 * The longest step command: real ones are a few lines. Checking a template costs
 * time and memory per character (a 9.5 MB one took 35 s and 1.5 GB), so a longer
 * command is refused by the schema, before its template is read.
 */
export const MAX_COMMAND_CHARS = 64 * 1024;
const command = (empty: string) =>
  z.string().min(1, empty).max(MAX_COMMAND_CHARS, `must be at most ${MAX_COMMAND_CHARS} characters long: put a long script in a file on the host and run that`);

/** The four commands of an explicit fault, run by the target's shell (POSIX sh or PowerShell). */
export const stepsSpec = z.strictObject({
  snapshot: command('must not be empty').optional().meta({ description: 'Captures state; its stdout is available to revert as {{snapshot}}' }),
  inject: command('must be a non-empty command'),
  check: command('must be a non-empty command').meta({ description: 'Exits 0 when the host is compliant' }),
  revert: command('must be a non-empty command'),
});
export type StepsSpec = z.infer<typeof stepsSpec>;

export const faultUse = z.strictObject({
  use: z.string().regex(/^(linux|windows)\.[a-z0-9_]+$/, 'must name a built-in fault like linux.sshd_option'),
  with: z.record(z.string(), z.unknown()).default({}),
});
export type FaultUse = z.infer<typeof faultUse>;

export const expectSpec = z.strictObject({
  outcome,
  tier: tier.optional(),
  runbook: z.string().min(1).optional(),
});
export type ExpectSpec = z.infer<typeof expectSpec>;

export const scenarioSchema = z
  .strictObject({
    kind: z.literal('scenario').optional(),
    id: identifier,
    title: z.string().min(1),
    description: z.string().optional(),
    platform,
    target: z.string().min(1).meta({ description: 'A role or host name from the lab inventory' }),
    check_type: z.string().min(1).meta({ description: 'The name the healing stack uses for this drift' }),
    check_type_aliases: z.array(z.string().min(1)).default([]),
    category: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).default([]),
    resources: z.array(z.string().min(1)).default([]).meta({ description: 'What the fault touches (firewall, sshd, dns…); scenarios on disjoint resources of one host may run together' }),
    sla: duration,
    window: duration,
    hold: duration.default(10_000),
    probe_interval: duration.default(1000),
    expect: expectSpec,
    fault: faultUse.optional(),
    steps: stepsSpec.optional(),
    params: z.record(z.string(), z.unknown()).default({}).meta({ description: 'Values for {{…}} in steps; always quoted for the target shell' }),
    timeout: duration.default(60_000).meta({ description: 'Timeout of each step command' }),
  })
  .superRefine((scenario, ctx) => {
    if (!scenario.fault === !scenario.steps) {
      ctx.addIssue({ code: 'custom', path: ['fault'], message: 'a scenario needs exactly one of `fault` or `steps`' });
    }
    for (const field of ['sla', 'window', 'probe_interval'] as const) {
      if (scenario[field] <= 0) ctx.addIssue({ code: 'custom', path: [field], message: 'must be longer than zero' });
    }
    if (scenario.window < scenario.sla) {
      ctx.addIssue({ code: 'custom', path: ['window'], message: `must be at least the sla (${formatDuration(scenario.sla)}), got ${formatDuration(scenario.window)}` });
    }
  });
export type Scenario = z.infer<typeof scenarioSchema>;

export const bundleSchema = z.strictObject({
  kind: z.literal('bundle'),
  id: identifier,
  title: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string().min(1)).default([]),
  members: z.array(identifier).min(2, 'a bundle injects at least two scenarios at once'),
  target: z.string().min(1).optional().meta({ description: 'Overrides the members\' target: every member lands on the same host' }),
});
export type Bundle = z.infer<typeof bundleSchema>;

export const gateSpec = z.strictObject({
  min_heal_rate: z.number().min(0).max(1).optional(),
  max_inconclusive: z.number().int().min(0).optional(),
  fail_on: z.array(z.enum(FAIL_ON_KINDS)).default([]).meta({ description: 'The same kinds as the CLI\'s --fail-on' }),
});
export type GateSpec = z.infer<typeof gateSpec>;

export const suiteSchema = z.strictObject({
  kind: z.literal('suite'),
  id: identifier,
  title: z.string().min(1).optional(),
  include: z.array(z.string().min(1)).min(1).meta({ description: 'Globs on scenario or bundle ids (e.g. lin-ssh-*)' }),
  exclude: z.array(z.string().min(1)).default([]),
  repeat: z.number().int().min(1).default(1),
  concurrency: z.number().int().min(1).optional(),
  repeat_spacing: duration.default(0).meta({ description: 'Minimum gap between repeats on the same host and check type (agents suppress flapping)' }),
  gates: gateSpec.optional(),
  /** Emergency stops for this suite, besides the lab's own. */
  halt: haltListSchema,
  /** Commands on the controller for this suite, run after the lab's own hooks. */
  hooks: hooksSchema,
});
export type Suite = z.infer<typeof suiteSchema>;
