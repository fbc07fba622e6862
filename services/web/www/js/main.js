// Entry point: the status bar on every page, then the view for the path.
//   /                        dashboard (?products=a,b,c)
//   /products/<ex>:<PAIR>    one product: chart and trades
//   /compare[/<PAIR>]        one pair across exchanges
import * as live from './live.js';
import { mountStatusBar } from './status.js';
import { mountDashboard } from './dashboard.js';
import { mountProduct } from './product.js';
import { mountCompare } from './compare.js';

function route() {
  const root = document.getElementById('view');
  const path = decodeURIComponent(location.pathname);
  const nav = document.querySelectorAll('.site-nav a');
  let m;
  if ((m = /^\/products\/(.+)$/.exec(path))) {
    mountProduct(root, m[1]);
  } else if ((m = /^\/compare(?:\/([A-Z0-9]+-[A-Z0-9]+))?\/?$/.exec(path))) {
    mountCompare(root, m[1]);
    nav.forEach((a) => a.toggleAttribute('aria-current', a.dataset.nav === 'compare'));
    return;
  } else {
    mountDashboard(root);
  }
  nav.forEach((a) => a.toggleAttribute('aria-current', a.dataset.nav === 'dashboard' && !m));
}

live.start();
mountStatusBar(document.getElementById('status'));
route();
document.documentElement.dataset.app = 'ready';
