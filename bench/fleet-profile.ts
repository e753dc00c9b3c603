/**
 * Splits a V8 CPU profile between the transport (ssh2 and harness/transport)
 * and everything else. A sample belongs to the transport when any frame of its
 * stack is transport code. Idle samples are left out; garbage collection and
 * native time that V8 cannot attribute to a JS frame are reported apart, and
 * the caller spreads them pro rata.
 */
export interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

const TRANSPORT = /node_modules\/ssh2\/|\/harness\/transport\//;
const UNATTRIBUTED = new Set(['(garbage collector)', '(program)']);

export interface ProfileShares {
  /** The transport's share of the CPU time that could be attributed. */
  readonly transport: number;
  /** The share of busy time V8 could not attribute (GC, native). */
  readonly unattributed: number;
  /** Where the rest went: the functions outside the transport with the most self time, as a share of busy time. */
  readonly hotspots: readonly { readonly where: string; readonly share: number }[];
}

export function profileShares(profile: CpuProfile): ProfileShares {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const kind = new Map<number, 'transport' | 'other' | 'unattributed' | 'idle'>();
  const classify = (id: number): 'transport' | 'other' | 'unattributed' | 'idle' => {
    const known = kind.get(id);
    if (known) return known;
    const frame = byId.get(id)!.callFrame;
    let result: 'transport' | 'other' | 'unattributed' | 'idle';
    if (frame.functionName === '(idle)') result = 'idle';
    else if (UNATTRIBUTED.has(frame.functionName)) result = 'unattributed';
    else if (TRANSPORT.test(frame.url)) result = 'transport';
    else {
      const up = parent.get(id);
      const above = up === undefined ? 'other' : classify(up);
      result = above === 'transport' ? 'transport' : 'other';
    }
    kind.set(id, result);
    return result;
  };
  const time = { transport: 0, other: 0, unattributed: 0, idle: 0 };
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  samples.forEach((id, index) => {
    const delta = profile.timeDeltas?.[index] ?? 1;
    const kind = classify(id);
    time[kind] += delta;
    if (kind !== 'other') return;
    const frame = byId.get(id)!.callFrame;
    const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(harness|node_modules|reporters)\//, '$1/')}`;
    self.set(where, (self.get(where) ?? 0) + delta);
  });
  const busy = time.transport + time.other + time.unattributed;
  if (busy === 0) return { transport: 0, unattributed: 0, hotspots: [] };
  // GC and native time spread pro rata: the transport's share of what could be attributed
  const attributed = time.transport + time.other;
  const hotspots = [...self].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([where, t]) => ({ where, share: t / busy }));
  return { transport: attributed ? time.transport / attributed : 0, unattributed: time.unattributed / busy, hotspots };
}
