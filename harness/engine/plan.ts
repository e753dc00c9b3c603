import { selectorMatches, type Catalogue, type CatalogueBundle, type CatalogueScenario, type CatalogueSuite } from '../config/catalogue.js';
import { overlaidExpect, type ExpectationOverlays } from '../config/expectations.js';
import { healerOf, type HostConfig, type LabConfig } from '../config/lab-schema.js';
import { ChaoslabError } from '../core/errors.js';
import { matchHosts } from '../config/host-match.js';
import { HostPicker, onlyNamedHosts, unknownHosts } from './plan-hosts.js';
import { applyShard } from './plan-shard.js';
import type { Plan, PlanOptions, PlannedAttempt, PlannedBundleRun, PlanSkipReason } from './plan-types.js';

export type { Plan, PlanOptions, PlannedAttempt, PlannedBundleRun, PlanSkipReason, ShardSpec } from './plan-types.js';
export { parseShard } from './plan-shard.js';

type Unit = CatalogueScenario | CatalogueBundle;

/** What an attempt touches: declared resources, else the fault's defaults, else the whole host. */
export function attemptResources(scenario: CatalogueScenario): readonly string[] {
  if (scenario.config.resources.length > 0) return scenario.config.resources;
  const fromFault = scenario.fault ? scenario.fault.definition.resources(scenario.fault.params) : [];
  return fromFault.length > 0 ? [...fromFault] : ['*'];
}

function findSuite(catalogue: Catalogue, id: string): CatalogueSuite {
  const suite = catalogue.suites.find((entry) => entry.config.id === id);
  if (!suite) {
    const known = catalogue.suites.map((entry) => entry.config.id).join(', ') || 'none';
    throw new ChaoslabError('CHAOSLAB_USAGE', `unknown suite "${id}" (suites: ${known})`);
  }
  return suite;
}

/** Entries named by the selectors, in selector order then file order, each once; excludes win. */
function selectUnits(catalogue: Catalogue, include: readonly string[], exclude: readonly string[], strict: boolean): Unit[] {
  const all: Unit[] = [...catalogue.scenarios, ...catalogue.bundles];
  if (include.length === 0) return all.filter((unit) => !exclude.some((glob) => selectorMatches(glob, unit)));
  const chosen = new Set<Unit>();
  for (const selector of include) {
    const matched = all.filter((unit) => selectorMatches(selector, unit));
    if (matched.length === 0 && strict) throw new ChaoslabError('CHAOSLAB_USAGE', `no scenario or bundle matches "${selector}"`);
    for (const unit of matched) chosen.add(unit);
  }
  return [...chosen].filter((unit) => !exclude.some((glob) => selectorMatches(glob, unit)));
}

/** `run --suite full 'lin-ssh-*'`: the selectors pick among the suite's entries, keeping the suite's order. */
function narrowSuite(units: readonly Unit[], suite: CatalogueSuite, selectors: readonly string[]): Unit[] {
  if (selectors.length === 0) return [...units];
  for (const selector of selectors) {
    if (!units.some((unit) => selectorMatches(selector, unit))) throw new ChaoslabError('CHAOSLAB_USAGE', `"${selector}" matches nothing in suite ${suite.config.id}`);
  }
  return units.filter((unit) => selectors.some((selector) => selectorMatches(selector, unit)));
}

function compileGrep(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    throw new ChaoslabError('CHAOSLAB_USAGE', `--grep is not a valid regular expression: ${(error as Error).message}`);
  }
}

function grepMatches(grep: RegExp, unit: Unit): boolean {
  const { id, title, tags } = unit.config;
  return [id, title, ...tags].some((text) => grep.test(text));
}

class PlanBuilder {
  readonly attempts: PlannedAttempt[] = [];
  readonly bundleRuns: PlannedBundleRun[] = [];
  private readonly picker = new HostPicker();
  private readonly scenarios: ReadonlyMap<string, CatalogueScenario>;

  constructor(
    private readonly lab: LabConfig,
    private readonly allHosts: boolean,
    catalogue: Catalogue,
    private readonly expectations: ExpectationOverlays,
    private readonly namedHosts: readonly string[] | undefined,
  ) {
    this.scenarios = new Map(catalogue.scenarios.map((entry) => [entry.config.id, entry]));
  }

  addScenario(scenario: CatalogueScenario, repeatIndex: number): void {
    const match = onlyNamedHosts(matchHosts(this.lab, scenario.config.platform, [scenario.config.target]), this.namedHosts);
    if ('skip' in match) {
      this.attempts.push(this.attempt(scenario, undefined, repeatIndex, { skip: match.skip }));
      return;
    }
    for (const host of this.picker.pick(match.hosts, this.allHosts)) this.attempts.push(this.attempt(scenario, host, repeatIndex, {}));
  }

  addBundle(bundle: CatalogueBundle, repeatIndex: number): void {
    const members = this.members(bundle);
    const platform = members[0]!.config.platform;
    const targets = bundle.config.target ? [bundle.config.target] : [...new Set(members.map((member) => member.config.target))];
    const match = onlyNamedHosts(matchHosts(this.lab, platform, targets), this.namedHosts);
    const hosts: readonly (HostConfig | undefined)[] = 'skip' in match ? [undefined] : this.picker.pick(match.hosts, this.allHosts);
    for (const host of hosts) {
      const where = host?.name ?? targets.join('+');
      const bundleRunId = `${bundle.config.id}@${where}#${repeatIndex}`;
      const extra = { bundleId: bundle.config.id, bundleRunId, ...('skip' in match ? { skip: match.skip } : {}) };
      const memberAttempts = members.map((member) => this.attempt(member, host, repeatIndex, extra, where));
      this.attempts.push(...memberAttempts);
      this.bundleRuns.push({ bundleRunId, bundle, ...(host ? { host } : {}), repeatIndex, attemptIds: memberAttempts.map((a) => a.attemptId) });
    }
  }

  /** Entries dropped by --grep are still listed once, as `filtered` skips, so the report shows them. */
  addFiltered(unit: Unit, grep: string): void {
    const skip = { reason: 'filtered' as PlanSkipReason, detail: `does not match --grep ${grep}` };
    if (unit.kind === 'scenario') {
      this.attempts.push(this.attempt(unit, undefined, 1, { skip }));
      return;
    }
    const members = this.members(unit);
    const where = unit.config.target ?? [...new Set(members.map((member) => member.config.target))].join('+');
    const bundleRunId = `${unit.config.id}@${where}#1`;
    const memberAttempts = members.map((member) => this.attempt(member, undefined, 1, { skip, bundleId: unit.config.id, bundleRunId }, where));
    this.attempts.push(...memberAttempts);
    this.bundleRuns.push({ bundleRunId, bundle: unit, repeatIndex: 1, attemptIds: memberAttempts.map((a) => a.attemptId) });
  }

  /** The scenario as judged on this host: its stack's overlay replaces `expect` where it says so. */
  private forStack(scenario: CatalogueScenario, host: HostConfig): CatalogueScenario {
    const profile = healerOf(this.lab, host);
    const overlay = profile === undefined ? undefined : this.expectations.get(profile);
    if (!overlay) return scenario;
    return { ...scenario, config: { ...scenario.config, expect: overlaidExpect(scenario.config.expect, scenario.config.id, overlay) } };
  }

  private members(bundle: CatalogueBundle): CatalogueScenario[] {
    return bundle.config.members.map((id) => {
      const member = this.scenarios.get(id);
      if (!member) throw new ChaoslabError('CHAOSLAB_CONFIG_INVALID', `bundle ${bundle.config.id}: unknown member "${id}"`);
      return member;
    });
  }

  private attempt(
    scenario: CatalogueScenario,
    host: HostConfig | undefined,
    repeatIndex: number,
    extra: Pick<PlannedAttempt, 'bundleId' | 'bundleRunId' | 'skip'>,
    where = host?.name ?? scenario.config.target,
  ): PlannedAttempt {
    const prefix = extra.bundleId ? `${extra.bundleId}/` : '';
    return {
      attemptId: `${prefix}${scenario.config.id}@${where}#${repeatIndex}`,
      scenario: host ? this.forStack(scenario, host) : scenario,
      ...(host ? { host } : {}),
      repeatIndex,
      resources: attemptResources(scenario),
      ...extra,
    };
  }
}

/**
 * The plan: a pure function from the loaded catalogue, the lab and the CLI options
 * to the ordered list of attempts. Repeats are the outer loop so that repeats of
 * one scenario are spread through the run rather than back to back.
 */
export function planRun(catalogue: Catalogue, lab: LabConfig, options: PlanOptions = {}): Plan {
  const suite = options.suite !== undefined ? findSuite(catalogue, options.suite) : undefined;
  const units = suite ? narrowSuite(selectUnits(catalogue, suite.config.include, suite.config.exclude, false), suite, options.select ?? []) : selectUnits(catalogue, options.select ?? [], [], true);
  const grep = options.grep !== undefined ? compileGrep(options.grep) : undefined;
  const repeat = options.repeat ?? suite?.config.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new ChaoslabError('CHAOSLAB_USAGE', `--repeat must be a whole number ≥ 1 (got ${repeat})`);

  const unknown = unknownHosts(lab, options.hosts ?? []);
  if (unknown.length) {
    throw new ChaoslabError('CHAOSLAB_USAGE', `--host: lab ${lab.name} has no host ${unknown.map((name) => `"${name}"`).join(', ')} (its hosts: ${lab.hosts.map((host) => host.name).join(', ')})`);
  }
  const builder = new PlanBuilder(lab, options.allHosts ?? false, catalogue, options.expectations ?? new Map(), options.hosts);
  for (let repeatIndex = 1; repeatIndex <= repeat; repeatIndex += 1) {
    for (const unit of units) {
      if (grep && !grepMatches(grep, unit)) {
        if (repeatIndex === 1) builder.addFiltered(unit, options.grep!);
      } else if (unit.kind === 'scenario') builder.addScenario(unit, repeatIndex);
      else builder.addBundle(unit, repeatIndex);
    }
  }
  assertUniqueIds(builder.attempts);

  const attempts = options.shard ? applyShard(builder.attempts, options.shard) : builder.attempts;
  const kept = new Set(attempts.map((attempt) => attempt.attemptId));
  return {
    attempts,
    bundleRuns: builder.bundleRuns.filter((run) => run.attemptIds.every((id) => kept.has(id))),
    ...(suite ? { suite } : {}),
    ...(suite?.config.concurrency !== undefined ? { concurrency: suite.config.concurrency } : {}),
    repeatSpacingMs: suite?.config.repeat_spacing ?? 0,
    repeat,
    ...(options.shard ? { shard: options.shard } : {}),
  };
}

function assertUniqueIds(attempts: readonly PlannedAttempt[]): void {
  const seen = new Set<string>();
  for (const attempt of attempts) {
    if (seen.has(attempt.attemptId)) throw new ChaoslabError('CHAOSLAB_CONFIG_INVALID', `two planned attempts share the id ${attempt.attemptId}`);
    seen.add(attempt.attemptId);
  }
}
