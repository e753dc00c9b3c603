// The scorecard's script: renders scenario rows from the embedded run data,
// filters and searches them, and builds each drill-down only when it is opened,
// so a 10,000-attempt run is interactive at once. Filters, search and the open
// attempt live in the URL hash, so a link reopens the same view. No network.
(function () {
  'use strict';
  var lib = window.chaoslab, esc = lib.esc, dur = lib.dur;
  // A data block is JSON, or (large runs) gzip-compressed JSON in base64, inflated by the browser itself.
  function readBlock(id) {
    var el = document.getElementById(id);
    if (el.getAttribute('data-encoding') !== 'gzip-base64') return Promise.resolve(JSON.parse(el.textContent));
    var binary = atob(el.textContent.trim()), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(JSON.parse);
  }
  var data = null, byId = {};
  // Commands, outputs and events are read on the first drill-down only.
  var evidenceData = null, evidenceLoading = null;
  function loadEvidence() {
    evidenceLoading = evidenceLoading || readBlock('chaoslab-evidence').then(function (e) { evidenceData = e; });
    return evidenceLoading;
  }
  // Decodes one attempt's compact evidence (texts are indexes into a shared table, phases a flat list).
  function evidenceOf(a) {
    var e = evidenceData.attempts[a.index], s = evidenceData.strings, phases = [];
    var time = function (ms) { return ms < 0 ? undefined : ms; };
    for (var i = 0; i < e.phases.length; i += 4) {
      phases.push([s[e.phases[i]], e.phases[i + 1], e.phases[i + 2] < 0 ? null : e.phases[i + 2], e.phases[i + 3] < 0 ? null : e.phases[i + 3] === 1]);
    }
    return {
      verdict: s[e.texts[0]], cause: s[e.texts[1]], mismatch: s[e.texts[2]],
      detect: time(e.times[0]), claim: time(e.times[1]), restore: time(e.times[2]),
      phases: phases,
      commands: e.commands.map(function (c) { return [s[c[0]], s[c[1]], c[2], c[3], c[4], s[c[5]], s[c[6]], s[c[7]]]; }),
      signals: e.signals.map(function (x) { return [s[x[0]], s[x[1]], x[2], s[x[3]], s[x[4]], s[x[5]]]; }),
      rejected: e.rejected.map(function (r) { return [s[r[0]], s[r[1]], s[r[2]]]; }),
      probes: e.probes,
      final: e.final && { at: time(e.final[0]), exitCode: e.final[1], output: s[e.final[2]] }
    };
  }
  // Rows are rendered in two steps: the first screen at once, the rest of the page right after it.
  var PAGE = 150, ATTEMPT_PAGE = 100, FIRST_SCREEN = 30;
  // Badges always come in this order, so rows line up at a glance.
  var KINDS = ['healed', 'healed_late', 'flapped', 'false_heal', 'silent_heal', 'escalated', 'not_healed', 'inconclusive', 'skipped'];
  var state = { verdict: {}, platform: {}, tag: '', bundle: '', query: '', limit: PAGE };
  var list = document.getElementById('scenario-list');
  var count = document.getElementById('match-count');
  var more = document.getElementById('show-more');
  var bundleFilter = document.getElementById('bundle-filter');
  var visible = [];
  var pendingRows = null;

  function badge(kind, n) {
    return '<span class="badge v-' + esc(kind) + '">' + esc(kind) + (n > 1 ? ' ×' + n : '') + '</span>';
  }
  function anyOn(set) { for (var k in set) if (set[k]) return true; return false; }
  function onKeys(set) { return Object.keys(set).filter(function (k) { return set[k]; }); }

  function attemptMatches(a, scenario) {
    if (anyOn(state.verdict) && !state.verdict[a.kind]) return false;
    if (anyOn(state.platform) && !state.platform[scenario.platform]) return false;
    if (state.tag && scenario.tags.indexOf(state.tag) < 0) return false;
    if (state.bundle && a.bundle !== state.bundle) return false;
    if (state.query) {
      var text = (scenario.id + ' ' + scenario.title + ' ' + a.host + ' ' + scenario.checkType + ' ' + a.kind + ' ' + scenario.tags.join(' ') + ' ' +
        scenario.expected + ' ' + a.id + ' ' + (a.bundle || '') + ' ' + (a.runbook || '')).toLowerCase();
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
    var sc = entry.scenario, kinds = {}, passed = 0, scored = 0, flaky = '';
    entry.attempts.forEach(function (a) {
      kinds[a.kind] = (kinds[a.kind] || 0) + 1;
      if (a.scored) { scored += 1; if (a.passed) passed += 1; }
      if (a.flaky) flaky = a.flaky;
    });
    return '<details class="scenario" data-index="' + index + '" data-scenario="' + esc(sc.id) + '"><summary>' +
      '<span class="s-title"><strong>' + esc(sc.title) + '</strong><small><code>' + esc(sc.id) + '</code> · ' + esc(sc.platform) + ' · ' + esc(sc.checkType) + '</small></span>' +
      '<span class="s-badges">' + KINDS.filter(function (k) { return kinds[k]; }).map(function (k) { return badge(k, kinds[k]); }).join('') +
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
      var title = lib.phaseLabel[p[0]] + ' ' + dur(stop - p[1]) + (p[3] === false ? ' (failed)' : '');
      return '<rect class="ph ph-' + p[0] + (p[3] === false ? ' bad' : '') + '" x="' + x.toFixed(1) + '" y="0" width="' + w.toFixed(1) + '" height="12"><title>' + esc(title) + '</title></rect>';
    }).join('');
    var label = phases.map(function (p) { return lib.phaseLabel[p[0]] + (p[3] === false ? ' failed' : ''); }).join(', ') || 'no phases ran';
    return '<svg class="phases" viewBox="0 0 360 12" preserveAspectRatio="none" role="img" aria-label="Phases: ' + esc(label) + '">' + rects + '</svg>';
  }

  function attemptLine(a) {
    var ev = evidenceOf(a);
    var cls = !a.scored ? 'lab' : a.passed ? 'passed' : 'failed';
    return '<details class="attempt ' + cls + '" data-attempt="' + a.index + '" data-attempt-id="' + esc(a.id) + '"><summary>' + badge(a.kind, 1) +
      '<span><code>' + esc(a.host) + '</code>' + (a.repeat > 1 ? ' #' + a.repeat : '') + '</span>' +
      (a.bundle ? '<span class="bundle" title="ran in bundle ' + esc(a.bundle) + '">bundle ' + esc(a.bundle) + '</span>' : '') +
      '<span class="cause">' + esc(ev.cause) + '</span>' +
      (a.flaky ? '<span class="flaky">flaky</span>' : '') + phaseTimeline(ev.phases) + '</summary><div class="evidence"></div></details>';
  }

  // model/rerun.ts rerunCommand: the run's command, pinned to the attempt's host, narrowed to its bundle or scenario.
  function rerunOf(a) {
    var host = data.rerunHosts.indexOf(a.host) >= 0 ? ' --host ' + lib.shellQuote(a.host) : '';
    return data.rerunBase + host + ' ' + lib.shellQuote(a.bundle || data.scenarios[a.scenario].id);
  }

  function renderAttempts(container, entry, shown) {
    var html = entry.attempts.slice(0, shown).map(attemptLine).join('');
    if (entry.attempts.length > shown) html += '<button type="button" class="more-attempts" data-shown="' + shown + '">Show more attempts (' + (entry.attempts.length - shown) + ' left)</button>';
    container.innerHTML = html;
  }

  // The rows open before a re-render stay open after it (a filter toggle must not lose the reader's place).
  function openRows() {
    var open = { scenarios: {}, attempts: [] };
    list.querySelectorAll('details.scenario[open]').forEach(function (el) { open.scenarios[el.getAttribute('data-scenario')] = true; });
    list.querySelectorAll('details.attempt[open]').forEach(function (el) { open.attempts.push(Number(el.getAttribute('data-attempt'))); });
    return open;
  }
  function reopen(open) {
    flushRows();
    list.querySelectorAll('details.scenario').forEach(function (el) {
      if (!open.scenarios[el.getAttribute('data-scenario')]) return;
      renderAttempts(el.querySelector('.attempts'), visible[Number(el.getAttribute('data-index'))], ATTEMPT_PAGE);
      el.open = true;
    });
    open.attempts.forEach(function (i) { var el = list.querySelector('details.attempt[data-attempt="' + i + '"]'); if (el) el.open = true; });
  }

  function render() {
    var open = evidenceData ? openRows() : null;
    visible = [];
    var attemptsShown = 0;
    data.scenarios.forEach(function (sc) {
      var matching = sc.attempts.map(function (i) { return data.attempts[i]; }).filter(function (a) { return attemptMatches(a, sc); });
      if (matching.length) { visible.push({ scenario: sc, attempts: matching }); attemptsShown += matching.length; }
    });
    var page = visible.slice(0, state.limit);
    list.innerHTML = page.slice(0, FIRST_SCREEN).map(scenarioRow).join('');
    clearTimeout(pendingRows && pendingRows.timer);
    pendingRows = page.length > FIRST_SCREEN ? { rows: page, timer: setTimeout(flushRows, 0) } : null;
    more.hidden = visible.length <= state.limit;
    count.textContent = visible.length + ' of ' + data.scenarios.length + ' scenarios, ' + attemptsShown + ' of ' + data.attempts.length + ' attempts shown';
    if (open) reopen(open);
  }

  // The rows of the page below the first screen, appended after it (at once when something needs them now).
  function flushRows() {
    if (!pendingRows) return;
    var rows = pendingRows.rows;
    clearTimeout(pendingRows.timer);
    pendingRows = null;
    list.insertAdjacentHTML('beforeend', rows.slice(FIRST_SCREEN).map(function (entry, i) { return scenarioRow(entry, i + FIRST_SCREEN); }).join(''));
  }

  // --- URL hash: #verdict=false_heal,not_healed&platform=linux&tag=ssh&q=dns&attempt=<id>
  var openAttemptId = '';
  function writeHash() {
    var parts = [];
    var add = function (key, value) { if (value) parts.push(key + '=' + encodeURIComponent(value)); };
    add('verdict', onKeys(state.verdict).join(','));
    add('platform', onKeys(state.platform).join(','));
    add('tag', state.tag);
    add('bundle', state.bundle);
    add('q', state.query);
    add('attempt', openAttemptId);
    var hash = parts.length ? '#' + parts.join('&') : '';
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
  }
  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    var set = function (value) { var out = {}; (value || '').split(',').filter(Boolean).forEach(function (k) { out[k] = true; }); return out; };
    state.verdict = set(params.get('verdict'));
    state.platform = set(params.get('platform'));
    state.tag = params.get('tag') || '';
    state.bundle = params.get('bundle') || '';
    state.query = (params.get('q') || '').toLowerCase();
    state.limit = PAGE;
    document.querySelectorAll('[data-filter]').forEach(function (b) { b.setAttribute('aria-pressed', String(!!state[b.getAttribute('data-filter')][b.getAttribute('data-value')])); });
    document.getElementById('tag-filter').value = state.tag;
    if (bundleFilter) bundleFilter.value = state.bundle;
    document.getElementById('search').value = params.get('q') || '';
    return params.get('attempt') || '';
  }
  function applyHash() {
    var attemptId = readHash();
    render();
    if (attemptId) openAttempt(attemptId);
  }

  // Opens one attempt's drill-down and scrolls to it; filters that hide it are cleared.
  function openAttempt(id) {
    var a = byId[id];
    if (!a) return;
    var find = function () { for (var i = 0; i < visible.length; i += 1) if (visible[i].attempts.indexOf(a) >= 0) return i; return -1; };
    var at = find();
    if (at < 0) { state.verdict = {}; state.platform = {}; state.tag = ''; state.bundle = ''; state.query = ''; syncControls(); render(); at = find(); }
    if (at >= state.limit) { state.limit = at + 1; render(); }
    loadEvidence().then(function () {
      flushRows();
      var row = list.querySelector('details.scenario[data-index="' + at + '"]');
      var entry = visible[at];
      renderAttempts(row.querySelector('.attempts'), entry, Math.max(ATTEMPT_PAGE, entry.attempts.indexOf(a) + 1));
      row.open = true;
      var line = row.querySelector('details.attempt[data-attempt="' + a.index + '"]');
      fillEvidence(line, a);
      line.open = true;
      line.querySelector('summary').focus({ preventScroll: true });
      lib.land(line);
    });
  }

  function fillEvidence(line, a) {
    var ev = line.querySelector('.evidence');
    if (!ev.childElementCount) ev.innerHTML = lib.renderEvidence(a, data.scenarios[a.scenario], evidenceOf(a), rerunOf(a));
  }
  function syncControls() {
    document.querySelectorAll('[data-filter]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
    document.getElementById('tag-filter').value = '';
    if (bundleFilter) bundleFilter.value = '';
    document.getElementById('search').value = '';
  }

  function copy(text, button) {
    var done = function () { button.setAttribute('data-copied', 'true'); button.textContent = 'Copied'; };
    var fallback = function () {
      var area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
      done();
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  document.addEventListener('toggle', function (event) {
    var el = event.target;
    if (el.classList.contains('scenario')) {
      var box = el.querySelector('.attempts');
      var entry = visible[Number(el.getAttribute('data-index'))];
      if (el.open && !box.childElementCount) loadEvidence().then(function () { if (!box.childElementCount) renderAttempts(box, entry, ATTEMPT_PAGE); });
    } else if (el.classList.contains('attempt')) {
      var a = data.attempts[Number(el.getAttribute('data-attempt'))];
      if (el.open) {
        fillEvidence(el, a);
        openAttemptId = a.id;
      } else if (openAttemptId === a.id) openAttemptId = '';
      writeHash();
    }
  }, true);

  document.addEventListener('click', function (event) {
    var target = event.target.closest('button');
    if (!target) return;
    if (target.matches('[data-filter]')) {
      var on = target.getAttribute('aria-pressed') !== 'true';
      target.setAttribute('aria-pressed', String(on));
      state[target.getAttribute('data-filter')][target.getAttribute('data-value')] = on;
      state.limit = PAGE;
      render();
      writeHash();
    } else if (target.id === 'clear-filters') {
      state.verdict = {}; state.platform = {}; state.tag = ''; state.bundle = ''; state.query = ''; state.limit = PAGE;
      syncControls();
      render();
      writeHash();
    } else if (target === more) {
      state.limit += PAGE;
      render();
    } else if (target.classList.contains('more-attempts')) {
      var row = target.closest('.scenario');
      renderAttempts(row.querySelector('.attempts'), visible[Number(row.getAttribute('data-index'))], Number(target.getAttribute('data-shown')) + ATTEMPT_PAGE);
    } else if (target.hasAttribute('data-copy')) {
      var a = data.attempts[Number(target.closest('details.attempt').getAttribute('data-attempt'))];
      var link = location.href.split('#')[0] + '#attempt=' + encodeURIComponent(a.id);
      copy(target.getAttribute('data-copy') === 'link' ? link : rerunOf(a), target);
    }
  });

  // Keyboard: arrows move between rows (and between the chips of a filter group), Home/End jump.
  document.addEventListener('keydown', function (event) {
    var el = event.target, keys = { ArrowDown: 1, ArrowUp: -1, ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
    if (!(event.key in keys) || event.altKey || event.ctrlKey || event.metaKey) return;
    var group;
    if (el.matches('#scenario-list summary') && /Arrow(Down|Up)|Home|End/.test(event.key)) {
      flushRows();
      group = Array.prototype.filter.call(list.querySelectorAll('summary'), function (s) { return s.offsetParent !== null; });
    } else if (el.matches('.filter-group button') && /Arrow(Right|Left)|Home|End/.test(event.key)) {
      group = Array.prototype.slice.call(el.parentElement.querySelectorAll('button'));
    } else return;
    var step = keys[event.key], at = group.indexOf(el);
    var next = step === -Infinity ? 0 : step === Infinity ? group.length - 1 : Math.min(group.length - 1, Math.max(0, at + step));
    event.preventDefault();
    group[next].focus();
  });

  document.getElementById('tag-filter').addEventListener('change', function (event) { state.tag = event.target.value; state.limit = PAGE; render(); writeHash(); });
  // The bundle filter is there only when the run had bundles.
  if (bundleFilter) bundleFilter.addEventListener('change', function (event) { state.bundle = event.target.value; state.limit = PAGE; render(); writeHash(); });
  document.getElementById('search').addEventListener('input', function (event) { state.query = event.target.value.trim().toLowerCase(); state.limit = PAGE; render(); writeHash(); });
  window.addEventListener('hashchange', applyHash);
  // Printing shows every scenario row, not only the first page, and the folded cards (the timeline…) open.
  window.addEventListener('beforeprint', function () {
    state.limit = Infinity; render(); flushRows();
    document.querySelectorAll('details.card').forEach(function (d) { d.open = true; });
  });

  readBlock('chaoslab-data').then(function (loaded) {
    data = loaded;
    data.attempts.forEach(function (a, i) { a.index = i; byId[a.id] = a; });
    applyHash();
    // The page is usable from here on; the benchmark reads this mark.
    if (window.performance && performance.mark) performance.mark('chaoslab-ready');
    document.documentElement.setAttribute('data-ready', 'true');
  }).catch(function (error) {
    count.textContent = 'The scenario rows could not be read: ' + error.message;
    throw error;
  });
})();
