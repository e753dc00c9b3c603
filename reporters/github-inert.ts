/**
 * Text a GitHub Actions runner must not execute. The runner reads every line a
 * step prints (split at `\n`, `\r\n` and a lone `\r`) and runs it as a workflow
 * command when, after its leading whitespace, it starts with `::` (`::error
 * title=…::`, `::add-mask::`, `::stop-commands::token`, which would silence
 * chaoslab's own annotations until the token comes back); the legacy form
 * `##[command]` is recognised anywhere in a line. A lab host's output, a healer's
 * runbook text or a scenario title can hold either, so every line a reporter
 * prints in a GitHub job passes through `inertForGithub` first: a zero-width
 * space goes between the two characters that open such a command. The text reads
 * the same in the log; the runner no longer sees a command.
 *
 * Workflow commands: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
 */
const ZERO_WIDTH_SPACE = '\u200B';

/** The runner trims what .NET calls white space (JavaScript's \s, plus NEL) before looking for `::`. */
const COMMAND_START = /^([\s\u0085]*):(?=:)/;
const LEGACY_COMMAND = /##\[/g;

function inertLine(line: string): string {
  return line.replace(COMMAND_START, `$1:${ZERO_WIDTH_SPACE}`).replace(LEGACY_COMMAND, `#${ZERO_WIDTH_SPACE}#[`);
}

/** Every line of `text` made inert; line breaks (and lone carriage returns, which the runner also breaks at) are kept. */
export function inertForGithub(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, index) => (index % 2 === 1 ? part : inertLine(part)))
    .join('');
}

/** True in a GitHub Actions job (the runner sets GITHUB_ACTIONS=true for every step). */
export function inGithubJob(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
