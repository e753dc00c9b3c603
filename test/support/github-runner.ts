/**
 * What the GitHub runner would execute, written from its documented behaviour
 * (workflow commands: a line that starts with `::` after leading white space and
 * holds a second `::`; legacy `##[name]…` anywhere in a line), over the lines
 * a step prints, which the runner splits at \n, \r\n and a lone \r.
 */
export function commandsTheRunnerWouldRun(output: string): string[] {
  return output.split(/\r\n|\r|\n/).filter((line) => {
    const trimmed = line.replace(/^[\s\u0085]+/, '');
    const v2 = trimmed.startsWith('::') && trimmed.indexOf('::', 2) >= 0;
    const legacy = line.includes('##[') && line.indexOf(']', line.indexOf('##[') + 3) >= 0;
    return v2 || legacy;
  });
}
