// The repository's own files as a static HTTP/1.1 server gives them to the benchmark pages:
// dist/, bench/ and node_modules/ as plain ESM, with no import map and no caching.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './report.mjs';

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Answers with the file under the repository that `pathname` names, or 404. */
export function sendRepositoryFile(res, pathname) {
  const file = path.join(ROOT, decodeURIComponent(pathname));
  if (!file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404);
    return res.end('not found');
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
  });
  return res.end(readFileSync(file));
}
