/**
 * The demo page: settings, live charts and the status line. All computation happens in the
 * module worker (worker.ts); this file turns its messages into SVG charts drawn with webgrad's
 * own chart builders (src/plot), re-rendered at most once per animation frame.
 *
 * URL parameters preset the settings (handy for tests and links): backend=auto|webgpu|cpu,
 * subset, val, units, embed, lrStart, lrEnd, lrSteps, lr, batch, epochs, schedule, es=0|1,
 * monitor, minDelta, patience, restore=0|1, studySizes=16,32, studyEpochs.
 */
import { barChart, formatLr, lineChart, RULE_COLORS, type MarkerSpec, type PointSpec, type LineSeries } from '../../src/plot/index.js';
import { LrFinderResult } from '../../src/train/lr-finder/result.js';
import type { DatasetInfo, EngineStats, FromWorker, LrSweep, LrSweepPlan, ModelSettings, StudyPoint, Task, ToWorker, TrainSummary } from './protocol.js';

// ---------------------------------------------------------------------------------------------
// DOM helpers

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}
const input = (id: string) => $<HTMLInputElement>(id);
const select = (id: string) => $<HTMLSelectElement>(id);
function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const params = new URLSearchParams(location.search);
function preset(id: string, param: string, fallback: string): void {
  const el = $<HTMLInputElement | HTMLSelectElement>(id);
  el.value = params.get(param) ?? fallback;
}
function presetCheck(id: string, param: string, fallback: boolean): void {
  const v = params.get(param);
  input(id).checked = v === null ? fallback : v === '1' || v === 'true' || v === 'on';
}

preset('subset', 'subset', '2048');
preset('val-pct', 'val', '20');
preset('units', 'units', '16');
preset('embed', 'embed', '16');
preset('lr-start', 'lrStart', '1e-5');
preset('lr-end', 'lrEnd', '1');
preset('lr-steps', 'lrSteps', '80');
preset('lr', 'lr', '0.003');
preset('batch', 'batch', '64');
preset('epochs', 'epochs', '8');
preset('schedule', 'schedule', 'constant');
presetCheck('es-on', 'es', true);
preset('es-monitor', 'monitor', 'val_loss');
preset('es-delta', 'minDelta', '0.001');
preset('es-patience', 'patience', '2');
presetCheck('es-restore', 'restore', true);
preset('study-sizes', 'studySizes', '16, 32, 64, 128');
preset('study-epochs', 'studyEpochs', '1');

// ---------------------------------------------------------------------------------------------
// Formatting

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmt4 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4));
function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}
function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v >= 100 ? fmtInt(v) : v.toPrecision(3);
}
function parseNumber(id: string, what: string, check: (v: number) => boolean): number {
  const raw = input(id).value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || !check(v)) throw new Error(`${what}: ${JSON.stringify(raw)} is not valid`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// State

interface LrState extends LrSweepPlan, LrSweep {
  done: boolean;
  chosen: number | null;
}

interface TrainState {
  epochs: number;
  steps: number;
  samples: number;
  valSamples: number;
  batchSize: number;
  bx: number[];
  batchLoss: number[];
  runLoss: number[];
  runAcc: number[];
  epochLogs: Record<string, number>[];
  epochRate: number[];
  epochSeconds: number[];
  samplesPerSec: number;
  done: TrainSummary | null;
}

const state = {
  backend: null as null | { kind: 'webgpu' | 'cpu'; description: string; fallbackReason: string | null },
  dataset: null as DatasetInfo | null,
  busy: null as Task,
  lr: null as LrState | null,
  train: null as TrainState | null,
  study: null as null | { batchSizes: number[]; epochs: number; points: StudyPoint[]; live: string; done: boolean; stopped: boolean },
  stats: null as EngineStats | null,
  prediction: null as null | { probability: number; tokens: number; known: number; trained: boolean; ms: number },
  errors: [] as string[],
  /** The dataset source, to reload after a worker restart. */
  source: { kind: 'builtin' } as { kind: 'builtin' } | { kind: 'file'; file: File; textField: string; labelField: string },
};

// For tests and the curious: a read-only view of what the page knows.
(window as unknown as { __demo: typeof state }).__demo = state;

// ---------------------------------------------------------------------------------------------
// Worker

const isolated = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
let stopBuffer: SharedArrayBuffer | null = null;
let worker: Worker;
let predictId = 0;
/** Set while a restarted worker reloads the same data: keep the results on screen. */
let restarting = false;

function send(m: ToWorker): void {
  worker.postMessage(m);
}

function startWorker(): void {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'webgrad-training' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => showError(`worker: ${e.message || 'failed to start'}`);
  stopBuffer = isolated ? new SharedArrayBuffer(4) : null;
  const backend = params.get('backend');
  send({ type: 'init', backend: backend === 'cpu' || backend === 'webgpu' ? backend : 'auto', stopFlag: stopBuffer });
  loadSource();
}

function loadSource(): void {
  const s = state.source;
  if (s.kind === 'builtin') send({ type: 'load-builtin', url: new URL('data/spam.json', location.href).href });
  else send({ type: 'load-file', file: s.file, textField: s.textField, labelField: s.labelField });
}

function stop(): void {
  if (!state.busy) return;
  if (stopBuffer) Atomics.store(new Int32Array(stopBuffer), 0, 1);
  send({ type: 'stop' });
  setTask(state.busy, 'Stopping…', null);
  if (!stopBuffer && state.busy === 'find-lr') {
    // Without cross-origin isolation a synchronous sweep cannot see the request: restart the worker
    // (the sweep restores its model anyway, and the curve so far stays on screen).
    worker.terminate();
    if (state.lr) {
      finishStoppedSweep(state.lr);
      const pick = state.lr.suggestions.find((x) => x.rule === 'valley') ?? state.lr.suggestions[0];
      if (pick) chooseLr(pick.lr);
    }
    setBusy(null);
    restarting = true;
    startWorker();
    render('lr');
  }
}

/** A sweep cut short by a worker restart: analyse the steps that arrived here in the page. */
function finishStoppedSweep(lr: LrState): void {
  lr.done = true;
  lr.stopped = true;
  lr.seconds = (performance.now() - lrStartedAt) / 1000;
  if (lr.lrs.length < 2) return;
  const r = new LrFinderResult({ lrs: lr.lrs, losses: lr.losses, smoothedLosses: lr.smoothed, numSteps: lr.lrs.length });
  const { suggestions, errors } = r.suggestions();
  lr.suggestions = Object.entries(suggestions).map(([rule, v]) => ({ rule, lr: v!.lr, pointLr: v!.pointLr, loss: v!.loss }));
  lr.errors = errors as Record<string, string>;
}
let lrStartedAt = 0;

// ---------------------------------------------------------------------------------------------
// Settings

function modelSettings(): ModelSettings {
  return {
    units: parseNumber('units', 'GRU units', (v) => Number.isInteger(v) && v >= 1 && v <= 512),
    embedDim: parseNumber('embed', 'Embedding size', (v) => Number.isInteger(v) && v >= 1 && v <= 512),
    subset: parseNumber('subset', 'Subset', (v) => Number.isInteger(v) && v >= 4),
    valFraction: parseNumber('val-pct', 'Validation %', (v) => v >= 1 && v <= 90) / 100,
    seed: Number(params.get('seed') ?? 1),
  };
}

function updateModelSummary(): void {
  const d = state.dataset;
  const out = $('model-summary');
  try {
    const s = modelSettings();
    const V = d?.numWords ?? 10000;
    const u = s.units;
    const e = s.embedDim;
    const gru = 3 * u * (e + u) + 2 * 3 * u;
    const total = V * e + 2 * gru + (2 * u * 6 + 6) + 7;
    // The same split as the worker's splits(): a prefix of the shuffled rows.
    let nTrain: number;
    let nVal: number;
    if (d?.fixedValidation) {
      nVal = Math.max(1, Math.min(d.fixedValidation, Math.round(s.subset * s.valFraction)));
      nTrain = Math.max(1, Math.min(d.n - d.fixedValidation, s.subset - nVal));
    } else {
      const n = Math.max(2, Math.min(d?.n ?? s.subset, s.subset));
      nVal = Math.max(1, Math.min(n - 1, Math.round(n * s.valFraction)));
      nTrain = n - nVal;
    }
    out.textContent = `Embedding ${fmtInt(V)}×${e} → bidirectional GRU ${u}+${u} → dense 6 (ReLU) → dense 1 (sigmoid): ${fmtInt(total)} parameters. `
      + `${fmtInt(nTrain)} training and ${fmtInt(nVal)} validation samples.`;
  } catch (err) {
    out.textContent = (err as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------
// Status line, banner, task bar, errors

function setTask(task: Task, text: string, fraction: number | null): void {
  const bar = $('taskbar');
  bar.dataset.task = task ?? '';
  $('task-text').textContent = text;
  const p = $<HTMLProgressElement>('task-progress');
  if (fraction === null) p.removeAttribute('value');
  else p.value = Math.max(0, Math.min(1, fraction));
}

const TASK_NAMES: Record<Exclude<Task, null>, string> = {
  load: 'Loading data', 'find-lr': 'Finding the learning rate', train: 'Training', study: 'Batch-size study',
};

function setBusy(task: Task): void {
  state.busy = task;
  document.body.dataset.busy = task ?? '';
  const ready = state.backend !== null && state.dataset !== null;
  for (const id of ['find-lr', 'train', 'study']) $<HTMLButtonElement>(id).disabled = !ready || task !== null;
  $<HTMLButtonElement>('stop').disabled = task === null || task === 'load';
  $<HTMLButtonElement>('stop-train').disabled = task !== 'train';
  if (task === null) setTask(null, ready ? 'Idle. Pick settings on the left, then run a step.' : 'Starting…', 0);
  else setTask(task, `${TASK_NAMES[task]}…`, null);
}

function showError(message: string): void {
  state.errors.push(message);
  const box = $('errors');
  box.hidden = false;
  box.textContent = `Error: ${message}`;
  console.error(`[demo] ${message}`);
}

function clearError(): void {
  $('errors').hidden = true;
}

function renderStatus(): void {
  const b = state.backend;
  const badge = $('backend-badge');
  if (!b) return;
  badge.textContent = b.kind === 'webgpu' ? 'WebGPU' : 'CPU';
  badge.className = `badge ${b.kind}`;
  $('backend-text').textContent = b.kind === 'webgpu'
    ? `adapter: ${b.description.replace(/^webgpu:\s*/, '')}`
    : `webgrad CPU backend (${b.description.replace(/^cpu\s*/, '').replace(/[()]/g, '') || 'float32'})`;
  const s = state.stats;
  if (s) {
    const dps = s.dispatchesPerStep === null ? '–' : s.dispatchesPerStep.toFixed(0);
    $('stats-text').textContent = `${dps} dispatches/step · ${fmtBytes(s.bytes)} in ${fmtInt(s.buffers)} buffers · ${fmtInt(s.tensors)} tensors`
      + (b.kind === 'webgpu' ? ` · ${fmtInt(s.pipelines)} pipelines` : '');
  }
  const banner = $('banner');
  if (b.kind === 'cpu') {
    banner.hidden = false;
    banner.replaceChildren(
      h('b', {}, 'CPU fallback: '),
      `WebGPU is not available here (${b.fallbackReason ?? 'unknown reason'}), so webgrad trains on its CPU backend in the worker. `
      + 'Everything works, only slower. For WebGPU use a browser with WebGPU enabled, on https or http://localhost.',
    );
  } else {
    banner.hidden = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Charts (rendered at the container's pixel width, so text stays at its design size)

type ChartId = 'lr' | 'train' | 'study';
const dirty = new Set<ChartId>();
let frame = 0;
function render(...ids: ChartId[]): void {
  for (const id of ids) dirty.add(id);
  if (!frame) {
    frame = requestAnimationFrame(() => {
      frame = 0;
      const todo = [...dirty];
      dirty.clear();
      for (const id of todo) {
        try {
          if (id === 'lr') renderLr();
          else if (id === 'train') renderTrain();
          else renderStudy();
        } catch (e) {
          showError(`drawing the ${id} chart failed: ${(e as Error).message}`);
        }
      }
    });
  }
}
addEventListener('resize', () => render('lr', 'train', 'study'));

function widthOf(el: HTMLElement, fallback: number): number {
  return Math.max(280, Math.floor(el.clientWidth || fallback));
}

/** Interpolates y at x on a log-x polyline (for placing the chosen-LR dot on the smoothed curve). */
function interpLogX(x: number, xs: number[], ys: number[]): number {
  for (let i = 1; i < xs.length; i++) {
    if (xs[i]! >= x && xs[i - 1]! <= x) {
      const a = Math.log(xs[i - 1]!);
      const b = Math.log(xs[i]!);
      const t = b === a ? 0 : (Math.log(x) - a) / (b - a);
      return ys[i - 1]! + t * (ys[i]! - ys[i - 1]!);
    }
  }
  return NaN;
}

function lrYDomain(lr: LrState): [number, number] | undefined {
  // Show the descent: from the lowest loss up to the highest smoothed loss before the minimum
  // (or the first half), so a blow-up at the end leaves through the top.
  const end = lr.divergedAt >= 0 ? lr.divergedAt + 1 : lr.smoothed.length;
  let iMin = -1;
  for (let i = 0; i < end; i++) if (Number.isFinite(lr.smoothed[i]!) && (iMin < 0 || lr.smoothed[i]! < lr.smoothed[iMin]!)) iMin = i;
  const upto = Math.max(iMin, Math.floor(end / 2)) + 1;
  const tops = [...lr.smoothed.slice(0, upto), ...lr.losses.slice(0, Math.min(upto, 3))].filter(Number.isFinite);
  const lows = [...lr.losses.slice(0, end), ...lr.smoothed.slice(0, end)].filter(Number.isFinite);
  if (!tops.length || !lows.length) return undefined;
  const lo = Math.min(...lows);
  const hi = Math.max(...tops, lo + 1e-3);
  return [Math.max(0, lo - (hi - lo) * 0.08), hi + (hi - lo) * 0.3];
}

/** The LR chart's x range: the whole sweep while it runs, the part that ran once it was stopped early. */
function lrDomain(lr: LrState): [number, number] {
  const last = lr.lrs.at(-1);
  // At least a decade, so the log axis keeps a few labelled ticks.
  if (lr.done && last !== undefined && lr.lrs.length >= 2 && last < lr.endLr) return [lr.startLr, Math.min(lr.endLr, Math.max(last, lr.startLr * 10))];
  return [lr.startLr, lr.endLr];
}

function renderLr(): void {
  const el = $('lr-chart');
  const lr = state.lr;
  if (!lr) {
    el.replaceChildren();
    $('lr-suggestions').replaceChildren();
    return;
  }
  const markers: MarkerSpec[] = [];
  const points: PointSpec[] = [];
  for (const s of lr.suggestions) {
    const color = RULE_COLORS[s.rule] ?? '#555555';
    markers.push({ x: s.lr, label: `${s.rule} ${formatLr(s.lr)}`, color });
    if (Number.isFinite(s.loss)) points.push({ x: s.pointLr, y: s.loss, color, radius: 4.5 });
  }
  if (lr.divergedAt >= 0 && lr.divergedAt < lr.lrs.length) {
    markers.push({ x: lr.lrs[lr.divergedAt]!, label: `diverged (step ${lr.divergedAt + 1})`, color: '#7f7f7f', dash: '2 3' });
  }
  if (lr.chosen !== null) {
    markers.push({ x: lr.chosen, label: `chosen ${formatLr(lr.chosen)}`, color: '#d62728', dash: '', emphasis: true });
    const y = interpLogX(lr.chosen, lr.lrs, lr.smoothed);
    if (Number.isFinite(y)) points.push({ x: lr.chosen, y, color: '#d62728', radius: 6 });
  }
  const series: LineSeries[] = [
    { name: 'batch loss (raw)', x: lr.lrs, y: lr.losses, color: '#8fb8e0', width: 1.2 },
    { name: 'smoothed loss (debiased EMA, β 0.98)', x: lr.lrs, y: lr.smoothed, color: '#1f4e99', width: 2.4 },
  ];
  const n = lr.lrs.length;
  const status = lr.done
    ? `${lr.stopped ? 'stopped after' : 'done:'} ${n} of ${lr.steps} steps in ${lr.seconds.toFixed(1)} s` + (lr.divergedAt >= 0 ? ', stopped at divergence (loss > 4× best)' : '')
    : `running: step ${n} of ${lr.steps}`;
  const svg = lineChart({
    title: 'Loss against learning rate',
    subtitle: `One batch of ${lr.batchSize} per learning rate, ${formatLr(lr.startLr)} → ${formatLr(lr.endLr)}; weights and optimizer restored afterwards. ${status}`,
    width: widthOf(el, 860),
    height: 360,
    x: { label: 'Learning rate', unit: 'log scale', log: true, domain: lrDomain(lr) },
    y: { label: 'Training loss', unit: 'binary cross-entropy', domain: lrYDomain(lr) },
    series,
    markers,
    points,
    legend: true,
    idPrefix: 'lrchart',
  });
  el.innerHTML = svg;
  renderSuggestionChips(lr);
}

function renderSuggestionChips(lr: LrState): void {
  const box = $('lr-suggestions');
  box.replaceChildren();
  if (!lr.done) return;
  if (lr.suggestions.length) box.append(h('span', { class: 'label' }, 'Suggestions (click to use):'));
  for (const s of lr.suggestions) {
    const chip = h('button', { class: 'chip', type: 'button', 'data-rule': s.rule, title: `${s.rule}: ${s.lr}` },
      h('span', { class: 'dot' }), `${s.rule} ${formatLr(s.lr)}${s.rule === 'valley' ? ' (default)' : ''}`);
    chip.style.color = RULE_COLORS[s.rule] ?? '#555555';
    if (lr.chosen !== null && Math.abs(lr.chosen - s.lr) <= s.lr * 1e-9) chip.classList.add('chosen');
    chip.addEventListener('click', () => chooseLr(s.lr));
    box.append(chip);
  }
  const missing = Object.entries(lr.errors);
  if (missing.length) {
    box.append(h('span', { class: 'note', title: missing.map(([r, m]) => `${r}: ${m}`).join('\n') },
      `${missing.map(([r]) => r).join(', ')}: not enough points on this curve (more steps help)`));
  }
}

function chooseLr(v: number): void {
  const lr = state.lr;
  const rounded = Number(v.toPrecision(2));
  input('lr').value = String(rounded);
  if (lr) lr.chosen = rounded;
  render('lr');
}

/** Click on the LR chart: the learning rate under the pointer (inside the plot area). */
function lrAtPointer(ev: MouseEvent): number | null {
  const lr = state.lr;
  const svg = $('lr-chart').querySelector('svg');
  const clip = svg?.querySelector('clipPath rect');
  const ctm = svg?.getScreenCTM();
  if (!lr || !svg || !clip || !ctm) return null;
  const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse());
  const x0 = Number(clip.getAttribute('x'));
  const w = Number(clip.getAttribute('width'));
  const y0 = Number(clip.getAttribute('y'));
  const hgt = Number(clip.getAttribute('height'));
  if (p.x < x0 || p.x > x0 + w || p.y < y0 || p.y > y0 + hgt) return null;
  const [a, b] = lrDomain(lr);
  const l0 = Math.log10(a);
  const l1 = Math.log10(b);
  return 10 ** (l0 + ((p.x - x0) / w) * (l1 - l0));
}

const lrChart = $('lr-chart');
const tip = h('div', { class: 'lr-tip' });
lrChart.addEventListener('click', (ev) => {
  const v = lrAtPointer(ev);
  if (v !== null) chooseLr(v);
});
lrChart.addEventListener('mousemove', (ev) => {
  const v = lrAtPointer(ev);
  if (v === null) {
    tip.remove();
    return;
  }
  const r = lrChart.getBoundingClientRect();
  tip.textContent = `use lr ${formatLr(Number(v.toPrecision(2)))}`;
  tip.style.left = `${ev.clientX - r.left}px`;
  tip.style.top = `${ev.clientY - r.top}px`;
  if (!tip.isConnected) lrChart.append(tip);
});
lrChart.addEventListener('mouseleave', () => tip.remove());

function renderTrain(): void {
  const t = state.train;
  const lossEl = $('loss-chart');
  const accEl = $('acc-chart');
  if (!t) {
    lossEl.replaceChildren();
    accEl.replaceChildren();
    return;
  }
  const ex = t.epochLogs.map((_, i) => i + 1);
  const col = (k: string) => t.epochLogs.map((l) => l[k] ?? NaN);
  const d = t.done;
  /** Best-epoch and early-stop markers (short labels: the charts are half the card wide). */
  const markersFor = (): MarkerSpec[] => {
    const out: MarkerSpec[] = [];
    if (d?.bestEpoch !== null && d?.bestEpoch !== undefined) {
      out.push({ x: d.bestEpoch + 1, color: '#2e8b3e', dash: '', emphasis: true, label: `best epoch ${d.bestEpoch + 1}${d.restored ? ' (restored)' : ''}` });
    }
    if (d?.stoppedEpoch !== null && d?.stoppedEpoch !== undefined) {
      out.push({ x: d.stoppedEpoch + 1, label: `early stop, epoch ${d.stoppedEpoch + 1}`, color: '#d62728' });
    }
    return out;
  };
  // Fit the run so far (up to the end of the current epoch), with a little room right of the last
  // epoch so its dots are not cut in half by the plot edge.
  const shown = d ? Math.max(1, t.epochLogs.length) : Math.max(1, Math.ceil((t.bx.at(-1) ?? 0) - 1e-9), t.epochLogs.length);
  const xAxis = { label: 'Training progress', unit: 'epochs', domain: [0, shown * 1.04] as [number, number], integer: true };
  const w = widthOf(lossEl, 440);
  const sub = `${fmtInt(t.samples)} train / ${fmtInt(t.valSamples)} val samples · batch ${t.batchSize}`;
  /** On the monitored metric's chart the subtitle names the best value (the green dot). */
  const subFor = (base: string): string => {
    const v = d && d.bestEpoch !== null && d.monitor && d.monitor.replace(/^val_/, '') === base ? t.epochLogs[d.bestEpoch]?.[d.monitor] : undefined;
    return v !== undefined && Number.isFinite(v) ? `${sub} · best ${d!.monitor} ${v.toFixed(4)}` : sub;
  };
  const monitorPoint = (base: string): PointSpec[] => {
    if (!d || d.bestEpoch === null || !d.monitor || d.monitor.replace(/^val_/, '') !== base) return [];
    const v = t.epochLogs[d.bestEpoch]?.[d.monitor];
    return v !== undefined && Number.isFinite(v) ? [{ x: d.bestEpoch + 1, y: v, color: '#2e8b3e', radius: 5.5 }] : [];
  };
  // Losses are ≥ 0 and accuracies in [0, 1]: keep the axes inside what the values can be.
  const finite = (...a: number[][]) => a.flat().filter(Number.isFinite);
  const losses = finite(t.batchLoss, t.runLoss, col('loss'), col('val_loss'));
  const accs = finite(t.runAcc, col('accuracy'), col('val_accuracy'));
  const padded = (v: number[], lo: number, hi: number): [number, number] | undefined => {
    if (!v.length) return undefined;
    const a = Math.min(...v);
    const b = Math.max(...v);
    const pad = Math.max((b - a) * 0.08, 0.005);
    return [Math.max(lo, a - pad), Math.min(hi, b + pad)];
  };
  const lossDomain = padded(losses, 0, Infinity);
  const accDomain = padded(accs, 0, 1.02);
  lossEl.innerHTML = lineChart({
    title: 'Loss', subtitle: subFor('loss'), width: w, height: 330, x: xAxis, y: { label: 'Loss', unit: 'binary cross-entropy', domain: lossDomain },
    series: [
      { name: 'training, per batch', x: t.bx, y: t.batchLoss, color: '#b4cde6', width: 1 },
      { name: 'training, epoch mean so far', x: t.bx, y: t.runLoss, color: '#4e79a7', width: 1.8 },
      { name: 'training, per epoch', x: ex, y: col('loss'), color: '#1f4e99', width: 1.4, dash: '4 3', dots: true },
      { name: 'validation, per epoch', x: ex, y: col('val_loss'), color: '#f28e2b', width: 2.2, dots: true },
    ],
    markers: markersFor(), points: monitorPoint('loss'), legend: true, idPrefix: 'losschart',
  });
  accEl.innerHTML = lineChart({
    title: 'Accuracy', subtitle: subFor('accuracy'), width: widthOf(accEl, 440), height: 330, x: xAxis, y: { label: 'Accuracy', unit: 'fraction correct', domain: accDomain },
    series: [
      { name: 'training, epoch mean so far', x: t.bx, y: t.runAcc, color: '#4e79a7', width: 1.8 },
      { name: 'training, per epoch', x: ex, y: col('accuracy'), color: '#1f4e99', width: 1.4, dash: '4 3', dots: true },
      { name: 'validation, per epoch', x: ex, y: col('val_accuracy'), color: '#f28e2b', width: 2.2, dots: true },
    ],
    markers: markersFor(), points: monitorPoint('accuracy'), legend: true, idPrefix: 'accchart',
  });
  renderEpochTable(t);
}

function renderEpochTable(t: TrainState): void {
  const table = $<HTMLTableElement>('epoch-table');
  if (!t.epochLogs.length) {
    table.hidden = true;
    return;
  }
  table.hidden = false;
  const head = h('tr', {}, ...['Epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'learning rate', 'samples/s', 'time (s)'].map((c) => h('th', {}, c)));
  const rows = t.epochLogs.map((l, i) => {
    const tr = h('tr', {},
      h('td', {}, String(i + 1)), h('td', {}, fmt4(l.loss)), h('td', {}, fmt4(l.accuracy)), h('td', {}, fmt4(l.val_loss)), h('td', {}, fmt4(l.val_accuracy)),
      h('td', {}, l.learning_rate !== undefined ? formatLr(l.learning_rate) : '–'), h('td', {}, fmtRate(t.epochRate[i]!)), h('td', {}, (t.epochSeconds[i] ?? NaN).toFixed(1)));
    if (t.done?.bestEpoch === i) tr.classList.add('best');
    if (t.done?.stoppedEpoch === i) tr.classList.add('stop');
    return tr;
  });
  table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
}

function renderTrainResult(): void {
  const t = state.train;
  const box = $('train-result');
  if (!t?.done) {
    box.hidden = true;
    return;
  }
  const d = t.done;
  box.hidden = false;
  box.className = `result${d.stopped ? ' stopped' : ''}`;
  const parts: (Node | string)[] = [];
  parts.push(d.stopped ? 'Stopped by you after ' : 'Trained ', h('b', {}, `${d.epochs} epoch${d.epochs === 1 ? '' : 's'}`),
    ` in ${d.seconds.toFixed(1)} s at `, h('b', {}, `${fmtRate(d.samplesPerSec)} samples/s`), '. ');
  if (d.stoppedEpoch !== null) {
    parts.push('Early stopping fired at ', h('b', {}, `epoch ${d.stoppedEpoch + 1}`), `: ${d.message ?? ''}. `);
  } else if (d.monitor) {
    parts.push(`Early stopping (${d.monitor}) did not fire. `);
  }
  if (d.bestEpoch !== null && d.monitor) {
    parts.push(d.restored ? 'Restored the weights of the best epoch, ' : 'Best epoch: ', h('b', {}, `epoch ${d.bestEpoch + 1}`),
      d.best !== null ? ` (${d.monitor} ${d.best.toFixed(4)}).` : '.');
  }
  const last = t.epochLogs.at(-1);
  if (last?.val_accuracy !== undefined && d.bestEpoch === null) parts.push(`Final validation accuracy ${last.val_accuracy.toFixed(4)}.`);
  box.replaceChildren(...parts);
}

function renderStudy(): void {
  const s = state.study;
  const accEl = $('study-acc');
  const speedEl = $('study-speed');
  if (!s || !s.points.length) {
    accEl.replaceChildren();
    speedEl.replaceChildren();
    $('study-live').textContent = s?.live ?? '';
    return;
  }
  const pts = [...s.points].sort((a, b) => a.batchSize - b.batchSize);
  const cats = pts.map((p) => String(p.batchSize));
  const sub = `${s.epochs} epoch${s.epochs === 1 ? '' : 's'} each, same initial weights and learning rate`
    + (s.done ? '' : `; ${s.points.length} of ${s.batchSizes.length} done`);
  accEl.innerHTML = barChart({
    title: 'Validation accuracy after training', subtitle: sub, width: widthOf(accEl, 440), height: 250, categories: cats,
    series: [{ name: 'validation accuracy', values: pts.map((p) => p.valAccuracy), color: '#59a14f' }],
    x: { label: 'Batch size', unit: 'samples per step' }, y: { label: 'Accuracy', unit: 'fraction', domain: [0, 1] },
    valueFormat: (v) => v.toFixed(3),
  });
  speedEl.innerHTML = barChart({
    title: 'Training throughput', subtitle: 'Training steps only (validation excluded)', width: widthOf(speedEl, 440), height: 250, categories: cats,
    series: [{ name: 'samples per second', values: pts.map((p) => p.samplesPerSec), color: '#4e79a7' }],
    x: { label: 'Batch size', unit: 'samples per step' }, y: { label: 'Throughput', unit: 'samples/s' },
    valueFormat: (v) => fmtRate(v),
  });
  $('study-live').textContent = s.live;
}

// ---------------------------------------------------------------------------------------------
// Dataset panel, examples, prediction

function renderDataset(): void {
  const d = state.dataset;
  const info = $('dataset-info');
  if (!d) {
    info.textContent = 'Loading…';
    return;
  }
  info.replaceChildren(
    h('b', {}, d.name), `: ${d.description}. `,
    `${fmtInt(d.n)} texts (${fmtInt(d.counts.positive)} ${d.labelNames[1]}, ${fmtInt(d.counts.negative)} ${d.labelNames[0]}), `
    + `${fmtInt(d.numWords)}-word vocabulary, ${d.maxlen} tokens per text; loaded in ${fmtInt(d.loadMs)} ms (${fmtBytes(d.bytes)}).`,
  );
  const subset = input('subset');
  subset.max = String(d.n);
  if (Number(subset.value) > d.n) subset.value = String(d.n);
  $('review-label').textContent = `Type a text and see P(${d.labelNames[1]}), using the same ${fmtInt(d.numWords)}-word vocabulary`;
  const ex = $('examples');
  ex.replaceChildren(h('span', { class: 'label' }, 'Examples:'));
  const count = [0, 0];
  for (const e of d.examples) {
    const name = `${d.labelNames[e.label]} ${++count[e.label]!}`;
    const chip = h('button', { class: 'chip example', type: 'button', title: e.text.slice(0, 300) }, name);
    chip.addEventListener('click', () => {
      $<HTMLTextAreaElement>('review').value = e.text;
      requestPrediction(0);
    });
    ex.append(chip);
  }
  updateModelSummary();
}

let predictTimer = 0;
function requestPrediction(delay = 250): void {
  clearTimeout(predictTimer);
  predictTimer = window.setTimeout(() => {
    const text = $<HTMLTextAreaElement>('review').value;
    if (!text.trim() || !state.dataset) {
      state.prediction = null;
      renderPrediction();
      return;
    }
    send({ type: 'predict', text, id: ++predictId });
    if (state.busy) $('pred-detail').textContent = 'Waiting for the current task to finish…';
  }, delay);
}

function renderPrediction(): void {
  const p = state.prediction;
  const box = $('prediction');
  const positive = state.dataset?.labelNames[1] ?? 'positive';
  const negative = state.dataset?.labelNames[0] ?? 'negative';
  $('pred-label').textContent = `P(${positive})`;
  if (!p) {
    box.dataset.state = 'empty';
    $('pred-value').textContent = '–';
    $('pred-detail').textContent = state.train?.done ? 'Type a text above.' : 'Train a model, then type a text.';
    return;
  }
  const words = `${fmtInt(p.tokens)} token${p.tokens === 1 ? '' : 's'}, ${fmtInt(p.known)} in the vocabulary`;
  if (!p.trained) {
    box.dataset.state = 'untrained';
    $('pred-value').textContent = '–';
    $('pred-detail').textContent = `No trained model yet: press Train first (${words}).`;
    return;
  }
  box.dataset.state = 'ready';
  $('pred-value').textContent = p.probability.toFixed(3);
  $<HTMLDivElement>('pred-bar').style.left = `${(p.probability * 100).toFixed(1)}%`;
  const verdict = p.probability >= 0.5 ? positive : negative;
  $('pred-detail').textContent = `→ ${verdict} (${p.probability >= 0.5 ? '≥' : '<'} 0.5) · ${words} · ${p.ms.toFixed(0)} ms`;
}

// ---------------------------------------------------------------------------------------------
// Messages from the worker

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      state.backend = { kind: m.backend, description: m.description, fallbackReason: m.fallbackReason };
      renderStatus();
      setBusy(state.busy);
      break;
    case 'busy':
      setBusy(m.task);
      if (m.task === null && $<HTMLTextAreaElement>('review').value.trim() && state.train?.done) requestPrediction(0);
      break;
    case 'progress':
      setTask(m.task, m.text, m.fraction);
      break;
    case 'stats':
      state.stats = m.stats;
      renderStatus();
      break;
    case 'error':
      showError(m.task ? `${TASK_NAMES[m.task]}: ${m.message}` : m.message);
      break;
    case 'dataset':
      state.dataset = m.info;
      if (restarting) {
        restarting = false;
        setBusy(state.busy);
        break;
      }
      state.lr = null;
      state.train = null;
      state.study = null;
      state.prediction = null;
      renderDataset();
      renderTrainResult();
      renderPrediction();
      render('lr', 'train', 'study');
      setBusy(state.busy);
      break;
    case 'lr-begin': {
      const { type: _type, ...plan } = m;
      state.lr = { ...plan, lrs: [], losses: [], smoothed: [], divergedAt: -1, suggestions: [], errors: {}, done: false, stopped: false, seconds: 0, chosen: null };
      lrStartedAt = performance.now();
      render('lr');
      break;
    }
    case 'lr-step':
      if (state.lr) {
        state.lr.lrs.push(m.lr);
        state.lr.losses.push(m.loss);
        state.lr.smoothed.push(m.smoothed);
        render('lr');
      }
      break;
    case 'lr-done':
      if (state.lr) {
        const { type: _type, ...sweep } = m;
        Object.assign(state.lr, sweep, { done: true });
        const pick = m.suggestions.find((s) => s.rule === 'valley') ?? m.suggestions[0];
        if (pick) chooseLr(pick.lr);
        render('lr');
      }
      break;
    case 'train-begin':
      state.train = {
        epochs: m.epochs, steps: m.steps, samples: m.samples, valSamples: m.valSamples, batchSize: m.batchSize,
        bx: [], batchLoss: [], runLoss: [], runAcc: [], epochLogs: [], epochRate: [], epochSeconds: [], samplesPerSec: NaN, done: null,
      };
      $('train-live').textContent = '';
      renderTrainResult();
      render('train');
      break;
    case 'batch':
      if (state.train) {
        const t = state.train;
        t.bx.push(m.epoch + (m.batch + 1) / m.steps);
        t.batchLoss.push(m.batchLoss);
        t.runLoss.push(m.loss);
        t.runAcc.push(m.accuracy);
        t.samplesPerSec = m.samplesPerSec;
        $('train-live').textContent = `epoch ${m.epoch + 1}/${t.epochs} · batch ${m.batch + 1}/${m.steps} · lr ${formatLr(m.learningRate)} · ${fmtRate(m.samplesPerSec)} samples/s`;
        render('train');
      }
      break;
    case 'epoch':
      if (state.train) {
        state.train.epochLogs[m.epoch] = m.logs;
        state.train.epochRate[m.epoch] = m.samplesPerSec;
        state.train.epochSeconds[m.epoch] = m.seconds;
        render('train');
      }
      break;
    case 'train-done':
      if (state.train) {
        const { type: _type, history: _history, ...done } = m;
        state.train.done = done;
        $('train-live').textContent = `${fmtRate(m.samplesPerSec)} samples/s (training steps)`;
        renderTrainResult();
        renderPrediction();
        render('train');
      }
      break;
    case 'study-begin':
      state.study = { batchSizes: m.batchSizes, epochs: m.epochs, points: [], live: 'starting…', done: false, stopped: false };
      render('study');
      break;
    case 'study-progress':
      if (state.study) {
        state.study.live = `batch size ${m.batchSize}: epoch ${m.epoch + 1}, batch ${m.batch + 1}/${m.steps}`;
        $('study-live').textContent = state.study.live;
      }
      break;
    case 'study-point':
      if (state.study) {
        const { type: _type, ...point } = m;
        state.study.points.push(point);
        render('study');
      }
      break;
    case 'study-done':
      if (state.study) {
        state.study.done = true;
        state.study.stopped = m.stopped;
        state.study.live = m.stopped ? 'stopped' : `done (${state.study.points.length} batch sizes)`;
        render('study');
      }
      break;
    case 'prediction':
      if (m.id === predictId) {
        state.prediction = { probability: m.probability, tokens: m.tokens, known: m.known, trained: m.trained, ms: m.ms };
        renderPrediction();
      }
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Controls

function guarded(fn: () => void): () => void {
  return () => {
    clearError();
    try {
      fn();
    } catch (e) {
      showError((e as Error).message);
    }
  };
}

$('find-lr').addEventListener('click', guarded(() => {
  const startLr = parseNumber('lr-start', 'Start LR', (v) => v > 0);
  const endLr = parseNumber('lr-end', 'End LR', (v) => v > startLr);
  send({
    type: 'find-lr',
    settings: {
      model: modelSettings(), startLr, endLr,
      steps: parseNumber('lr-steps', 'Steps', (v) => Number.isInteger(v) && v >= 2),
      batchSize: parseNumber('batch', 'Batch size', (v) => Number.isInteger(v) && v >= 1),
    },
  });
}));

$('train').addEventListener('click', guarded(() => {
  const es = input('es-on').checked
    ? {
      monitor: select('es-monitor').value,
      minDelta: parseNumber('es-delta', 'Min delta', (v) => v >= 0),
      patience: parseNumber('es-patience', 'Patience', (v) => Number.isInteger(v) && v >= 0),
      restoreBestWeights: input('es-restore').checked,
    }
    : null;
  send({
    type: 'train',
    settings: {
      model: modelSettings(),
      learningRate: parseNumber('lr', 'Learning rate', (v) => v > 0),
      batchSize: parseNumber('batch', 'Batch size', (v) => Number.isInteger(v) && v >= 1),
      epochs: parseNumber('epochs', 'Epochs', (v) => Number.isInteger(v) && v >= 1),
      schedule: select('schedule').value as 'constant',
      earlyStopping: es,
    },
  });
}));

$('study').addEventListener('click', guarded(() => {
  const sizes = input('study-sizes').value.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (!sizes.length || sizes.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`Batch sizes: "${input('study-sizes').value}" is not a list of positive integers`);
  send({
    type: 'study',
    settings: {
      model: modelSettings(),
      learningRate: parseNumber('lr', 'Learning rate', (v) => v > 0),
      batchSizes: [...new Set(sizes)],
      epochs: parseNumber('study-epochs', 'Epochs each', (v) => Number.isInteger(v) && v >= 1),
    },
  });
}));

$('stop').addEventListener('click', stop);
$('stop-train').addEventListener('click', stop);
$('review').addEventListener('input', () => requestPrediction());
for (const id of ['subset', 'val-pct', 'units', 'embed']) $(id).addEventListener('input', updateModelSummary);
const esFieldset = document.querySelector<HTMLFieldSetElement>('fieldset.es')!;
const syncEs = () => esFieldset.classList.toggle('off', !input('es-on').checked);
input('es-on').addEventListener('change', syncEs);
syncEs();

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="source"]')) {
  radio.addEventListener('change', () => {
    const file = radio.value === 'file';
    $('file-row').hidden = !file;
    if (!file && state.source.kind !== 'builtin') {
      state.source = { kind: 'builtin' };
      loadSource();
    }
  });
}
const loadPickedFile = guarded(() => {
  const file = input('file').files?.[0];
  if (!file) return;
  state.source = { kind: 'file', file, textField: input('text-field').value.trim() || 'text', labelField: input('label-field').value.trim() || 'label' };
  loadSource();
});
input('file').addEventListener('change', loadPickedFile);
// Other column names re-read the picked file.
for (const id of ['text-field', 'label-field']) {
  $(id).addEventListener('change', () => {
    const src = state.source;
    if (src.kind !== 'file' || state.busy) return;
    if (src.textField !== (input('text-field').value.trim() || 'text') || src.labelField !== (input('label-field').value.trim() || 'label')) loadPickedFile();
  });
}

setBusy(null);
updateModelSummary();
renderPrediction();
if (!isolated) console.info('[demo] not cross-origin isolated: Stop reaches a running LR sweep only by restarting the worker');
startWorker();
