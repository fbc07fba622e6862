// A small line of recent prices on a canvas (display only: the numbers
// here are floats, the price shown as text never is).

export function drawSparkline(canvas, trades) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, hgt = canvas.clientHeight;
  if (!w || !hgt) return;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  const prices = trades.map((t) => Number(t.price)).filter(Number.isFinite);
  if (prices.length < 2) return;
  let min = Infinity, max = -Infinity;
  for (const p of prices) { if (p < min) min = p; if (p > max) max = p; }
  const span = max - min || 1;
  const pad = 2;
  const x = (i) => (i / (prices.length - 1)) * (w - 2 * pad) + pad;
  const y = (p) => hgt - pad - ((p - min) / span) * (hgt - 2 * pad);
  const up = prices[prices.length - 1] >= prices[0];
  const styles = getComputedStyle(canvas);
  const color = styles.getPropertyValue(up ? '--up' : '--down').trim() || (up ? '#16a34a' : '#dc2626');
  ctx.beginPath();
  prices.forEach((p, i) => (i ? ctx.lineTo(x(i), y(p)) : ctx.moveTo(x(i), y(p))));
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = color;
  ctx.lineJoin = 'round';
  ctx.stroke();
  ctx.lineTo(x(prices.length - 1), hgt);
  ctx.lineTo(x(0), hgt);
  ctx.closePath();
  ctx.globalAlpha = 0.12;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
}
