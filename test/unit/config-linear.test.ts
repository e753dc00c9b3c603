import { LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { loadDocument } from '../../harness/config/load-file.js';
import { MAX_ISSUES_PER_FILE } from '../../harness/config/load-issues.js';
import * as walk from '../../harness/config/load-schema-walk.js';
import { locateIn } from '../../harness/config/load-yaml.js';

vi.mock('../../harness/config/load-schema-walk.js', async (original) => {
  const actual = await original<typeof walk>();
  return { ...actual, closestMatch: vi.fn(actual.closestMatch) };
});

/**
 * Validation cost must grow with the file, not with its square (issue #25: 389 KB
 * of unknown keys took 48 s). These count the work instead of timing it, so they
 * hold on a busy machine; bench/validate-size.ts prints the times.
 */
describe('validation work is linear in the file', () => {
  it('finding the line of every key of a mapping reads each pair a bounded number of times, not once per lookup', () => {
    const keys = 5000;
    const lineCounter = new LineCounter();
    const doc = parseDocument(Array.from({ length: keys }, (_, i) => `k${i}: v\n`).join(''), { lineCounter });
    const map = doc.contents as YAMLMap;
    let reads = 0;
    map.items = new Proxy(map.items, {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^\d+$/.test(property)) reads += 1;
        return Reflect.get(target, property, receiver);
      },
    });
    for (let i = 0; i < keys; i += 1) expect(locateIn(doc, lineCounter, [`k${i}`], true).line).toBe(i + 1);
    // a search per lookup would read keys²/2 = 12.5 million pairs
    expect(reads).toBeLessThanOrEqual(2 * keys);
  });

  it('"did you mean" (an edit distance to every known key) is worked out only for the problems shown', () => {
    const closestMatch = vi.mocked(walk.closestMatch);
    closestMatch.mockClear();
    const head = 'id: big\ntitle: Big\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect: { outcome: heal }\nsteps: { inject: "true", check: "true", revert: "true" }\n';
    const text = head + Array.from({ length: 10_000 }, (_, i) => `unknown${i}: v\n`).join('');
    const issues = loadDocument('keys.yaml', text, 'keys').issues ?? [];
    expect(issues).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(closestMatch.mock.calls.length).toBe(MAX_ISSUES_PER_FILE);
  });
});
