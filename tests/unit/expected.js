// Writes tests/fixtures/expected/*.jsonl: the normalised messages the recorded
// feeds must produce, computed independently of the C parsers.
// Run: node tests/unit/expected.js
'use strict';
const fs = require('fs');
const path = require('path');
const dir = path.join(__dirname, '..', 'fixtures');
const RECEIVED_AT = '2026-01-02T03:04:05.678901Z';
const six = (t) => t.replace(/\.(\d+)Z$/, (_, f) => '.' + (f + '000000').slice(0, 6) + 'Z');

function coinbase() {
  const out = [];
  for (const line of fs.readFileSync(path.join(dir, 'coinbase-feed.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const m = JSON.parse(line);
    if (m.type !== 'match' && m.type !== 'last_match') continue;
    out.push(JSON.stringify({
      exchange: 'coinbase', pair: m.product_id, price: m.price, volume: m.size,
      side: m.side === 'buy' ? 'sell' : 'buy', trade_id: String(m.trade_id),
      traded_at: six(m.time), received_at: RECEIVED_AT,
    }));
  }
  return out;
}

fs.writeFileSync(path.join(dir, 'expected', 'coinbase-trades.jsonl'), coinbase().join('\n') + '\n');
