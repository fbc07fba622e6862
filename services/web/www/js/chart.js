// Charts from TradingView Lightweight Charts (vendor/, installed by npm and
// copied by the build). Its in-chart logo injects a <style> element, which the
// Content-Security-Policy forbids, so the attribution is in the page footer
// instead (which the library's licence allows).
import { splitDecimal } from './decimal.js';

let lib = null;
/** Loads the chart library once (only the pages with charts need it). */
export async function chartLib() {
  if (!lib) lib = await import('/vendor/lightweight-charts.mjs');
  return lib;
}

const css = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const secondsFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/** A chart in `container`, times shown in the viewer's own time zone. */
export async function createChart(container, { timeScale = {}, ...options } = {}) {
  const { createChart: create } = await chartLib();
  const text = css('--text', '#1f2937');
  const grid = css('--grid', '#e5e7eb');
  return create(container, {
    autoSize: true,
    layout: { attributionLogo: false, textColor: text, background: { color: 'transparent' }, fontFamily: css('--font', 'system-ui') },
    grid: { vertLines: { color: grid }, horzLines: { color: grid } },
    rightPriceScale: { borderVisible: false },
    timeScale: {
      borderVisible: false, timeVisible: true, secondsVisible: false,
      // TickMarkType: 0-2 year, month, day; 3 time; 4 time with seconds.
      tickMarkFormatter: (t, type) => (type <= 2 ? dayFmt : type === 4 ? secondsFmt : timeFmt).format(new Date(t * 1000)),
      ...timeScale,
    },
    localization: { timeFormatter: (t) => fullFmt.format(new Date(t * 1000)) },
    ...options,
  });
}

/** Price scale options matching the exchange's decimals ("57786.82" -> 2). */
export function priceFormatFor(price) {
  const d = splitDecimal(price || '');
  const precision = Math.min(d ? d.frac.length : 2, 10);
  return { type: 'price', precision, minMove: 10 ** -precision };
}

export const seconds = (date) => Math.floor(date.getTime() / 1000);
