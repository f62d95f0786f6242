import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CONSOLE_CSS } from './assets/console-css.js';
import { CONSOLE_JS } from './assets/console-js.js';

export interface Asset {
  name: string;
  type: string;
  /** Read once, on first use. */
  load(): { body: string; etag: string };
}

const require = createRequire(import.meta.url);

function asset(name: string, type: string, read: () => string): Asset {
  let loaded: { body: string; etag: string } | undefined;
  return {
    name,
    type,
    load: () => {
      loaded ??= (() => {
        const body = read();
        return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      })();
      return loaded;
    },
  };
}

/** uPlot ships its browser build in dist/; the package's main entry sits beside it. */
const uplotFile = (file: string) => () =>
  readFileSync(path.join(path.dirname(require.resolve('uplot')), file), 'utf8');

/** Everything the page loads — served by the runtime itself, no CDN. */
export function consoleAssets(): Asset[] {
  return [
    asset('console.js', 'text/javascript; charset=utf-8', () => CONSOLE_JS),
    asset('console.css', 'text/css; charset=utf-8', () => CONSOLE_CSS),
    asset('uPlot.iife.min.js', 'text/javascript; charset=utf-8', uplotFile('uPlot.iife.min.js')),
    asset('uPlot.min.css', 'text/css; charset=utf-8', uplotFile('uPlot.min.css')),
  ];
}
