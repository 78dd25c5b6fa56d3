// Ferry dashboard: polls the pipeline's status once a second and charts the last five minutes.
(function () {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const WINDOW = 300;
  const series = { t: [], capture: [], apply: [], lag: [], latency: [] };
  let charts = null;
  let name = null;

  const fmt = n => n == null || n < 0 ? '–' : Number(n).toLocaleString('en-US');
  const $ = id => document.getElementById(id);
  const text = (el, s) => { el.textContent = s; };

  function chart(id, labels, colors) {
    const el = $(id);
    const opts = {
      width: Math.max(280, el.clientWidth || 360), height: 180,
      series: [{}].concat(labels.map((l, i) => ({ label: l, stroke: colors[i], width: 2 }))),
      axes: [{}, { size: 60 }],
      legend: { show: true }
    };
    return new uPlot(opts, [[]].concat(labels.map(() => [])), el);
  }

  function push(s) {
    const now = Date.now() / 1000;
    series.t.push(now);
    series.capture.push(s.capture.events_per_second);
    series.apply.push(s.apply ? s.apply.events_per_second : null);
    series.lag.push(s.apply ? s.apply.behind_source_ms : s.capture.behind_source_ms);
    series.latency.push(s.latency_ms.recent_mean);
    for (const k in series) { if (series[k].length > WINDOW) series[k].shift(); }
    charts.throughput.setData([series.t, series.capture, series.apply]);
    charts.lag.setData([series.t, series.lag]);
    charts.latency.setData([series.t, series.latency]);
  }

  function render(s) {
    const state = $('state');
    text(state, s.state);
    state.className = 'badge ' + s.state;
    text($('updated'), 'updated ' + new Date().toLocaleTimeString());
    text($('captured'), fmt(s.capture.events));
    text($('capture-state'), s.capture.state + ' · ' + s.capture.phase);
    text($('capture-rate'), fmt(Math.round(s.capture.events_per_second)));
    text($('applied'), s.apply ? fmt(s.apply.events) : 'no sink');
    text($('apply-state'), s.apply ? s.apply.state : '');
    text($('apply-rate'), s.apply ? fmt(Math.round(s.apply.events_per_second)) : '–');
    text($('lag'), fmt(s.apply ? s.apply.behind_source_ms : s.capture.behind_source_ms) + ' ms');
    text($('latency'), fmt(s.latency_ms.p50) + ' / ' + fmt(s.latency_ms.p99) + ' ms');
    const r = s.source_log.retained_bytes;
    text($('retained'), r == null ? 'unknown' : (r / 1048576).toFixed(1) + ' MiB');
    text($('dead-letters'), s.apply ? fmt(s.apply.dead_letters) : '–');

    const conditions = $('conditions');
    conditions.replaceChildren(...s.conditions.map(c => {
      const d = document.createElement('div');
      d.className = 'condition ' + c.name;
      d.textContent = c.name.replace(/_/g, ' ') + ': ' + c.message;
      return d;
    }));

    const snap = $('snapshot').tBodies[0];
    snap.replaceChildren(...s.snapshot.map(t => {
      const tr = document.createElement('tr');
      const pct = t.done ? 100 : t.rows_estimated > 0 ? Math.min(99, Math.floor(100 * t.rows_done / t.rows_estimated)) : 0;
      tr.innerHTML = '<td></td><td><div class="bar"><div></div></div></td><td></td>';
      tr.cells[0].textContent = t.table;
      tr.cells[1].firstChild.firstChild.style.width = pct + '%';
      tr.cells[2].textContent = t.done ? 'done (' + fmt(t.rows_done) + ')' : fmt(t.rows_done) + ' / ' + fmt(t.rows_estimated);
      return tr;
    }));

    const parts = $('partitions').tBodies[0];
    parts.replaceChildren(...s.partitions.map(p => {
      const tr = document.createElement('tr');
      const flags = [];
      if (p.under_min_isr) { flags.push('UNDER MIN ISR'); tr.className = 'under-min-isr'; }
      if (p.under_replicated) { flags.push('UNDER-REPLICATED'); if (!tr.className) tr.className = 'under-replicated'; }
      const cells = [p.topic, p.partition, p.leader < 0 ? 'none' : p.leader,
        '[' + p.isr.join(',') + '] / [' + p.replicas.join(',') + ']', p.min_isr,
        fmt(p.high_watermark), fmt(p.last_stable_offset), p.lag == null ? '–' : fmt(p.lag), flags.join(' ')];
      for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.appendChild(td); }
      tr.dataset.topic = p.topic;
      tr.dataset.partition = p.partition;
      return tr;
    }));

    const errors = $('errors');
    const last = s.last_error ? [{ at: '', part: 'stopped', message: s.last_error }] : [];
    const items = last.concat(s.errors.slice().reverse());
    errors.replaceChildren(...items.map(e => {
      const li = document.createElement('li');
      li.textContent = (e.at ? e.at + ' ' : '') + e.part + ': ' + e.message;
      return li;
    }));
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'none';
      li.textContent = 'none';
      errors.appendChild(li);
    }
  }

  async function tick() {
    try {
      if (!name) {
        const names = await (await fetch('/pipelines', { headers })).json();
        name = names[0];
        text($('pipeline'), name);
      }
      const res = await fetch('/pipelines/' + encodeURIComponent(name) + '/status', { headers });
      const s = await res.json();
      if (!res.ok) throw new Error(s.message);
      render(s);
      push(s);
    } catch (e) {
      text($('state'), 'unreachable');
      $('state').className = 'badge FAILED';
    }
  }

  charts = {
    throughput: chart('throughput-chart', ['capture', 'apply'], ['#4a90d9', '#2ca02c']),
    lag: chart('lag-chart', ['lag ms'], ['#d9534f']),
    latency: chart('latency-chart', ['mean ms'], ['#9467bd'])
  };
  tick();
  setInterval(tick, 1000);
})();
