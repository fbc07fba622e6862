// Display formats: coin and exchange names, prices, times.
import { groupDecimal } from './decimal.js';

const COINS = {
  BTC: 'Bitcoin', ETH: 'Ethereum', LTC: 'Litecoin', BCH: 'Bitcoin Cash',
  XRP: 'XRP', SOL: 'Solana', DOGE: 'Dogecoin', ADA: 'Cardano', DOT: 'Polkadot',
  LINK: 'Chainlink', XLM: 'Stellar', USDT: 'Tether', USDC: 'USD Coin',
  EUR: 'Euro', USD: 'US Dollar', GBP: 'Pound Sterling',
};
// Coins with an icon in /icons/<symbol>.svg; others get a lettered badge.
const ICONS = new Set(['BTC', 'ETH', 'LTC', 'USDT', 'USDC']);
const SYMBOLS = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };
const EXCHANGES = { coinbase: 'Coinbase', bitstamp: 'Bitstamp' };

export const coinName = (base) => COINS[base] || base;
export const hasIcon = (base) => ICONS.has(base);
export const exchangeName = (ex) =>
  EXCHANGES[ex] || ex.charAt(0).toUpperCase() + ex.slice(1);

/** "coinbase:BTC-USD" -> { id, exchange, pair, base, quote }, or null. */
export function parseProductId(id) {
  const m = /^([a-z0-9_-]+):([A-Z0-9]+)-([A-Z0-9]+)$/.exec(id || '');
  return m ? { id, exchange: m[1], pair: `${m[2]}-${m[3]}`, base: m[2], quote: m[3] } : null;
}

/** "Bitcoin (BTC) · USD" */
export const productLabel = (p) => `${coinName(p.base)} (${p.base}) · ${p.quote}`;

/** The exact price string with grouping and the quote's symbol: "$57,786.82", "0.5 USDT". */
export function formatPrice(price, quote) {
  const grouped = groupDecimal(price);
  const sym = SYMBOLS[quote];
  if (!sym) return `${grouped} ${quote}`;
  return grouped.startsWith('-') ? `-${sym}${grouped.slice(1)}` : `${sym}${grouped}`;
}

/** Parses the contract's RFC 3339 times (6 fractional digits) to a Date. */
export function parseTime(s) {
  if (!s) return null;
  const d = new Date(String(s).replace(/(\.\d{3})\d*Z$/, '$1Z'));
  return Number.isNaN(d.getTime()) ? null : d;
}

const timeFmt = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
});

/** Local wall-clock time "14:03:07" of an RFC 3339 string. */
export const formatTime = (s) => { const d = parseTime(s); return d ? timeFmt.format(d) : ''; };
/** Full local date and time with the zone, for tooltips. */
export const formatDateTime = (s) => { const d = parseTime(s); return d ? dateTimeFmt.format(d) : ''; };

/** "3 s ago", "2 min ago" (coarse, for status). */
export function formatAge(s, now = Date.now()) {
  const d = parseTime(s);
  if (!d) return 'never';
  const secs = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (secs < 60) return `${secs} s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  return `${Math.floor(secs / 3600)} h ago`;
}
