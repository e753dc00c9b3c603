import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One prerequisite step, scripts/setup.sh, serves the demo, the tests and `lab build`.
 * This finds every program the harness, scripts, tests and benchmarks spawn, asks
 * dpkg which Debian package provides it on this machine, and checks that setup.sh
 * installs that package (or one that depends on it, or it is Essential): a new
 * `spawn('tool')` without its install step fails here, not on a fresh machine.
 */
const ROOT = join(import.meta.dirname, '../..');
const SOURCE_DIRS = ['harness', 'scripts', 'test', 'bench', 'lab/healer/src'];
/** What runs npm itself, and the package manager setup.sh uses: needed before any step can. */
const BEFORE_SETUP = new Set(['node', 'npm', 'apt-get']);
const SHELL_WORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'do', 'done', 'while', 'case', 'esac', 'function', 'return', 'exit', 'local', 'export', 'set', 'echo', 'printf', 'cd', 'read', 'shift', 'true', 'false', 'test', 'source', 'exec', 'wait', 'trap', 'declare', 'unset', 'command', 'eval', 'pwd', 'type', 'break', 'continue']);

function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const full = join(ROOT, dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    if (statSync(full).isDirectory()) out.push(...files(relative(ROOT, full), pattern));
    else if (pattern.test(name)) out.push(relative(ROOT, full));
  }
  return out;
}

/** Literal program names passed to spawn/execFile, or to a local alias or wrapper of them. */
function spawnedByCode(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const callers = ['spawn', 'spawnSync', 'execFile', 'execFileSync'];
  for (const [, alias] of text.matchAll(/const (\w+) = promisify\((?:execFile|exec)\)/g)) callers.push(alias!);
  for (const [, wrapper] of text.matchAll(/function (\w+)\(command: string[\s\S]{0,400}?spawn\(command\b/g)) callers.push(wrapper!);
  const programs: string[] = [];
  for (const caller of callers) {
    for (const [, program] of text.matchAll(new RegExp(`\\b${caller}\\(\\s*'([^']+)'`, 'g'))) programs.push(program!);
  }
  // PowerShell 7 is found, not named: pwshPath() (tests) and findPwsh() (validate) give its path
  if (new RegExp(`\\b(?:${callers.join('|')})\\(\\s*(?:pwshPath\\(\\)|pwsh\\b)`).test(text)) programs.push('pwsh');
  return programs.filter((program) => !program.startsWith('-'));
}

/**
 * pwsh is no Debian package here: scripts/setup-pwsh.sh installs it as a .NET global
 * tool into ~/.dotnet/tools, where pwshPath() and findPwsh() look. Covered when
 * setup.sh runs that script and the script installs PowerShell there; the problems otherwise.
 */
export function pwshInstallProblems(setup: string, setupPwsh: string): string[] {
  const problems: string[] = [];
  if (!/^[^#\n]*bash "\$here\/setup-pwsh\.sh"/m.test(setup)) problems.push('scripts/setup.sh does not run scripts/setup-pwsh.sh');
  const code = setupPwsh.replace(/(^|\s)#.*$/gm, '$1');
  if (!/^\s*dotnet tool install --global PowerShell\b/m.test(code)) problems.push('scripts/setup-pwsh.sh does not install PowerShell (dotnet tool install --global PowerShell)');
  if (!/^tools="\$HOME\/\.dotnet\/tools"$/m.test(code) || !/pwsh_bin="\$tools\/pwsh"/.test(code)) problems.push('scripts/setup-pwsh.sh does not leave pwsh in ~/.dotnet/tools, where pwshPath() and findPwsh() look');
  return problems;
}

/**
 * Programs not from Debian packages, each with the check that setup covers it: pwsh is
 * installed by setup-pwsh.sh; the .NET SDK it installs pwsh with is that script's stated
 * precondition (like node for npm), which it checks first and explains when missing.
 */
const INSTALLED_BY_SCRIPTS: Readonly<Record<string, () => string[]>> = {
  pwsh: () => pwshInstallProblems(readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8'), readFileSync(join(ROOT, 'scripts/setup-pwsh.sh'), 'utf8')),
  dotnet: () => (/^if ! command -v dotnet >\/dev\/null; then\n\s*say "the \.NET SDK is not installed: install it \(https:/m.test(readFileSync(join(ROOT, 'scripts/setup-pwsh.sh'), 'utf8')) ? [] : ['scripts/setup-pwsh.sh neither installs nor checks for the .NET SDK']),
};

/** The first word of each simple command of a bash script (after line starts, pipes, &&, ||, $( and keywords). */
function spawnedByScript(file: string): string[] {
  // here-documents, comments and quoted text are not commands
  const text = readFileSync(join(ROOT, file), 'utf8')
    .replace(/<<'?(\w+)'?\n[\s\S]*?\n\1\n/g, '\n')
    .replace(/(^|\s)#.*$/gm, '$1')
    .replace(/"(?:[^"\\]|\\.)*"|'[^'\n]*'/g, '""');
  const functions = new Set([...text.matchAll(/^(\w[\w-]*)\(\)/gm)].map((m) => m[1]!));
  const programs: string[] = [];
  for (const [, word] of text.matchAll(/(?:^|\$\(|\|\||&&|[|;]|\b(?:then|do|else|if)\s|!\s)\s*([a-z][\w.-]*)(?=[\s)]|$)/gm)) {
    if (!SHELL_WORDS.has(word!) && !functions.has(word!)) programs.push(word!);
  }
  return programs;
}

function setupPackages(): string[] {
  const text = readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8');
  const list = /^packages=\(([^)]*)\)/m.exec(text)?.[1];
  if (!list) throw new Error('scripts/setup.sh has no packages=(…) list');
  return list.split(/\s+/).filter(Boolean);
}

/** Listed packages and, through the installed packages' Depends, everything they pull in. */
function coveredPackages(listed: readonly string[]): Set<string> {
  const depends = new Map<string, string[]>();
  for (const line of dpkg(['-W', '-f=${Package}\t${Depends}, ${Pre-Depends}\n']).split('\n')) {
    const [name, fields] = line.split('\t');
    if (name) depends.set(name, (fields ?? '').split(/[,|]/).map((d) => d.trim().split(/[\s:(]/)[0]!).filter(Boolean));
  }
  const covered = new Set<string>();
  const queue = [...listed];
  while (queue.length) {
    const name = queue.pop()!;
    if (covered.has(name)) continue;
    covered.add(name);
    queue.push(...(depends.get(name) ?? []));
  }
  return covered;
}

function dpkg(args: string[]): string {
  try {
    return execFileSync('dpkg-query', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

const PROGRAM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** The Debian package that installed each program here, looked up (in one dpkg call) where Debian puts programs. */
function packagesOf(programs: readonly string[]): Map<string, string> {
  const paths = programs.flatMap((program) => (program.startsWith('/') ? [program] : PROGRAM_DIRS.map((dir) => `${dir}/${program}`)));
  let output: string;
  try {
    output = execFileSync('dpkg-query', ['-S', ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    // exit 1 when some paths belong to no package; the others are still printed
    output = String((error as { stdout?: string }).stdout ?? '');
  }
  const ownerOfPath = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([^:]+): (.+)$/.exec(line);
    if (match && !match[1]!.startsWith('diversion by')) ownerOfPath.set(match[2]!, match[1]!.split(',')[0]!.trim());
  }
  const owners = new Map<string, string>();
  for (const program of programs) {
    const candidates = program.startsWith('/') ? [program] : PROGRAM_DIRS.map((dir) => `${dir}/${program}`);
    const owner = candidates.map((path) => ownerOfPath.get(path)).find((found) => found !== undefined);
    if (owner) owners.set(program, owner);
  }
  return owners;
}

const programs = new Map<string, string>();
const THIS_FILE = relative(ROOT, import.meta.filename);
for (const file of SOURCE_DIRS.flatMap((dir) => files(dir, /\.(ts|mjs)$/)).filter((file) => file !== THIS_FILE)) for (const program of spawnedByCode(file)) programs.set(program, file);
for (const file of files('scripts', /\.sh$/)) for (const program of spawnedByScript(file)) if (!programs.has(program)) programs.set(program, file);

describe('the prerequisite step (scripts/setup.sh)', () => {
  it('finds the programs it must cover (the scan itself works)', () => {
    expect([...programs.keys()]).toEqual(expect.arrayContaining(['debootstrap', 'tar', 'ssh-keygen', 'podman', 'curl', 'xmllint', 'psql', 'openssl', 'unshare', 'pwsh']));
  });

  it('installs pwsh through scripts/setup-pwsh.sh, and would notice if it stopped', () => {
    expect(INSTALLED_BY_SCRIPTS.pwsh!()).toEqual([]);
    const setup = readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8');
    const setupPwsh = readFileSync(join(ROOT, 'scripts/setup-pwsh.sh'), 'utf8');
    const withoutInstall = setupPwsh.replace(/^(\s*)dotnet tool install --global PowerShell.*$/m, '$1: # no longer installed');
    expect(withoutInstall).not.toBe(setupPwsh);
    expect(pwshInstallProblems(setup, withoutInstall)).toEqual(['scripts/setup-pwsh.sh does not install PowerShell (dotnet tool install --global PowerShell)']);
    expect(pwshInstallProblems(setup.replace(/^bash "\$here\/setup-pwsh\.sh".*$/m, '# skipped'), setupPwsh)).toEqual(['scripts/setup.sh does not run scripts/setup-pwsh.sh']);
    expect(pwshInstallProblems(setup, setupPwsh.replace('tools="$HOME/.dotnet/tools"', 'tools=/opt/pwsh'))).toHaveLength(1);
  });

  it('installs the package of every program the harness, scripts, tests and benchmarks spawn', () => {
    const covered = coveredPackages(setupPackages());
    const owners = packagesOf([...programs.keys()]);
    const missing: string[] = [];
    for (const [program, file] of programs) {
      if (BEFORE_SETUP.has(program)) continue;
      const installer = INSTALLED_BY_SCRIPTS[program];
      if (installer) {
        missing.push(...installer().map((problem) => `${program} (spawned in ${file}): ${problem}`));
        continue;
      }
      const owner = owners.get(program);
      if (!owner) missing.push(`${program} (spawned in ${file}): not installed here by any Debian package`);
      else if (!covered.has(owner) && dpkg(['-W', '-f=${Essential}', owner]).trim() !== 'yes') missing.push(`${program} (spawned in ${file}): package ${owner} is not in scripts/setup.sh`);
    }
    expect(missing).toEqual([]);
  });

  it('is the step the demo and the tests run', () => {
    expect(readFileSync(join(ROOT, 'scripts/demo.sh'), 'utf8')).toMatch(/^[^#\n]*bash scripts\/setup\.sh/m);
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.pretest).toContain('scripts/setup.sh');
  });
});
