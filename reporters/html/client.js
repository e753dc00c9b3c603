// The scorecard's script: renders scenario rows from the embedded run data,
// filters and searches them, and builds each drill-down only when it is opened,
// so a 10,000-attempt run is interactive at once. No network, no dependencies.
(function () {
  'use strict';
  // A data block is JSON, or (large runs) gzip-compressed JSON in base64, inflated by the browser itself.
  function readBlock(id) {
    var el = document.getElementById(id);
    if (el.getAttribute('data-encoding') !== 'gzip-base64') return Promise.resolve(JSON.parse(el.textContent));
    var binary = atob(el.textContent.trim()), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(JSON.parse);
  }
  var data = null;
  // Commands, outputs and events are read on the first drill-down only.
  var evidenceData = null, evidenceLoading = null;
  function loadEvidence() {
    evidenceLoading = evidenceLoading || readBlock('chaoslab-evidence').then(function (e) { evidenceData = e; });
    return evidenceLoading;
  }
  // Decodes one attempt's compact evidence (texts are indexes into a shared table, phases a flat list).
  function evidenceOf(a) {
    var e = evidenceData.attempts[a.index], s = evidenceData.strings, phases = [];
    for (var i = 0; i < e.phases.length; i += 4) {
      phases.push([s[e.phases[i]], e.phases[i + 1], e.phases[i + 2] < 0 ? null : e.phases[i + 2], e.phases[i + 3] < 0 ? null : e.phases[i + 3] === 1]);
    }
    return {
      phases: phases,
      commands: e.commands.map(function (c) { return [s[c[0]], s[c[1]], c[2], c[3], c[4], s[c[5]], s[c[6]], s[c[7]]]; }),
      signals: e.signals.map(function (x) { return [s[x[0]], s[x[1]], x[2], s[x[3]], s[x[4]]]; }),
      rejected: e.rejected.map(function (r) { return [s[r[0]], s[r[1]], s[r[2]]]; }),
      probes: e.probes
    };
  }
  var PAGE = 150;
  var ATTEMPT_PAGE = 100;
  var PHASE_LABEL = { preflight: 'preflight', snapshot: 'snapshot', inject: 'inject', confirm_drift: 'confirm drift', observe: 'observe', hold: 'hold', revert: 'revert', verify_baseline: 'verify baseline' };
  var state = { verdict: {}, platform: {}, tag: '', query: '', limit: PAGE };
  var list = document.getElementById('scenario-list');
  var count = document.getElementById('match-count');
  var more = document.getElementById('show-more');
  var visible = [];

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
  function badge(kind, n) {
    return '<span class="badge v-' + esc(kind) + '">' + esc(kind) + (n > 1 ? ' ×' + n : '') + '</span>';
  }
  function anyOn(set) { for (var k in set) if (set[k]) return true; return false; }

  function attemptMatches(a, scenario) {
    if (anyOn(state.verdict) && !state.verdict[a.kind]) return false;
    if (anyOn(state.platform) && !state.platform[scenario.platform]) return false;
    if (state.tag && scenario.tags.indexOf(state.tag) < 0) return false;
    if (state.query) {
      var text = (scenario.id + ' ' + scenario.title + ' ' + a.host + ' ' + scenario.checkType + ' ' + a.kind + ' ' + scenario.tags.join(' ')).toLowerCase();
      if (text.indexOf(state.query) < 0) return false;
    }
    return true;
  }

  function slaBar(sc) {
    var max = Math.max(sc.window, sc.p95 || 0, 1);
    var x = function (ms) { return Math.round((Math.min(ms, max) / max) * 200); };
    var label = sc.p50 === undefined ? 'no heals; SLA ' + dur(sc.sla) : 'time to heal p50 ' + dur(sc.p50) + ', p95 ' + dur(sc.p95) + '; SLA ' + dur(sc.sla) + ', window ' + dur(sc.window);
    var over = sc.p50 !== undefined && sc.p50 > sc.sla;
    return '<svg class="tth' + (over ? ' over' : '') + '" viewBox="0 0 200 18" role="img" aria-label="' + esc(label) + '"><title>' + esc(label) + '</title>' +
      '<rect class="track" x="0" y="5" width="200" height="8" rx="2"></rect>' +
      (sc.p95 !== undefined ? '<rect class="p95" x="0" y="5" width="' + x(sc.p95) + '" height="8" rx="2"></rect>' : '') +
      (sc.p50 !== undefined ? '<rect class="p50" x="0" y="5" width="' + x(sc.p50) + '" height="8" rx="2"></rect>' : '') +
      '<line class="sla" x1="' + x(sc.sla) + '" x2="' + x(sc.sla) + '" y1="1" y2="17"></line></svg>';
  }

  function scenarioRow(entry, index) {
    var sc = entry.scenario, attempts = entry.attempts, kinds = {}, order = [], passed = 0, scored = 0, flaky = '';
    attempts.forEach(function (a) {
      if (!kinds[a.kind]) { kinds[a.kind] = 0; order.push(a.kind); }
      kinds[a.kind] += 1;
      if (a.kind !== 'inconclusive' && a.kind !== 'skipped') { scored += 1; if (a.passed) passed += 1; }
      if (a.flaky) flaky = a.flaky;
    });
    return '<details class="scenario" data-index="' + index + '" data-scenario="' + esc(sc.id) + '"><summary>' +
      '<span class="s-title"><strong>' + esc(sc.title) + '</strong><small><code>' + esc(sc.id) + '</code> · ' + esc(sc.platform) + ' · ' + esc(sc.checkType) + '</small></span>' +
      '<span class="s-badges">' + order.map(function (k) { return badge(k, kinds[k]); }).join('') +
      ' <span class="muted">' + passed + '/' + scored + ' passed</span>' + (flaky ? ' <span class="flaky" title="' + esc(flaky) + '">flaky</span>' : '') + '</span>' +
      '<span class="s-time">' + slaBar(sc) + '<small>p50 ' + dur(sc.p50) + ' · p95 ' + dur(sc.p95) + ' · SLA ' + dur(sc.sla) + '</small></span>' +
      '</summary><div class="attempts"></div></details>';
  }

  function phaseTimeline(phases) {
    var end = 1;
    phases.forEach(function (p) { end = Math.max(end, p[2] === null ? p[1] : p[2]); });
    var rects = phases.map(function (p) {
      var stop = p[2] === null ? end : p[2];
      var x = (p[1] / end) * 360, w = Math.max(2, ((stop - p[1]) / end) * 360);
      var title = PHASE_LABEL[p[0]] + ' ' + dur(stop - p[1]) + (p[3] === false ? ' (failed)' : '');
      return '<rect class="ph ph-' + p[0] + (p[3] === false ? ' bad' : '') + '" x="' + x.toFixed(1) + '" y="0" width="' + w.toFixed(1) + '" height="12"><title>' + esc(title) + '</title></rect>';
    }).join('');
    var label = phases.map(function (p) { return PHASE_LABEL[p[0]] + (p[3] === false ? ' failed' : ''); }).join(', ') || 'no phases ran';
    return '<svg class="phases" viewBox="0 0 360 12" preserveAspectRatio="none" role="img" aria-label="Phases: ' + esc(label) + '">' + rects + '</svg>';
  }

  function attemptLine(a, i) {
    var cls = a.kind === 'inconclusive' || a.kind === 'skipped' ? 'lab' : a.passed ? 'passed' : 'failed';
    return '<details class="attempt ' + cls + '" data-attempt="' + i + '"><summary>' + badge(a.kind, 1) +
      '<span><code>' + esc(a.host) + '</code>' + (a.repeat > 1 ? ' #' + a.repeat : '') + '</span>' +
      '<span>' + (a.restore !== undefined ? 'restored ' + dur(a.restore) : 'not restored') + '</span>' +
      (a.flaky ? '<span class="flaky">flaky</span>' : '') + phaseTimeline(evidenceOf(a).phases) + '</summary><div class="evidence"></div></details>';
  }

  function table(head, rows) {
    if (!rows.length) return '<p class="muted">none</p>';
    return '<table><thead><tr>' + head.map(function (h) { return '<th scope="col">' + esc(h) + '</th>'; }).join('') + '</tr></thead><tbody>' +
      rows.map(function (r) { return '<tr>' + r.map(function (c) { return '<td>' + c + '</td>'; }).join('') + '</tr>'; }).join('') + '</tbody></table>';
  }

  function evidence(a, sc) {
    var e = evidenceOf(a);
    var out = function (text) { return text ? '<pre>' + esc(text) + '</pre>' : ''; };
    var commands = e.commands.map(function (c) {
      return [esc(c[0]), c[2] === null ? '—' : esc(c[2]), esc(dur(c[3])), '<pre class="cmd">' + esc(c[1]) + '</pre>' + out(c[5]) + out(c[6]) + (c[7] ? '<p class="v-not_healed">' + esc(c[7]) + '</p>' : '')];
    });
    var signals = e.signals.map(function (s) { return [esc(s[0]), esc(s[1]), esc(dur(s[2])), esc(s[3] || '—'), esc(s[4] || '—')]; });
    var rejected = e.rejected.map(function (r) { return ['<code>' + esc(r[0]) + '</code>', esc(r[1]), esc(r[2])]; });
    var probes = e.probes.map(function (p) { return ['t+' + esc(dur(p[0])), p[1] ? '<span class="v-healed">compliant</span>' : '<span class="v-not_healed">drifted</span>']; });
    var phases = e.phases.map(function (p) { return [esc(PHASE_LABEL[p[0]]), esc(dur(p[1])), p[2] === null ? 'unfinished' : esc(dur(p[2] - p[1])), p[3] === false ? '<span class="v-not_healed">failed</span>' : 'ok']; });
    return '<dl><dt>Verdict</dt><dd>' + esc(a.verdict) + (a.passed ? ' — <span class="v-healed">met expectation</span>' : '') + '</dd>' +
      '<dt>Expected</dt><dd>' + esc(sc.expected) + '</dd>' + (a.mismatch ? '<dt>Mismatch</dt><dd class="v-flapped">' + esc(a.mismatch) + '</dd>' : '') +
      (a.flaky ? '<dt>Flaky</dt><dd>' + esc(a.flaky) + '</dd>' : '') +
      '<dt>Detected / claimed / restored</dt><dd>' + dur(a.detect) + ' / ' + dur(a.claim) + ' / ' + dur(a.restore) + ' after injection (SLA ' + dur(sc.sla) + ', window ' + dur(sc.window) + ')</dd>' +
      '<dt>Attempt</dt><dd><code>' + esc(a.id) + '</code></dd></dl>' +
      '<div><h4>Phases</h4>' + table(['Phase', 'Started', 'Took', 'Result'], phases) + '</div>' +
      '<div><h4>Ground-truth checks (before/after)</h4>' + table(['When', 'Host state'], probes) + '</div>' +
      '<div><h4>Healer events</h4>' + table(['Kind', 'Source', 'At', 'Runbook', 'Tier'], signals) + '</div>' +
      '<div><h4>Rejected events</h4>' + table(['Reason', 'Source', 'Detail'], rejected) + '</div>' +
      '<div><h4>Commands sent</h4>' + table(['Step', 'Exit', 'Took', 'Command and output'], commands) + '</div>';
  }

  function renderAttempts(container, entry, shown) {
    var html = entry.attempts.slice(0, shown).map(function (a) { return attemptLine(a, a.index); }).join('');
    if (entry.attempts.length > shown) html += '<button type="button" class="more-attempts" data-shown="' + shown + '">Show more attempts (' + (entry.attempts.length - shown) + ' left)</button>';
    container.innerHTML = html;
  }

  function render() {
    visible = [];
    var attemptsShown = 0;
    data.scenarios.forEach(function (sc) {
      var matching = sc.attempts.map(function (i) { return data.attempts[i]; }).filter(function (a) { return attemptMatches(a, sc); });
      if (matching.length) { visible.push({ scenario: sc, attempts: matching }); attemptsShown += matching.length; }
    });
    list.innerHTML = visible.slice(0, state.limit).map(scenarioRow).join('');
    more.hidden = visible.length <= state.limit;
    count.textContent = visible.length + ' of ' + data.scenarios.length + ' scenarios, ' + attemptsShown + ' of ' + data.attempts.length + ' attempts shown';
  }

  document.addEventListener('toggle', function (event) {
    var el = event.target;
    if (!el.open) return;
    if (el.classList.contains('scenario')) {
      var box = el.querySelector('.attempts');
      var entry = visible[Number(el.getAttribute('data-index'))];
      if (!box.childElementCount) loadEvidence().then(function () { renderAttempts(box, entry, ATTEMPT_PAGE); });
    } else if (el.classList.contains('attempt')) {
      var ev = el.querySelector('.evidence');
      var a = data.attempts[Number(el.getAttribute('data-attempt'))];
      if (!ev.childElementCount) ev.innerHTML = evidence(a, data.scenarios[a.scenario]);
    }
  }, true);

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (target.matches('[data-filter]')) {
      var on = target.getAttribute('aria-pressed') !== 'true';
      target.setAttribute('aria-pressed', String(on));
      state[target.getAttribute('data-filter')][target.getAttribute('data-value')] = on;
      state.limit = PAGE;
      render();
    } else if (target.id === 'clear-filters') {
      state.verdict = {}; state.platform = {}; state.tag = ''; state.query = ''; state.limit = PAGE;
      document.querySelectorAll('[data-filter]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      document.getElementById('tag-filter').value = '';
      document.getElementById('search').value = '';
      render();
    } else if (target === more) {
      state.limit += PAGE;
      render();
    } else if (target.classList.contains('more-attempts')) {
      var row = target.closest('.scenario');
      renderAttempts(row.querySelector('.attempts'), visible[Number(row.getAttribute('data-index'))], Number(target.getAttribute('data-shown')) + ATTEMPT_PAGE);
    }
  });
  document.getElementById('tag-filter').addEventListener('change', function (event) { state.tag = event.target.value; state.limit = PAGE; render(); });
  document.getElementById('search').addEventListener('input', function (event) { state.query = event.target.value.trim().toLowerCase(); state.limit = PAGE; render(); });
  // Printing shows every scenario row, not only the first page.
  window.addEventListener('beforeprint', function () { state.limit = Infinity; render(); });

  readBlock('chaoslab-data').then(function (loaded) {
    data = loaded;
    data.attempts.forEach(function (a, i) { a.index = i; });
    render();
    // The page is usable from here on; the benchmark reads this mark.
    if (window.performance && performance.mark) performance.mark('chaoslab-ready');
    document.documentElement.setAttribute('data-ready', 'true');
  }).catch(function (error) {
    count.textContent = 'The scenario rows could not be read: ' + error.message;
    throw error;
  });
})();
