import { describe, expect, it } from 'vitest';
import type { RunModel } from '../../harness/model/run-model.js';
import { ReporterMultiplexer, type ReporterFailure } from '../../reporters/multiplexer.js';
import { parseReporterList } from '../../reporters/registry.js';
import type { Reporter } from '../../reporters/reporter.js';

const run: RunModel = { runId: 'r1', lab: 'lab', startedAtWall: 0, status: 'completed', argv: [], hosts: [], attempts: [], notes: [] };

function recording(name: string, calls: string[]): Reporter {
  return {
    name,
    onRunStart: () => void calls.push(`${name}:start`),
    onRunEnd: () => {
      calls.push(`${name}:end`);
      return [`${name}.out`];
    },
  };
}

describe('reporter multiplexer', () => {
  it('keeps calling the other reporters when one throws, and records the failure', async () => {
    const calls: string[] = [];
    const seen: ReporterFailure[] = [];
    const broken: Reporter = {
      name: 'broken',
      onRunStart: () => {
        throw new Error('template missing');
      },
      onRunEnd: async () => {
        throw new Error('disk full');
      },
    };
    const mux = new ReporterMultiplexer([recording('a', calls), broken, recording('b', calls)], (f) => seen.push(f));
    await mux.onRunStart(run);
    await mux.onRunEnd(run);
    expect(calls).toEqual(['a:start', 'b:start', 'a:end', 'b:end']);
    expect(mux.failures().map((f) => `${f.reporter}.${f.hook}: ${f.error.message}`)).toEqual([
      'broken.onRunStart: template missing',
      'broken.onRunEnd: disk full',
    ]);
    expect(seen).toHaveLength(2);
    expect(mux.files()).toEqual(['a.out', 'b.out']);
  });

  it('turns a non-Error throw into an Error', async () => {
    const mux = new ReporterMultiplexer([{ name: 'odd', onRunEnd: () => Promise.reject('just a string') }]);
    await mux.onRunEnd(run);
    expect(mux.failures()[0]?.error.message).toBe('just a string');
  });
});

describe('reporter names', () => {
  it('accepts known names, de-duplicated', () => {
    expect(parseReporterList('console, json,console')).toEqual(['console', 'json']);
  });

  it('names the unknown ones', () => {
    expect(() => parseReporterList('console,docx,xls')).toThrow(/unknown reporter docx, xls \(known: console, json, junit, markdown, html, prometheus, pdf, github\)/);
  });
});
