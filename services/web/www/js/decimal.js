// Exact decimal strings: prices are shown as the exchange sent them, so
// nothing here goes through a float. Exchange prices are plain decimals
// ("57786.82", "0.00031874"); the ingest services already expand exponents.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Splits "1234.50" into { sign: "", int: "1234", frac: "50" }, or null. */
export function splitDecimal(s) {
  const m = DECIMAL.exec(String(s));
  return m ? { sign: m[1], int: m[2], frac: m[3] || '' } : null;
}

/** "1234567.50" -> "1,234,567.50" (trailing zeros kept, nothing rounded). */
export function groupDecimal(s) {
  const d = splitDecimal(s);
  if (!d) return String(s);
  const int = d.int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return d.sign + int + (d.frac ? '.' + d.frac : '');
}

/** A decimal string as a scaled BigInt: { n, scale } with value n / 10^scale. */
function scaled(s) {
  const d = splitDecimal(s);
  if (!d) return null;
  const n = BigInt(d.int + d.frac);
  return { n: d.sign ? -n : n, scale: d.frac.length };
}

function align(a, b) {
  const scale = Math.max(a.scale, b.scale);
  return [a.n * 10n ** BigInt(scale - a.scale), b.n * 10n ** BigInt(scale - b.scale), scale];
}

function toDecimal(n, scale) {
  const neg = n < 0n;
  let digits = (neg ? -n : n).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return (neg ? '-' : '') + int + (scale ? '.' + frac : '');
}

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compareDecimal(a, b) {
  const x = scaled(a), y = scaled(b);
  if (!x || !y) return 0;
  const [p, q] = align(x, y);
  return p < q ? -1 : p > q ? 1 : 0;
}

/** a - b, exactly, as a decimal string with the larger of the two scales. */
export function subtractDecimal(a, b) {
  const x = scaled(a), y = scaled(b);
  if (!x || !y) return null;
  const [p, q, scale] = align(x, y);
  return toDecimal(p - q, scale);
}

/** (a - b) / b in percent, truncated to `digits` decimals, as a string. */
export function percentChange(a, b, digits = 3) {
  const x = scaled(a), y = scaled(b);
  if (!x || !y || y.n === 0n) return null;
  const [p, q] = align(x, y);
  const unit = 10n ** BigInt(digits);
  return toDecimal(((p - q) * 100n * unit) / q, digits);
}

/** Trade ids are decimal strings without leading zeros: compare by length, then text. */
export function compareId(a, b) {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
