import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogueScenario } from '../../harness/config/catalogue.js';
import type { HostConfig } from '../../harness/config/lab-schema.js';
import { faultCommands } from '../../harness/engine/commands.js';
import { compileCommand, validateTemplate } from '../../harness/quoting/template.js';
import type { ShellKind } from '../../harness/quoting/shell.js';
import { pwshPath } from '../support/pwsh.js';

const run = promisify(execFile);

/**
 * Issue #25: a value (a scenario parameter, or the snapshot a lab host printed)
 * must never run, whatever it holds and wherever the template puts it. Hostile
 * values — every byte 1–255, newlines, quotes of every kind, `EOF` and `"@`
 * lines, `%`, `^`, `$(…)`, backticks, bash's `a[$(…)]` — go through every form
 * the README documents, rendered and run by real dash, bash and pwsh. Each
 * hostile piece tries to create the canary file; none may, and every value
 * written to a file comes back byte for byte.
 */
const RUNS_PER_SHELL = 200;
const dir = mkdtempSync(join(tmpdir(), 'chaoslab-template-values-'));
/** Replaced in each case's value by a canary path of its own, so a canary names the case that ran it. */
const CANARY = '@CANARY@';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const attacks = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `'; touch ${CANARY}; '`,
  `"; touch ${CANARY}; "`,
  `\ntouch ${CANARY}\n`,
  `\nEOF\ntouch ${CANARY}\nEOF\n`,
  'EOF',
  `a[$(touch ${CANARY})]`,
  `x' $(touch ${CANARY}) '`,
  `$(New-Item -ItemType File -Path '${CANARY}')`,
  `"; New-Item -ItemType File -Path '${CANARY}'; "`,
  `'; New-Item -ItemType File -Path '${CANARY}'; '`,
  `\u2019; New-Item -ItemType File -Path '${CANARY}'; \u2018`,
  `\u201D; New-Item -ItemType File -Path '${CANARY}'; \u201C`,
  `\n"@\nNew-Item -ItemType File -Path '${CANARY}'\n@"\n`,
  `\n'@\nNew-Item -ItemType File -Path '${CANARY}'\n@'\n`,
  '`$(', '${', '%PATH%', '^&', '--%', '\r\n', '\\', '$', '"', "'",
  ` & touch ${CANARY} & `,
];
const byte = fc.integer({ min: 1, max: 255 }).map((code) => String.fromCharCode(code));
const hostile = fc.array(fc.oneof(fc.constantFrom(...attacks), byte, fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join('').replaceAll('\0', ''));

interface Form {
  readonly name: string;
  readonly template: string;
  /** What the file at $OUT holds afterwards, for value v. */
  readonly expected: (v: string) => string;
}

// every form of README's "How a scenario looks" for sh; $OUT is set by the runner for each case
const posixForms: Form[] = [
  { name: 'bare word', template: 'printf %s {{v}} > "$OUT"', expected: (v) => v },
  { name: '"…" string', template: 'printf %s "x={{v}}" > "$OUT"', expected: (v) => `x=${v}` },
  { name: "'…' string", template: "printf %s 'x={{v}}' > \"$OUT\"", expected: (v) => `x=${v}` },
  { name: 'heredoc body', template: 'cat > "$OUT" <<EOF\n{{v}}\nEOF', expected: (v) => `${v}\n` },
  { name: 'heredoc body, tabs stripped', template: 'cat > "$OUT" <<-END\n\t{{v}}\n\tEND', expected: (v) => `${v}\n` },
  { name: 'nested $( ) in "…"', template: 'printf %s "$(printf %s "{{v}}")" > "$OUT"', expected: (v) => v.replace(/\n+$/, '') },
  { name: 'sh -c with the value as an argument', template: 'sh -c \'printf %s "$1" > "$OUT"\' sh {{v}}', expected: (v) => v },
  { name: "the lab's snapshot revert", template: "printf '%s\\n' {{v}} > \"$OUT\"", expected: (v) => `${v}\n` },
];
const powershellForms: Form[] = [
  { name: 'bare word', template: 'Set-Content -LiteralPath $env:OUT -NoNewline -Value {{v}}', expected: (v) => v },
  { name: '"…" string', template: 'Set-Content -LiteralPath $env:OUT -NoNewline -Value "x={{v}}"', expected: (v) => `x=${v}` },
  { name: 'nested "$("…")"', template: 'Set-Content -LiteralPath $env:OUT -NoNewline -Value "$("{{v}}")"', expected: (v) => v },
  { name: 'expression', template: '$x = ("x=" + {{v}})\nSet-Content -LiteralPath $env:OUT -NoNewline -Value $x', expected: (v) => `x=${v}` },
  { name: 'here-string', template: '$t = @"\n{{v}}\n"@\nSet-Content -LiteralPath $env:OUT -NoNewline -Value $t', expected: (v) => v },
];

/** The forms no reference can be written into, or where the shell evaluates the value: validate refuses them. */
const refused: [ShellKind, string][] = [
  ['posix', "cat > \"$OUT\" <<'EOF'\n{{v}}\nEOF"],
  ['posix', '[[ 1 -eq {{v}} ]]'],
  ['posix', 'echo ${{v}}'],
  ['posix', '(( {{v}} ))'],
  ['posix', 'eval echo {{v}}'],
  ['posix', 'sh -c "echo {{v}}"'],
  ['posix', 'echo `echo {{v}}`'],
  ['posix', '{{v}} --version'],
  ['posix', 'declare -i n={{v}}'],
  ['posix', 'a[{{v}}]=1'],
  ['posix', 'printf -v {{v}} %s x'],
  ['posix', 'read -r {{v}}'],
  ['posix', 'echo $[ {{v}} ]'],
  ['powershell', 'cmd.exe /c echo {{v}}'],
  ['powershell', 'icacls --% {{v}}'],
  ['powershell', "Write-Output '{{v}}'"],
  ['powershell', "$t = @'\n{{v}}\n'@"],
  ['powershell', '& {{v}}'],
  ['powershell', 'Invoke-Expression "echo {{v}}"'],
];

interface Case {
  readonly script: string;
  readonly expected: string;
  readonly label: string;
  /** The file this case's value tries to create. */
  readonly canary: string;
}

function casesFor(name: string, shell: ShellKind, forms: readonly Form[], values: readonly string[]): Case[] {
  return values.flatMap((value, index) =>
    forms.map((form, formIndex) => {
      const canary = `canary-${name}-${index}-${formIndex}`;
      const v = value.replaceAll(CANARY, join(dir, canary));
      return { script: compileCommand(form.template, shell)({ v }), expected: form.expected(v), label: `${form.name} #${index}: ${JSON.stringify(v)}`, canary };
    }),
  );
}

function canaries(): string[] {
  return readdirSync(dir).filter((file) => file.startsWith('canary-'));
}

/** Writes each case's script, runs them all through `runAll`, and compares every output file; names every case whose value created its canary. */
async function runCases(name: string, extension: string, cases: readonly Case[], runAll: (scripts: string) => Promise<void>): Promise<void> {
  const scripts = mkdtempSync(join(dir, `${name}-`));
  cases.forEach((c, index) => writeFileSync(join(scripts, `${String(index).padStart(5, '0')}${extension}`), c.script));
  await runAll(scripts);
  const ran = canaries().map((file) => cases.find((c) => c.canary === file)?.label ?? file);
  expect(ran, `values ran in ${name}`).toEqual([]);
  cases.forEach((c, index) => {
    const out = join(scripts, `${String(index).padStart(5, '0')}${extension}.out`);
    expect(existsSync(out) ? readFileSync(out).equals(Buffer.from(c.expected, 'utf8')) : false, `${name}: ${c.label} did not come back byte for byte`).toBe(true);
  });
}

describe('template values never run (issue #25)', () => {
  const values = fc.sample(hostile, { numRuns: RUNS_PER_SHELL, seed: 25 });

  it.each(['dash', 'bash'])(`%s: ${RUNS_PER_SHELL} hostile values through every sh form, none runs, each comes back exactly`, async (shell) => {
    const cases = casesFor(shell, 'posix', posixForms, values);
    // one driver process; each case is read and run by a subshell of its own (a fork, no exec: the same parse as the
    // transport's `/bin/sh -c`, at a fraction of the cost), with $OUT beside its script; a syntax error ends only that case
    await runCases(shell, '.sh', cases, async (scripts) => {
      await run(shell, ['-c', 'for f in "$1"/*.sh; do ( OUT="$f.out"; export OUT; . "$f" ) </dev/null >/dev/null 2>&1; done; exit 0', 'driver', scripts], { timeout: 300_000 });
    });
  });

  it(`pwsh: ${RUNS_PER_SHELL} hostile values through every PowerShell form, none runs, each comes back exactly`, async () => {
    const cases = casesFor('pwsh', 'powershell', powershellForms, values);
    await runCases('pwsh', '.ps1', cases, async (scripts) => {
      // one pwsh for all (its start is most of the time): each script file parsed and run on its own, an error ends only that one
      const driver = `Get-ChildItem -LiteralPath '${scripts}' -Filter *.ps1 | ForEach-Object { $env:OUT = $_.FullName + '.out'; try { & $_.FullName *> $null } catch { } }`;
      await run(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', driver], { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    });
  });

  it("the snapshot reaches a scenario's revert the same way: written back through a heredoc, byte for byte", async () => {
    const scenario = {
      config: { params: { target: join(dir, 'restored') }, steps: { inject: 'true', check: 'true', revert: 'cat > {{target}} <<EOF\n{{snapshot}}\nEOF' } },
    } as unknown as CatalogueScenario;
    const host = { platform: 'linux', transport: { kind: 'ssh' } } as unknown as HostConfig;
    const commands = faultCommands(scenario, host);
    for (const [index, value] of values.slice(0, 40).entries()) {
      const snapshot = value.replaceAll(CANARY, join(dir, `canary-revert-${index}`));
      await run('/bin/sh', ['-c', commands.revert(snapshot)]);
      expect(readFileSync(join(dir, 'restored'), 'utf8')).toBe(`${snapshot}\n`);
    }
    expect(canaries()).toEqual([]);
  });

  it('PowerShell: the prologue runs in ConstrainedLanguage mode, sent as -EncodedCommand like the transports send it', async () => {
    const render = compileCommand('Set-Content -LiteralPath {{out}} -NoNewline -Value "$("{{v}}")"', 'powershell');
    for (const [index, value] of values.slice(0, 3).entries()) {
      const v = value.replaceAll(CANARY, join(dir, `canary-clm-${index}`));
      const out = join(dir, `clm-${index}.out`);
      const script = `$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'\n${render({ v, out })}`;
      const { stderr } = await run(pwshPath(), ['-NoProfile', '-NonInteractive', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')]);
      expect(stderr).toBe('');
      expect(readFileSync(out).equals(Buffer.from(v, 'utf8'))).toBe(true);
    }
    expect(canaries()).toEqual([]);
  });

  it.each(refused)('%s refuses %j, with where and why', (shell, template) => {
    const problems = validateTemplate(template, { shell, variables: ['v'] });
    expect(problems).toEqual([{ line: expect.any(Number), column: expect.any(Number), message: expect.stringMatching(/^\{\{v\}\} sits /) }]);
  });

  it('in $(( … )) a value must be a whole number: a number is used, anything else is refused before anything runs', async () => {
    const render = compileCommand('echo $(( {{v}} + 1 ))', 'posix');
    expect((await run('bash', ['-c', render({ v: '41' })])).stdout).toBe('42\n');
    for (const v of values.filter((value) => !/^[+-]?[0-9]+$/.test(value))) {
      expect(() => render({ v })).toThrow(/must be a whole number/);
    }
  });
});
