/**
 * The toolbar: range presets, absolute or relative from/to, sensor, class,
 * "exclude research", trend baseline, auto-refresh. Every change becomes a
 * new URL fragment (so the browser's back button and a copied link work);
 * the shell reloads the view from the fragment.
 */
import { h } from './dom.js';
import { DEFAULT_FILTERS, REFRESH_CHOICES, TRAFFIC_CLASSES, type Filters, type TrafficClass } from './state.js';

const PRESETS: ReadonlyArray<readonly [string, string]> = [['1h', '-1h'], ['6h', '-6h'], ['24h', '-24h'], ['7d', '-7d'], ['30d', '-30d']];

export interface Controls {
  readonly node: HTMLElement;
  /** Shows `f` in the controls (after a navigation). */
  show(f: Filters): void;
  /** Adds sensor names to the sensor field's suggestions. */
  knowSensors(names: readonly string[]): void;
}

export function buildControls(apply: (f: Filters) => void): Controls {
  const from = h('input', { type: 'text', name: 'from', size: '20', spellcheck: 'false', 'aria-label': 'from', placeholder: '-24h or 2026-11-16T00:00Z' });
  const to = h('input', { type: 'text', name: 'to', size: '20', spellcheck: 'false', 'aria-label': 'to', placeholder: 'now' });
  const sensorList = h('datalist', { id: 'sensor-names' });
  const sensor = h('input', { type: 'text', name: 'sensor', size: '12', list: 'sensor-names', spellcheck: 'false', placeholder: 'all sensors', 'aria-label': 'sensor' });
  const cls = h('select', { name: 'class', 'aria-label': 'traffic class' },
    h('option', { value: '' }, 'all classes'), ...TRAFFIC_CLASSES.map((c) => h('option', { value: c }, c)));
  const research = h('input', { type: 'checkbox', name: 'exclude-research' });
  const baseline = h('input', { type: 'number', name: 'baseline', min: '2', max: '365', step: '1', 'aria-label': 'baseline days', class: 'narrow' });
  const refresh = h('select', { name: 'refresh', 'aria-label': 'auto-refresh' },
    ...REFRESH_CHOICES.map((s) => h('option', { value: String(s) }, s === 0 ? 'off' : s < 60 ? `${s} s` : `${s / 60} min`)));
  let current: Filters = DEFAULT_FILTERS;
  const known = new Set<string>();

  const read = (): Filters => ({
    from: from.value.trim() === '' ? DEFAULT_FILTERS.from : from.value.trim(),
    to: to.value.trim() === '' ? DEFAULT_FILTERS.to : to.value.trim(),
    sensor: sensor.value.trim(),
    trafficClass: TRAFFIC_CLASSES.find((c) => c === cls.value) ?? '' as TrafficClass | '',
    excludeResearch: research.checked,
    refresh: Number(refresh.value),
    baselineDays: Number.isInteger(baseline.valueAsNumber) && baseline.valueAsNumber >= 2 && baseline.valueAsNumber <= 365 ? baseline.valueAsNumber : current.baselineDays,
  });

  const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'range presets' }, ...PRESETS.map(([text, value]) => {
    const b = h('button', { type: 'button', 'data-preset': value }, text);
    b.addEventListener('click', () => apply({ ...read(), from: value, to: 'now' }));
    return b;
  }));
  const form = h('form', { class: 'controls', 'data-controls': '' },
    presets,
    h('label', null, 'from ', from), h('label', null, 'to ', to),
    h('label', null, 'sensor ', sensor), sensorList,
    h('label', null, 'class ', cls),
    h('label', { class: 'check' }, research, ' exclude research'),
    h('label', { title: 'Trends: days of baseline before the recent window' }, 'baseline ', baseline, ' d'),
    h('label', null, 'refresh ', refresh),
    h('button', { type: 'submit', class: 'apply' }, 'Apply'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply(read());
  });
  for (const el of [sensor, cls, research, refresh, from, to, baseline]) el.addEventListener('change', () => apply(read()));

  return {
    node: form,
    show(f) {
      current = f;
      from.value = f.from;
      to.value = f.to;
      sensor.value = f.sensor;
      cls.value = f.trafficClass;
      research.checked = f.excludeResearch;
      baseline.value = String(f.baselineDays);
      refresh.value = String(f.refresh);
      for (const b of presets.querySelectorAll('button')) b.classList.toggle('active', b.dataset.preset === f.from && f.to === 'now');
    },
    knowSensors(names) {
      for (const n of names) {
        if (known.has(n)) continue;
        known.add(n);
        sensorList.appendChild(h('option', { value: n }));
      }
    },
  };
}
