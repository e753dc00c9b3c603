import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../harness/transport/line-splitter.js';

describe('LineSplitter (every transport’s stream)', () => {
  it('by default drops \\n and \\r\\n, and keeps a line split across chunks whole', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('a\r\nb')).toEqual(['a']);
    expect(splitter.push('c\nd')).toEqual(['bc']);
    expect(splitter.rest()).toBe('d');
    expect(splitter.rest()).toBe('');
  });

  it('with keepEndings every complete line keeps its ending, so its bytes can be counted', () => {
    const splitter = new LineSplitter(true);
    expect(splitter.push('é\r\n✓')).toEqual(['é\r\n']);
    expect(splitter.push('\n\npart')).toEqual(['✓\n', '\n']);
    expect(splitter.rest()).toBe('part');
  });
});
