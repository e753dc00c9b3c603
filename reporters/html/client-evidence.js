// The drill-down of one attempt, built when it is opened: cause and verdict,
// copy link / copy rerun command, phases, ground-truth checks, healer events,
// rejected events summarised by reason, and commands with long texts folded.
// Shared helpers live on window.chaoslab for the page script (client.js).
(function () {
  'use strict';
  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  // Same rendering as the text reporters: 420ms, 8.5s, 42s, 6m20s.
  function dur(ms) {
    if (ms === undefined || ms === null || !isFinite(ms)) return '—';
    if (ms < 1000) return Math.round(ms) + 'ms';
    var s = ms / 1000;
    if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + 's';
    var m = Math.floor(s / 60), rest = Math.round(s - m * 60);
    return rest ? m + 'm' + rest + 's' : m + 'm';
  }
  // POSIX shell quoting, only where needed (as harness/model/rerun.ts does).
  function shellQuote(arg) {
    return /^[\w@%+=:,./-]+$/.test(arg) ? arg : "'" + arg.replace(/'/g, "'\\''") + "'";
  }
  var PHASE_LABEL = { preflight: 'preflight', snapshot: 'snapshot', inject: 'inject', confirm_drift: 'confirm drift', observe: 'observe', hold: 'hold', revert: 'revert', verify_baseline: 'verify baseline' };
  var REJECTED_ABOUT = { stale: 'from before the injection', other_host: 'about other hosts', other_check: 'about other checks', duplicate: 'repeating an earlier event', other_run: 'from other runs', malformed: 'that could not be read', after_window: 'after the window' };
  // Outputs longer than this are folded behind their size: the cause is above, the bytes are one click away.
  var FOLD_CHARS = 600, FOLD_LINES = 10, COMMAND_PREVIEW = 160;

  function table(head, rows, cls) {
    if (!rows.length) return '<p class="muted">none</p>';
    return '<table class="stack' + (cls ? ' ' + cls : '') + '"><thead><tr>' + head.map(function (h) { return '<th scope="col">' + esc(h) + '</th>'; }).join('') + '</tr></thead><tbody>' +
      rows.map(function (r) { return '<tr>' + r.map(function (c, i) { return '<td data-label="' + esc(head[i]) + '">' + c + '</td>'; }).join('') + '</tr>'; }).join('') + '</tbody></table>';
  }
  // One part of the evidence under its heading (h3: the scenario list's heading is an h2). The part scrolls
  // sideways when a table is wider than a phone, so it takes keyboard focus and is named for screen readers.
  function part(title, body) {
    return '<div role="region" tabindex="0" aria-label="' + esc(title) + '"><h3>' + esc(title) + '</h3>' + body + '</div>';
  }
  function folded(label, text) {
    if (!text) return '';
    var lines = text.split('\n').length;
    if (text.length <= FOLD_CHARS && lines <= FOLD_LINES) return '<pre tabindex="0">' + esc(text) + '</pre>';
    return '<details class="fold"><summary>' + esc(label) + ': ' + text.length.toLocaleString('en') + ' characters, ' + lines + ' line' + (lines === 1 ? '' : 's') + '</summary><pre tabindex="0">' + esc(text) + '</pre></details>';
  }
  function commandCell(c) {
    var command = c[1];
    var shown = command.length <= COMMAND_PREVIEW ? '<pre class="cmd" tabindex="0">' + esc(command) + '</pre>'
      : '<details class="fold"><summary><code>' + esc(command.slice(0, COMMAND_PREVIEW)) + '…</code> (' + command.length.toLocaleString('en') + ' characters)</summary><pre class="cmd" tabindex="0">' + esc(command) + '</pre></details>';
    return shown + folded('stdout', c[5]) + folded('stderr', c[6]) + (c[7] ? '<p class="error-text">' + esc(c[7]) + '</p>' : '');
  }
  function rejectedSummary(rejected) {
    if (!rejected.length) return '<p class="muted">none</p>';
    var byReason = {}, order = [];
    rejected.forEach(function (r) { if (!byReason[r[0]]) { byReason[r[0]] = []; order.push(r[0]); } byReason[r[0]].push(r); });
    return order.map(function (reason) {
      var list = byReason[reason], n = list.length;
      var title = n + ' event' + (n === 1 ? '' : 's') + ' ' + (REJECTED_ABOUT[reason] || reason) + ' (' + reason + ')';
      return '<details class="fold rejected"><summary>' + esc(title) + '</summary>' + table(['Source', 'Detail'], list.map(function (r) { return [esc(r[1]), esc(r[2])]; })) + '</details>';
    }).join('');
  }

  // The claim beside the last check before the revert (reporters/window-check.ts): was the host healed when the window ended?
  function claimVsTruth(e) {
    var claim = e.claim === undefined ? 'no claim' : 'claimed healed at ' + esc(dur(e.claim));
    var f = e.final;
    if (!f) return claim + ' · no ground-truth check ran before the revert';
    var result = f.exitCode === 0 ? '<span class="ok-text">compliant</span>' : f.exitCode === null ? '<span class="warn-text">unknown</span>' : '<span class="error-text">drifted</span>';
    var output = f.output ? ': <code>' + esc(f.output.length > 200 ? f.output.slice(0, 200) + '…' : f.output) + '</code>' : '';
    return claim + ' · last check before revert' + (f.at === undefined ? '' : ' at ' + esc(dur(f.at))) + ': ' + result + ' (exit ' + (f.exitCode === null ? 'without a code' : esc(f.exitCode)) + output + ')';
  }

  function render(a, sc, e, rerun) {
    var signals = e.signals.map(function (s) { return [esc(s[0]), esc(s[1]), esc(dur(s[2])), esc(s[3] || '—'), esc(s[4] || '—'), esc(s[5] || '—')]; });
    var probes = e.probes.map(function (p) { return ['t+' + esc(dur(p[0])), p[1] ? '<span class="ok-text">compliant</span>' : '<span class="error-text">drifted</span>']; });
    var phases = e.phases.map(function (p) { return [esc(PHASE_LABEL[p[0]]), esc(dur(p[1])), p[2] === null ? 'unfinished' : esc(dur(p[2] - p[1])), p[3] === false ? '<span class="error-text">failed</span>' : 'ok']; });
    var commands = e.commands.map(function (c) { return [esc(c[0]), c[2] === null ? '—' : esc(c[2]), esc(dur(c[3])), commandCell(c)]; });
    return '<dl><dt>Cause</dt><dd class="cause">' + esc(e.cause) + '</dd>' +
      '<dt>Verdict</dt><dd>' + esc(e.verdict) + (a.passed ? ' — <span class="ok-text">met expectation</span>' : '') + '</dd>' +
      '<dt>Expected</dt><dd>' + esc(sc.expected) + '</dd>' + (e.mismatch ? '<dt>Mismatch</dt><dd class="warn-text">' + esc(e.mismatch) + '</dd>' : '') +
      (a.flaky ? '<dt>Flaky</dt><dd>' + esc(a.flaky) + '</dd>' : '') + (a.bundle ? '<dt>Bundle</dt><dd>' + esc(a.bundle) + '</dd>' : '') +
      '<dt>Detected / claimed / restored</dt><dd>' + dur(e.detect) + ' / ' + dur(e.claim) + ' / ' + dur(e.restore) + ' after injection (SLA ' + dur(sc.sla) + ', window ' + dur(sc.window) + ')</dd>' +
      '<dt>Claim vs ground truth</dt><dd class="window-check">' + claimVsTruth(e) + '</dd>' +
      '<dt>Attempt</dt><dd><code>' + esc(a.id) + '</code> <button type="button" class="copy" data-copy="link">Copy link</button></dd>' +
      '<dt>Rerun</dt><dd><code class="rerun" tabindex="0">' + esc(rerun) + '</code> <button type="button" class="copy" data-copy="rerun">Copy rerun command</button></dd></dl>' +
      part('Phases', table(['Phase', 'Started', 'Took', 'Result'], phases)) +
      part('Ground-truth checks (before/after)', table(['When', 'Host state'], probes)) +
      part('Healer events', table(['Kind', 'Source', 'At', 'Runbook', 'Tier', 'Healer said'], signals)) +
      part('Rejected events', rejectedSummary(e.rejected)) +
      part('Commands sent', table(['Step', 'Exit', 'Took', 'Command and output'], commands, 'commands'));
  }

  window.chaoslab = { esc: esc, dur: dur, shellQuote: shellQuote, phaseLabel: PHASE_LABEL, renderEvidence: render };
})();
