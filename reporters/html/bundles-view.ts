import { attemptName } from '../../harness/model/naming.js';
import type { AttemptResult, RunModel } from '../../harness/model/run-model.js';

/**
 * Bundles as a group near the top of the page: a bundle's members are injected
 * together on one host and judged as a whole (the engine's note: "n/m members
 * met their expectation (passed/failed as a whole)"), so the verdict of the
 * whole stands beside its members, each linking to its evidence.
 */
const BUNDLES_SHOWN = 50;

function bundleRun(key: string, members: readonly AttemptResult[]) {
  const first = members[0]!;
  const passed = members.filter((a) => a.passed).length;
  const whole = passed === members.length;
  return {
    key,
    bundleId: first.bundleId!,
    host: first.host,
    repeat: first.repeatIndex > 1 ? `#${first.repeatIndex}` : '',
    whole: whole ? 'passed' : 'failed',
    text: `${passed}/${members.length} members met their expectation, ${whole ? 'passed' : 'failed'} as a whole`,
    members: members.map((a) => ({ name: attemptName(a), href: `#attempt=${encodeURIComponent(a.attemptId)}`, kind: a.verdict.kind, passed: a.passed })),
  };
}

export function bundlesView(run: RunModel) {
  const groups = new Map<string, AttemptResult[]>();
  for (const a of run.attempts) {
    if (a.bundleId === undefined) continue;
    // one run of a bundle: its members on one host, in one repeat
    const key = `${a.bundleId}@${a.host}#${a.repeatIndex}`;
    const members = groups.get(key) ?? [];
    members.push(a);
    groups.set(key, members);
  }
  const runs = [...groups].map(([key, members]) => bundleRun(key, members));
  // failed bundles first, then by name
  runs.sort((x, y) => Number(x.whole === 'passed') - Number(y.whole === 'passed') || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return {
    count: runs.length,
    failed: runs.filter((r) => r.whole === 'failed').length,
    rows: runs.slice(0, BUNDLES_SHOWN),
    more: Math.max(0, runs.length - BUNDLES_SHOWN),
    ids: [...new Set(runs.map((r) => r.bundleId))].sort(),
  };
}
