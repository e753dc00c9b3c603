import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../harness/core/errors.js';
import { loadDocument } from '../../harness/config/load-file.js';
import { loadProject } from '../../harness/config/load-project.js';
import { testFaultLookup } from '../fixtures/config/test-faults.js';

const FIXTURES = 'test/fixtures/config';
const BAD = `${FIXTURES}/bad`;
const LINUX_LAB = `${FIXTURES}/lab-linux.yaml`;

/** Loads and returns the thrown ConfigError (failing the test if nothing was thrown). */
async function configError(scenarioPaths: string[], labPath?: string): Promise<ConfigError> {
  try {
    await loadProject({ scenarioPaths, ...(labPath ? { labPath } : {}), faults: testFaultLookup });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${scenarioPaths.join(', ')} to be rejected`);
}

async function problems(scenarioPaths: string[], labPath?: string): Promise<string[]> {
  return (await configError(scenarioPaths, labPath)).issues.map(formatIssue);
}

function documentProblems(text: string): string[] {
  const result = loadDocument('inline.yaml', text, 'inline');
  return (result.issues ?? []).map(formatIssue);
}

const VALID_HEAD = 'id: inline\ntitle: Inline\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect: { outcome: heal }\n';

describe('loading a valid catalogue', () => {
  it('loads scenarios, bundles and suites with faults resolved and defaults applied', async () => {
    const project = await loadProject({ scenarioPaths: [`${FIXTURES}/catalogue`], labPath: LINUX_LAB, faults: testFaultLookup });
    expect(project.catalogue.scenarios.map((s) => s.config.id)).toEqual(['lin-cron-perms', 'lin-firewall', 'lin-rsyslog', 'lin-ssh-root-login', 'win-dc-firewall']);
    expect(project.catalogue.bundles.map((b) => b.config.id)).toEqual(['cascade']);
    expect(project.catalogue.suites.map((s) => s.config.id)).toEqual(['full', 'smoke']);
    const ssh = project.catalogue.scenarios.find((s) => s.config.id === 'lin-ssh-root-login')!;
    expect(ssh.fault?.definition.name).toBe('linux.sshd_option');
    expect(ssh.fault?.params).toEqual({ option: 'PermitRootLogin', value: 'yes' });
    expect(ssh.config.sla).toBe(90_000);
    expect(ssh.config.hold).toBe(10_000);
    expect(ssh.source.catalogueKey).toBe('linux/lin-ssh-root-login');
    expect(project.lab?.name).toBe('fixture-linux');
    expect(project.fileCount).toBe(8);
  });

  it('validates inventories found among the paths on their own', async () => {
    const project = await loadProject({ scenarioPaths: [`${FIXTURES}/steps-only`, `${FIXTURES}/lab-mixed.yaml`], faults: testFaultLookup });
    expect(project.otherLabs.map((lab) => lab.config.name)).toEqual(['fixture-mixed']);
    expect(project.catalogue.scenarios).toHaveLength(2);
    expect(await problems([`${FIXTURES}/steps-only`, `${BAD}/lab-duplicate-hosts.yaml`])).toEqual([
      `${BAD}/lab-duplicate-hosts.yaml:7:11 hosts[1].name: duplicate host name "web-1" (first at line 4)`,
    ]);
  });

  it('--lab must be an inventory', async () => {
    expect(await problems([`${FIXTURES}/steps-only`], `${FIXTURES}/catalogue/suites/smoke.yaml`)).toEqual([
      `${FIXTURES}/catalogue/suites/smoke.yaml:1:7 kind: --lab needs a lab inventory, this file is a suite`,
    ]);
  });

  it('does not reject a windows scenario on a lab without windows hosts (the plan skips it)', async () => {
    const project = await loadProject({ scenarioPaths: [`${FIXTURES}/catalogue/windows`], labPath: LINUX_LAB, faults: testFaultLookup });
    expect(project.catalogue.scenarios).toHaveLength(1);
  });
});

describe('every bad input names file, line, column and field', () => {
  it('unknown key, with a suggestion', async () => {
    expect(await problems([`${BAD}/unknown-key.yaml`])).toEqual([`${BAD}/unknown-key.yaml:7:1: unknown key "windo" (did you mean "window"?)`]);
  });

  it('unknown nested key lists the keys allowed there when nothing is close', () => {
    expect(documentProblems(`${VALID_HEAD}steps:\n  inject: "true"\n  check: "true"\n  revert: "true"\n  zzzzzzzz: 1\n`)).toEqual([
      'inline.yaml:13:3 steps: unknown key "zzzzzzzz" (expected one of: snapshot, inject, check, revert)',
    ]);
  });

  it('bad duration', async () => {
    expect(await problems([`${BAD}/bad-duration.yaml`])).toEqual([`${BAD}/bad-duration.yaml:6:6 sla: must be a duration like 90s, 2m or 500ms (got "90 seconds")`]);
  });

  it('duplicate id names both files', async () => {
    expect(await problems([`${BAD}/duplicate-id`])).toEqual([
      `${BAD}/duplicate-id/first.yaml:1:5 id: duplicate scenario/bundle id "lin-dup": also defined at ${BAD}/duplicate-id/second.yaml:1:5`,
      `${BAD}/duplicate-id/second.yaml:1:5 id: duplicate scenario/bundle id "lin-dup": also defined at ${BAD}/duplicate-id/first.yaml:1:5`,
    ]);
  });

  it('window shorter than the sla', async () => {
    expect(await problems([`${BAD}/window-lt-sla.yaml`])).toEqual([`${BAD}/window-lt-sla.yaml:7:9 window: must be at least the sla (5m), got 2m`]);
  });

  it('unknown built-in fault, with a suggestion', async () => {
    expect(await problems([`${BAD}/unknown-fault.yaml`])).toEqual([
      `${BAD}/unknown-fault.yaml:10:8 fault.use: unknown built-in fault "linux.sshd_optoin" (did you mean "linux.sshd_option"?)`,
    ]);
  });

  it('bad fault params are checked by the fault\'s own schema, at fault.with.<param>', async () => {
    expect(await problems([`${BAD}/bad-fault-param.yaml`])).toEqual([
      `${BAD}/bad-fault-param.yaml:12:13 fault.with.option: must be an sshd_config keyword like PermitRootLogin`,
      `${BAD}/bad-fault-param.yaml:14:5 fault.with: unknown key "colour" (expected one of: option, value, port)`,
    ]);
  });

  it('a fault of the other platform', async () => {
    expect(await problems([`${BAD}/wrong-platform-fault.yaml`])).toEqual([
      `${BAD}/wrong-platform-fault.yaml:10:8 fault.use: fault linux.service_stopped is for linux, but the scenario's platform is windows`,
    ]);
  });

  it('step templates: unquoted interpolation and unknown params (revert may use the snapshot)', async () => {
    expect(await problems([`${BAD}/bad-template.yaml`])).toEqual([
      `${BAD}/bad-template.yaml:11:11 steps.inject: {{{file}}} would paste a value into the command text: write {{file}}, which passes it as data (at 1:7 of the command)`,
      `${BAD}/bad-template.yaml:12:10 steps.check: unknown variable "fiel" (known: file) (at 1:13 of the command)`,
    ]);
  });

  it('target matching no host lists the known roles', async () => {
    expect(await problems([`${BAD}/target-no-host.yaml`], LINUX_LAB)).toEqual([
      `${BAD}/target-no-host.yaml:4:9 target: "mail" matches no linux host of lab fixture-linux by name or role (known linux roles: app, db, web; hosts: web-1, web-2, db-1)`,
    ]);
  });

  it('inline secret in free-form params', async () => {
    expect(await problems([`${BAD}/inline-secret.yaml`])).toEqual([
      `${BAD}/inline-secret.yaml:11:16 params.db_password: looks like an inline secret: write a reference env:NAME or file:PATH instead (secrets never live in scenario files)`,
    ]);
  });

  it('inline secret and a mistyped transport kind in an inventory', async () => {
    expect(await problems([`${FIXTURES}/catalogue`], `${BAD}/lab-bad.yaml`)).toEqual([
      `${BAD}/lab-bad.yaml:6:51 hosts[0].transport.password: must be a secret reference env:NAME or file:PATH, never an inline secret`,
      `${BAD}/lab-bad.yaml:9:24 hosts[1].transport.kind: must be one of ssh, winrm, docker-exec (got "sssh")`,
    ]);
  });

  it('duplicate host names in an inventory', async () => {
    expect(await problems([`${FIXTURES}/steps-only`], `${BAD}/lab-duplicate-hosts.yaml`)).toEqual([
      `${BAD}/lab-duplicate-hosts.yaml:7:11 hosts[1].name: duplicate host name "web-1" (first at line 4)`,
    ]);
  });

  it('a log observer tailing a host the lab does not have', async () => {
    expect(await problems([`${FIXTURES}/steps-only`], `${BAD}/lab-observer-host.yaml`)).toEqual([
      `${BAD}/lab-observer-host.yaml:11:11 observers[0].host: "healer-1" is not a host of this lab (use a host name, or $target for the attempt's host)`,
    ]);
  });

  it('malformed YAML', async () => {
    const found = await problems([`${BAD}/malformed.yaml`]);
    expect(found[0]).toBe(`${BAD}/malformed.yaml:5:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  });

  it('duplicate YAML key', async () => {
    expect(await problems([`${BAD}/duplicate-key.yaml`])).toEqual([`${BAD}/duplicate-key.yaml:7:1: duplicate key "sla" (each key may appear once in a mapping)`]);
  });

  it('bundle with an unknown member', async () => {
    expect(await problems([`${BAD}/bundle-unknown-member`])).toEqual([
      `${BAD}/bundle-unknown-member/bundle.yaml:6:5 members[1]: unknown scenario "lin-membr" (did you mean "lin-member"?)`,
    ]);
  });

  it('suite glob matching nothing', async () => {
    expect(await problems([`${BAD}/suite-glob-nothing`])).toEqual([`${BAD}/suite-glob-nothing/suite.yaml:5:5 include[1]: "win-*" matches no scenario or bundle id or path`]);
  });

  it('missing fields point at the parent key; wrong types say what was given', () => {
    expect(documentProblems('id: inline\ntitle: Inline\nplatform: linux\ntarget: web\ncheck_type: fixture\nsla: 60s\nwindow: 5m\nexpect:\n  tier: L1\ntags: web\nsteps: { inject: "true", check: "true", revert: "true" }\n')).toEqual([
      'inline.yaml:8:1 expect.outcome: is required: one of heal, escalate, ignore',
      'inline.yaml:10:7 tags: must be a list (got string)',
    ]);
  });

  it('zero durations where time must pass', () => {
    expect(documentProblems(VALID_HEAD.replace('sla: 60s', 'sla: 0s') + 'probe_interval: 0\nsteps: { inject: "true", check: "true", revert: "true" }\n')).toEqual([
      'inline.yaml:6:6 sla: must be longer than zero',
      'inline.yaml:9:17 probe_interval: must be longer than zero',
    ]);
  });

  it('YAML anchors, aliases and merge keys are allowed', () => {
    const text = `${VALID_HEAD}tags: &shared [ssh, smoke]\ncheck_type_aliases: *shared\nsteps:\n  <<: { inject: "true", check: "true" }\n  revert: "true"\n`;
    const loaded = loadDocument('inline.yaml', text, 'inline');
    expect(loaded.issues).toBeUndefined();
    const config = loaded.document?.kind === 'scenario' ? loaded.document.config : undefined;
    expect(config?.check_type_aliases).toEqual(['ssh', 'smoke']);
    expect(config?.steps).toEqual({ inject: 'true', check: 'true', revert: 'true' });
  });

  it('inventory problems: transport rules point at the transport, a missing discriminator lists the kinds', () => {
    const text = 'kind: lab\nname: x\nhosts:\n  - name: a\n    platform: linux\n    transport:\n      kind: ssh\n      user: root\nobservers:\n  - name: o\n    path: /x\n  - name: p\n    kind: http\n    url: healer-api\n';
    expect((loadDocument('lab.yaml', text, 'lab').issues ?? []).map(formatIssue)).toEqual([
      'lab.yaml:6:5 hosts[0].transport.key: needs `key` or `password`',
      'lab.yaml:6:5 hosts[0].transport.known_hosts: needs `known_hosts` to pin the host key, or `insecure_host_key: true` for a lab',
      'lab.yaml:10:5 observers[0].kind: is required: one of log, report-file, http, postgres, webhook, browser, prometheus',
      'lab.yaml:14:10 observers[1].url: must be a URL like http://127.0.0.1:8080/path (got "healer-api")',
    ]);
  });

  it('unknown kind, empty file, a list at the top', () => {
    expect(documentProblems('kind: scenarios\nid: x\n')).toEqual(['inline.yaml:1:7 kind: must be one of scenario, bundle, suite, lab (got "scenarios")']);
    expect(documentProblems('')).toEqual(['inline.yaml:1:1: the file is empty: expected a mapping with `id`, `title`, …']);
    expect(documentProblems('- a\n- b\n')).toEqual(['inline.yaml:1:1: expected a mapping at the top level, found a list']);
  });

  it('a missing path is a problem, not a crash', async () => {
    expect(await problems([`${FIXTURES}/does-not-exist`])).toEqual([`${FIXTURES}/does-not-exist: no such file or folder`]);
  });

  it('collects the problems of every file instead of stopping at the first', async () => {
    const error = await configError([BAD]);
    const files = new Set(error.issues.map((issue) => issue.file));
    expect(files.size).toBeGreaterThanOrEqual(12);
    const lines = error.issues.map((issue) => `${issue.file}:${issue.line}`);
    expect([...lines].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))).toEqual(lines);
  });
});
