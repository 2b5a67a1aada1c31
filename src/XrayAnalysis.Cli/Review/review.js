'use strict';
// XrayAnalysis review page. Everything comes from the JSON block in this file and from relative image paths: no fetch,
// no XHR, no external resource (the CSP forbids them). Text from results is only ever set with textContent.
(function () {
  const DATA = JSON.parse(document.getElementById('data').textContent);
  const ITEMS = DATA.items;
  const BY_ID = new Map(ITEMS.map((x, i) => [x.id, Object.assign(x, { index: i })]));
  // The overlay palette (OverlayRenderer, converted from BGR): magenta, cyan, yellow, red, green, blue, pink, orange.
  const PALETTE = ['#ff00ff', '#00ffff', '#ffe600', '#ff0000', '#00ff00', '#0080ff', '#ff0080', '#ff8000'];
  const colourOf = id => PALETTE[((id % PALETTE.length) + PALETTE.length) % PALETTE.length];
  const SEVERITY = { 'not ok': 0, 'unable to clear': 1, 'alarm': 2, 'clear': 3 };
  const VCLASS = { 'alarm': 'alarm', 'clear': 'clear', 'unable to clear': 'unable', 'not ok': 'notok' };
  const PAGE = 200;
  const stats = { detailLoadMs: null, sinceNavigationMs: null, lastTilesMs: null, tileRequests: 0 };
  const $ = id => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, v);
    return e;
  }
  const fmt = (x, d = 2) => (x === null || x === undefined) ? '–' : Number(x).toFixed(d);
  const shown = x => x.detections.filter(d => d.tier !== 'below');
  const alarms = x => x.detections.filter(d => d.tier === 'alarm');
  function badge(text, cls) { return el('span', { class: 'badge ' + cls, text }); }
  function marks(x) {
    if (!x.truth) return null;
    const tp = x.detections.filter(d => d.mark === 'tp').length, fp = x.detections.filter(d => d.mark === 'fp').length;
    const fn = x.truth.filter(t => t.mark === 'fn').length;
    return el('span', { class: 'marks' }, el('span', { class: 'mark tp', text: 'TP ' + tp }), ' ', el('span', { class: 'mark fp', text: 'FP ' + fp }), ' ', el('span', { class: 'mark fn', text: 'FN ' + fn }));
  }

  // ---- header ----
  function summary() {
    const n = v => ITEMS.filter(x => x.verdict === v).length;
    const s = $('summary');
    s.append(el('b', { text: ITEMS.length }), ' scans from ', el('code', { text: DATA.source }), ' · ',
      el('b', { text: n('alarm') }), ' alarm · ', el('b', { text: n('unable to clear') }), ' unable to clear · ',
      el('b', { text: n('not ok') }), ' not ok · ', el('b', { text: n('clear') }), ' clear · view ', el('code', { text: DATA.view || 'standard' }),
      ' · generated ' + DATA.generated);
    const withTruth = ITEMS.filter(x => x.truth);
    if (withTruth.length) {
      const tp = withTruth.reduce((a, x) => a + x.detections.filter(d => d.mark === 'tp').length, 0);
      const fp = withTruth.reduce((a, x) => a + x.detections.filter(d => d.mark === 'fp').length, 0);
      const fn = withTruth.reduce((a, x) => a + x.truth.filter(t => t.mark === 'fn').length, 0);
      s.append(' · ground truth on ' + withTruth.length + ' scans at each scan\'s alarm threshold, IoU ≥ ' + DATA.match_iou + ': ',
        el('span', { class: 'mark tp', text: 'TP ' + tp }), ' ', el('span', { class: 'mark fp', text: 'FP ' + fp }), ' ', el('span', { class: 'mark fn', text: 'FN ' + fn }));
    }
  }

  // ---- grid ----
  const state = { shownCount: PAGE, list: [] };
  function fillSelect(id, values) {
    const s = $(id);
    for (const v of values) s.append(el('option', { value: v, text: v }));
  }
  function filtered() {
    const name = $('f-name').value.trim().toLowerCase(), verdict = $('f-verdict').value, status = $('f-status').value;
    const route = $('f-route').value, cls = $('f-class').value, alarmsOnly = $('f-alarms').checked;
    const lo = parseFloat($('f-min').value), hi = parseFloat($('f-max').value);
    const list = ITEMS.filter(x =>
      (!name || x.name.toLowerCase().includes(name)) &&
      (!verdict || x.verdict === verdict) &&
      (!status || x.status === status) &&
      (!route || (x.route || '(none)') === route) &&
      (!cls || shown(x).some(d => d.name === cls)) &&
      (!alarmsOnly || x.verdict === 'alarm' || x.verdict === 'unable to clear') &&
      (isNaN(lo) || x.max_score >= lo) && (isNaN(hi) || x.max_score <= hi));
    const by = $('f-sort').value;
    const cmp = {
      'severity': (a, b) => SEVERITY[a.verdict] - SEVERITY[b.verdict] || b.max_score - a.max_score || a.name.localeCompare(b.name),
      'score-desc': (a, b) => b.max_score - a.max_score || a.name.localeCompare(b.name),
      'score-asc': (a, b) => a.max_score - b.max_score || a.name.localeCompare(b.name),
      'dets-desc': (a, b) => shown(b).length - shown(a).length || a.name.localeCompare(b.name),
      'name': (a, b) => a.name.localeCompare(b.name),
      'route': (a, b) => (a.route || '').localeCompare(b.route || '') || a.name.localeCompare(b.name),
      'time-desc': (a, b) => (b.total_ms || 0) - (a.total_ms || 0),
    }[by];
    return list.sort(cmp);
  }
  function thumbBoxes(x) {
    const s = svg('svg', { viewBox: `0 0 ${x.width} ${x.height}`, preserveAspectRatio: 'xMidYMid meet' });
    for (const r of x.shield || []) s.append(svg('rect', { x: r.x, y: r.y, width: r.width, height: r.height, fill: 'rgba(255,0,255,0.25)', stroke: '#ff00ff', 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
    for (const d of shown(x)) {
      s.append(svg('rect', { x: d.box[0], y: d.box[1], width: d.box[2] - d.box[0], height: d.box[3] - d.box[1], fill: 'none', stroke: colourOf(d.class_id),
        'stroke-width': d.tier === 'alarm' ? 2 : 1, 'stroke-dasharray': d.tier === 'alarm' ? null : '3 2', 'vector-effect': 'non-scaling-stroke' }));
    }
    return s;
  }
  function card(x) {
    const thumb = el('div', { class: 'thumb' });
    if (x.image) {
      thumb.append(el('img', { src: x.image.thumb, alt: x.name, loading: 'lazy', decoding: 'async' }), thumbBoxes(x));
    } else {
      thumb.append(el('div', { class: 'none', text: x.image_note || 'no image' }));
    }
    const a = alarms(x).length, sug = shown(x).length - a;
    const meta = el('div', { class: 'meta' },
      el('div', { class: 'name', text: x.name, title: x.input || x.name }),
      el('div', { class: 'row' }, badge(x.verdict, VCLASS[x.verdict]), x.route ? badge(x.route, 'route') : null,
        x.status !== 'ok' ? badge(x.status, 'status') : null, 'top ' + fmt(x.max_score)),
      el('div', { class: 'row' }, `${a} alarm${a === 1 ? '' : 's'} · ${sug} suggestion${sug === 1 ? '' : 's'}`, x.truth ? ' · ' : null, marks(x)),
      x.reason ? el('div', { class: 'row', text: x.reason, title: x.reason }) : null);
    const c = el('div', { class: 'card v-' + VCLASS[x.verdict], tabindex: 0, 'data-id': x.id, 'data-verdict': x.verdict }, thumb, meta);
    c.addEventListener('click', () => openScan(x.id));
    c.addEventListener('keydown', e => { if (e.key === 'Enter') openScan(x.id); });
    return c;
  }
  function renderGrid(keepCount) {
    state.list = filtered();
    if (!keepCount) state.shownCount = PAGE;
    const g = $('grid');
    g.replaceChildren(...state.list.slice(0, state.shownCount).map(card));
    $('count').textContent = `${state.list.length} of ${ITEMS.length} scans`;
    $('more').hidden = state.list.length <= state.shownCount;
  }

  // ---- viewer ----
  const viewer = {
    item: null, s: 1, tx: 0, ty: 0, level: -1, tiles: new Map(), pending: 0, t0: 0, measuring: false, firstDone: false,
    open(item) {
      this.item = item;
      const tiles = $('tiles'), world = $('world');
      tiles.replaceChildren();
      world.querySelectorAll('svg').forEach(e => e.remove());
      this.tiles = new Map();
      this.level = -1;
      this.pending = 0;
      this.firstDone = false;
      stats.detailLoadMs = null;
      this.t0 = performance.now();
      const img = item.image;
      $('noimage').hidden = !!img;
      $('noimage').textContent = img ? '' : (item.image_note || 'no image for this scan');
      world.hidden = !img;
      if (!img) { this.status(); return; }
      world.style.width = img.width + 'px';
      world.style.height = img.height + 'px';
      tiles.style.width = img.width + 'px';
      tiles.style.height = img.height + 'px';
      // The coarsest level under everything: the whole scan at once while the sharp tiles arrive.
      const top = img.levels - 1;
      const base = el('img', { src: `${img.tiles}/${top}/0_0.${img.format}`, alt: '', 'data-base': '1' });
      base.style.cssText = `left:0;top:0;width:${img.width}px;height:${img.height}px`;
      this.track(base);
      tiles.append(base);
      world.append(overlay(item));
      this.fit();
    },
    track(img) {
      this.pending++;
      stats.tileRequests++;
      const done = () => { this.pending--; this.loaded(); };
      img.addEventListener('load', done, { once: true });
      img.addEventListener('error', done, { once: true });
    },
    loaded() {
      if (this.pending > 0) return;
      const ms = Math.round(performance.now() - this.t0);
      if (!this.firstDone) { this.firstDone = true; stats.detailLoadMs = ms; if (stats.sinceNavigationMs === null) stats.sinceNavigationMs = Math.round(performance.now()); }
      stats.lastTilesMs = Math.round(performance.now() - this.tUpdate);
      $('viewport').dataset.loaded = '1';
      this.status();
    },
    size() { const v = $('viewport'); return [v.clientWidth, v.clientHeight]; },
    fit() {
      const img = this.item && this.item.image; if (!img) return;
      const [vw, vh] = this.size();
      this.s = Math.min(vw / img.width, vh / img.height) * 0.98;
      this.tx = (vw - img.width * this.s) / 2;
      this.ty = (vh - img.height * this.s) / 2;
      this.update();
    },
    zoomAt(f, cx, cy) {
      const img = this.item && this.item.image; if (!img) return;
      const [vw, vh] = this.size();
      if (cx === undefined) { cx = vw / 2; cy = vh / 2; }
      const min = Math.min(vw / img.width, vh / img.height) * 0.25, max = 16;
      const s = Math.min(max, Math.max(min, this.s * f));
      this.tx = cx - (cx - this.tx) * (s / this.s);
      this.ty = cy - (cy - this.ty) * (s / this.s);
      this.s = s;
      this.update();
    },
    zoomTo(box) {
      const [vw, vh] = this.size();
      const w = Math.max(box[2] - box[0], 8), h = Math.max(box[3] - box[1], 8);
      this.s = Math.min(16, Math.min(vw / w, vh / h) * 0.5);
      this.tx = vw / 2 - ((box[0] + box[2]) / 2) * this.s;
      this.ty = vh / 2 - ((box[1] + box[3]) / 2) * this.s;
      this.update();
    },
    oneToOne() {
      // Exactly 1:1 on whole pixels, centred where the view is now: screen pixels are the scan's own.
      const [vw, vh] = this.size();
      const cx = (vw / 2 - this.tx) / this.s, cy = (vh / 2 - this.ty) / this.s;
      this.s = 1;
      this.tx = Math.round(vw / 2 - cx);
      this.ty = Math.round(vh / 2 - cy);
      this.update();
    },
    pan(dx, dy) { this.tx += dx; this.ty += dy; this.update(); },
    update() {
      const img = this.item && this.item.image; if (!img) return;
      const world = $('world');
      world.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.s})`;
      world.classList.toggle('pixelated', this.s >= 2);
      world.style.setProperty('--inv', 1 / this.s);
      // The overlay lives in scan pixels under the zoom transform: keep its lines and labels a constant size on screen.
      const ov = world.querySelector('svg');
      if (ov) {
        const inv = 1 / this.s;
        ov.querySelectorAll('[data-sw]').forEach(e => {
          e.setAttribute('stroke-width', e.dataset.sw * inv);
          if (e.dataset.dash) e.setAttribute('stroke-dasharray', e.dataset.dash.split(' ').map(v => v * inv).join(' '));
        });
        // A label wider than its box on screen would cover its neighbours: shown only once the box is large enough.
        ov.querySelectorAll('text').forEach(t => {
          t.setAttribute('font-size', 13 * inv);
          t.style.display = t.dataset.bw * this.s < 28 ? 'none' : '';
        });
      }
      this.tUpdate = performance.now();
      this.updateTiles();
      $('z-label').textContent = Math.round(this.s * 100) + '%';
      const v = $('viewport');
      v.dataset.scale = this.s.toFixed(5);
      this.status();
    },
    updateTiles() {
      const img = this.item.image, T = img.tile_size;
      const level = Math.max(0, Math.min(img.levels - 1, Math.floor(Math.log2(1 / this.s) + 1e-9)));
      const f = Math.pow(2, level);
      const lw = Math.ceil(img.width / f), lh = Math.ceil(img.height / f);
      const cols = Math.ceil(lw / T), rows = Math.ceil(lh / T);
      const [vw, vh] = this.size();
      // Visible part of the scan in level-0 pixels, with one tile of margin.
      const x0 = -this.tx / this.s, y0 = -this.ty / this.s, x1 = (vw - this.tx) / this.s, y1 = (vh - this.ty) / this.s;
      const c0 = Math.max(0, Math.floor(x0 / (T * f)) - 1), c1 = Math.min(cols - 1, Math.floor(x1 / (T * f)) + 1);
      const r0 = Math.max(0, Math.floor(y0 / (T * f)) - 1), r1 = Math.min(rows - 1, Math.floor(y1 / (T * f)) + 1);
      const want = new Set();
      const tiles = $('tiles');
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const key = `${level}/${c}_${r}`;
          want.add(key);
          if (this.tiles.has(key)) continue;
          const w = Math.min(T, lw - c * T), h = Math.min(T, lh - r * T);
          const t = el('img', { src: `${img.tiles}/${key}.${img.format}`, alt: '', 'data-level': level });
          // Tiles at level L cover 2^L scan pixels each; the last row/column may run past the scan by under 2^L px.
          t.style.cssText = `left:${c * T * f}px;top:${r * T * f}px;width:${w * f}px;height:${h * f}px`;
          this.track(t);
          tiles.append(t);
          this.tiles.set(key, t);
        }
      }
      for (const [key, t] of this.tiles) {
        if (!want.has(key)) { t.remove(); this.tiles.delete(key); }
      }
      this.level = level;
      const v = $('viewport');
      v.dataset.level = level;
      v.dataset.tiles = this.tiles.size;
      if (this.pending > 0) v.dataset.loaded = '0'; else this.loaded();
    },
    status() {
      const x = this.item; if (!x) return;
      const parts = [];
      if (x.image) {
        parts.push(`${x.image.width} × ${x.image.height} px`, `zoom ${Math.round(this.s * 100)}%`, `pyramid level ${this.level} of ${x.image.levels - 1}`, `${this.tiles.size} tiles on screen`);
        if (stats.detailLoadMs !== null) parts.push(`first view in ${stats.detailLoadMs} ms`);
        if (this.pending > 0) parts.push(`loading ${this.pending}…`);
      }
      $('viewer-status').textContent = parts.join(' · ');
    },
  };

  function overlay(x) {
    const img = x.image;
    const s = svg('svg', { width: img.width, height: img.height, viewBox: `0 0 ${img.width} ${img.height}`, id: 'overlay' });
    const gShield = svg('g', { class: 'shield' }), gTruth = svg('g', { class: 'truth' }), gSug = svg('g', { class: 'suggestions' }), gAlarm = svg('g', { class: 'alarms' });
    for (const r of x.shield || []) {
      const ring = pts => 'M' + pts.map(p => p[0] + ' ' + p[1]).join('L') + 'Z';
      const d = [r.outline].concat(r.holes || []).filter(p => p && p.length).map(ring).join(' ') || `M${r.x} ${r.y}h${r.width}v${r.height}h${-r.width}Z`;
      gShield.append(svg('path', { d, 'fill-rule': 'evenodd', fill: 'rgba(255,0,255,0.22)', stroke: '#ff00ff', 'data-sw': 2 }));
    }
    for (const t of x.truth || []) {
      gTruth.append(svg('rect', { x: t.box[0], y: t.box[1], width: t.box[2] - t.box[0], height: t.box[3] - t.box[1], fill: 'none',
        stroke: t.mark === 'fn' ? '#ffd23f' : '#2fbf71', 'data-sw': t.mark === 'fn' ? 2.5 : 1.5, 'data-dash': '6 4', 'data-mark': t.mark }));
      if (t.mark === 'fn') gTruth.append(label(t.box, 'FN ' + t.name, '#ffd23f', true));
    }
    x.detections.forEach((d, i) => {
      if (d.tier === 'below') return;
      const alarm = d.tier === 'alarm';
      const c = colourOf(d.class_id);
      const g = alarm ? gAlarm : gSug;
      g.append(svg('rect', { x: d.box[0], y: d.box[1], width: d.box[2] - d.box[0], height: d.box[3] - d.box[1], fill: 'none', stroke: c,
        'data-sw': alarm ? 3 : 1.5, 'data-dash': alarm ? null : '5 4', 'data-index': i, 'data-tier': d.tier }));
      if (alarm) g.append(label(d.box, `${i + 1} ${d.name} ${d.score.toFixed(2)}${d.mark ? ' ' + d.mark.toUpperCase() : ''}`, c, false));
    });
    s.append(gShield, gTruth, gSug, gAlarm);
    applyToggles(s);
    return s;
  }
  function label(box, text, colour, below) {
    const t = svg('text', { x: box[0], y: below ? box[3] : box[1], dy: below ? '1em' : '-0.3em', fill: colour, 'font-size': 13, 'font-weight': 700, 'data-bw': box[2] - box[0],
      stroke: '#000', 'data-sw': 3, 'paint-order': 'stroke', 'stroke-linejoin': 'round', 'font-family': 'system-ui, sans-serif' });
    t.textContent = text;
    return t;
  }
  function applyToggles(s) {
    s = s || document.querySelector('#world svg');
    if (!s) return;
    s.style.display = $('t-overlay').checked ? '' : 'none';
    s.querySelector('.suggestions').style.display = $('t-suggest').checked ? '' : 'none';
    s.querySelector('.truth').style.display = $('t-truth').checked ? '' : 'none';
    s.querySelector('.shield').style.display = $('t-shield').checked ? '' : 'none';
  }
  function applyFilter() {
    const f = [];
    if ($('t-invert').checked) f.push('invert(1)');
    const b = parseFloat($('t-bright').value);
    if (b !== 1) f.push(`brightness(${b})`);
    $('tiles').style.filter = f.join(' ');
  }

  // ---- detail ----
  function info(x) {
    const box = $('info');
    const dl = el('dl');
    const row = (k, v) => { if (v !== null && v !== undefined && v !== '') dl.append(el('dt', { text: k }), el('dd', { text: String(v) })); };
    row('verdict', x.verdict); row('status', x.status); row('reason', x.reason); row('route', x.route); row('model', x.model);
    row('alarm threshold', x.threshold !== null && x.threshold !== undefined ? fmt(x.threshold, 3) : null);
    row('size', x.width ? `${x.width} × ${x.height}` : null); row('time', x.total_ms ? x.total_ms + ' ms' : null); row('input', x.input); row('note', x.image_note);
    const links = el('p', {}, el('a', { href: x.result, text: 'result JSON' }), x.overlay ? ' · ' : null, x.overlay ? el('a', { href: x.overlay, text: 'burned-in overlay' }) : null);
    const table = el('table', { id: 'dets' }, el('tr', {}, el('th', { text: '#' }), el('th', { text: 'class' }), el('th', { text: 'score' }), el('th', { text: 'tier' }), x.truth ? el('th', { text: 'GT' }) : null));
    x.detections.forEach((d, i) => {
      const tr = el('tr', { class: 'det ' + d.tier, 'data-index': i },
        el('td', { text: i + 1 }), el('td', {}, el('span', { class: 'swatch', style: 'background:' + colourOf(d.class_id) }), d.name),
        el('td', { text: d.score.toFixed(3) }), el('td', { text: d.tier }), x.truth ? el('td', { class: 'mark ' + (d.mark || ''), text: d.mark ? d.mark.toUpperCase() : '' }) : null);
      tr.addEventListener('click', () => viewer.zoomTo(d.box));
      table.append(tr);
    });
    const more = x.detections_not_shown ? `; ${x.detections_not_shown} more in the result file, lowest scores, not carried by this page` : '';
    const parts = [el('h3', { text: 'Scan' }), dl, links, el('h3', { text: `Detections (${shown(x).length} shown, ${x.detections.length - shown(x).length} below ${DATA.display_floor}${more})` }), table];
    if (x.truth) {
      const gt = el('table', { id: 'truth' }, el('tr', {}, el('th', { text: 'class' }), el('th', { text: 'box' }), el('th', { text: '' })));
      for (const t of x.truth) {
        const tr = el('tr', { class: 'det' }, el('td', { text: t.name }), el('td', { text: t.box.map(v => Math.round(v)).join(', ') }), el('td', { class: 'mark ' + t.mark, text: t.mark.toUpperCase() }));
        tr.addEventListener('click', () => viewer.zoomTo(t.box));
        gt.append(tr);
      }
      parts.push(el('h3', { text: `Ground truth (${x.truth.length})` }), gt);
    }
    if (x.shield && x.shield.length) {
      parts.push(el('h3', { text: `Unable to clear: ${x.shield.length} region${x.shield.length === 1 ? '' : 's'} too dense for the beam` }));
      const st = el('table', {});
      for (const r of x.shield) {
        const tr = el('tr', { class: 'det' }, el('td', { text: `${r.x}, ${r.y}, ${r.width} × ${r.height}` }), el('td', { text: r.area_pixels + ' px' }));
        tr.addEventListener('click', () => viewer.zoomTo([r.x, r.y, r.x + r.width, r.y + r.height]));
        st.append(tr);
      }
      parts.push(st);
    }
    box.replaceChildren(...parts);
  }
  function openScan(id) {
    if (location.hash !== '#scan=' + encodeURIComponent(id)) { location.hash = 'scan=' + encodeURIComponent(id); return; }
    route();
  }
  function showDetail(x) {
    $('grid-view').hidden = true;
    $('detail-view').hidden = false;
    $('d-title').textContent = x.name;
    $('d-badges').replaceChildren(badge(x.verdict, VCLASS[x.verdict]), ' ', x.route ? badge(x.route, 'route') : '', ' ', marks(x) || '');
    info(x);
    viewer.open(x);
    $('viewport').focus();
  }
  function showGrid() {
    $('detail-view').hidden = true;
    $('grid-view').hidden = false;
    viewer.item = null;
  }
  function step(delta) {
    if (!viewer.item) return;
    const list = state.list.length ? state.list : ITEMS;
    const i = list.indexOf(viewer.item);
    const next = list[(i + delta + list.length) % list.length];
    if (next) openScan(next.id);
  }
  function route() {
    const m = /^#scan=(.+)$/.exec(location.hash);
    const x = m && BY_ID.get(decodeURIComponent(m[1]));
    if (x) showDetail(x); else showGrid();
  }

  // ---- wiring ----
  function init() {
    summary();
    fillSelect('f-status', [...new Set(ITEMS.map(x => x.status))].sort());
    fillSelect('f-route', [...new Set(ITEMS.map(x => x.route || '(none)'))].sort());
    fillSelect('f-class', DATA.classes);
    for (const id of ['f-name', 'f-verdict', 'f-status', 'f-route', 'f-class', 'f-min', 'f-max', 'f-alarms', 'f-sort']) {
      $(id).addEventListener('input', () => renderGrid(false));
      $(id).addEventListener('change', () => renderGrid(false));
    }
    $('more').addEventListener('click', () => { state.shownCount += PAGE; renderGrid(true); });
    $('back').addEventListener('click', () => { location.hash = ''; });
    $('prev').addEventListener('click', () => step(-1));
    $('next').addEventListener('click', () => step(1));
    for (const id of ['t-overlay', 't-suggest', 't-truth', 't-shield']) $(id).addEventListener('change', () => applyToggles());
    $('t-invert').addEventListener('change', applyFilter);
    $('t-bright').addEventListener('input', applyFilter);
    $('z-in').addEventListener('click', () => viewer.zoomAt(1.5));
    $('z-out').addEventListener('click', () => viewer.zoomAt(1 / 1.5));
    $('z-fit').addEventListener('click', () => viewer.fit());
    $('z-one').addEventListener('click', () => viewer.oneToOne());
    const vp = $('viewport');
    vp.addEventListener('wheel', e => {
      e.preventDefault();
      const r = vp.getBoundingClientRect();
      viewer.zoomAt(Math.pow(1.0015, -e.deltaY), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    let drag = null;
    vp.addEventListener('pointerdown', e => { drag = [e.clientX, e.clientY]; vp.setPointerCapture(e.pointerId); vp.classList.add('dragging'); });
    vp.addEventListener('pointermove', e => { if (!drag) return; viewer.pan(e.clientX - drag[0], e.clientY - drag[1]); drag = [e.clientX, e.clientY]; });
    const end = () => { drag = null; vp.classList.remove('dragging'); };
    vp.addEventListener('pointerup', end);
    vp.addEventListener('pointercancel', end);
    document.addEventListener('keydown', e => {
      if (!viewer.item || e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
      const k = e.key;
      if (k === 'Escape') location.hash = '';
      else if (k === '+' || k === '=') viewer.zoomAt(1.5);
      else if (k === '-') viewer.zoomAt(1 / 1.5);
      else if (k === '0') viewer.fit();
      else if (k === '1') viewer.oneToOne();
      else if (k === 'o') { $('t-overlay').checked = !$('t-overlay').checked; applyToggles(); }
      else if (k === 'n') step(1);
      else if (k === 'p') step(-1);
      else if (k === 'ArrowLeft') viewer.pan(60, 0);
      else if (k === 'ArrowRight') viewer.pan(-60, 0);
      else if (k === 'ArrowUp') viewer.pan(0, 60);
      else if (k === 'ArrowDown') viewer.pan(0, -60);
      else return;
      e.preventDefault();
    });
    window.addEventListener('resize', () => { if (viewer.item) viewer.update(); });
    window.addEventListener('hashchange', route);
    renderGrid(false);
    route();
  }
  // For people and tests: the open scan, the viewer and its measurements.
  window.review = { stats, viewer, openScan, items: ITEMS };
  init();
  document.documentElement.dataset.ready = '1';
})();
