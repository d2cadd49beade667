// Compares builds of the writer on the ~2 KB envelope (bench/lib/envelope.mjs): each build is a
// copy of dist/ (`npm run build && cp -r dist /tmp/build-a`), each gets its own instance of the
// envelope module so that its call sites see one writer class, and the builds, fast-xml-parser's
// XMLBuilder and the template string run in interleaved rounds of 10 ms in one process. Short
// rounds and their fastest and 10th-percentile times show what the code costs when the machine
// does not preempt it; use it to tell apart changes of a few percent that the messages bench's
// medians cannot.
//   node bench/compare-builds.mjs /tmp/build-a /tmp/build-b [--rounds=200]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLBuilder } from 'fast-xml-parser';
import { BUILDER_OPTIONS, builderObject, sampleData, templateEnvelope } from './lib/envelope.mjs';

const builds = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 200);
if (builds.length === 0) {
  console.error('usage: node bench/compare-builds.mjs DIST_DIR... (copies of dist/ from the builds to compare)');
  process.exit(2);
}

const data = sampleData(1);
let sink = 0;
const cases = [];
let expected;
for (const build of builds) {
  const root = pathToFileURL(`${resolve(build)}/`);
  const { createXmlWriter } = await import(new URL('index.js', root));
  // A module instance of its own per build: `?build=` makes a distinct module record.
  const envelope = await import(`./lib/envelope.mjs?build=${encodeURIComponent(build)}`);
  const write = async () => {
    const writer = await createXmlWriter();
    envelope.writeEnvelope(writer, data);
    return writer.end();
  };
  const bytes = await write();
  expected ??= bytes;
  if (Buffer.compare(bytes, expected) !== 0) throw new Error(`${build} writes other bytes than ${builds[0]}`);
  cases.push({
    name: build,
    run: async () => {
      sink += (await write()).length;
    },
  });
}
const builder = new XMLBuilder(BUILDER_OPTIONS);
cases.push({ name: 'XMLBuilder.build → string', run: async () => (sink += builder.build(builderObject(data)).length) });
cases.push({ name: 'template + Buffer.from', run: async () => (sink += Buffer.from(templateEnvelope(data)).length) });

for (const c of cases) for (let i = 0; i < 20_000; i++) await c.run();
const samples = cases.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (const [i, c] of cases.entries()) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 10) {
      for (let k = 0; k < 10; k++) await c.run();
      n += 10;
    }
    samples[i].push(((performance.now() - start) * 1000) / n);
  }
}
const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const builderIndex = builds.length;
const builderBest = Math.min(...samples[builderIndex]);
console.log(`µs per envelope over ${rounds} rounds of 10 ms (${sink} bytes written)`);
console.log('| build | fastest | 10th percentile | median | XMLBuilder ÷ fastest |');
console.log('|---|---:|---:|---:|---:|');
for (const [i, c] of cases.entries()) {
  const sorted = samples[i].sort((a, b) => a - b);
  const ratio = i < builderIndex ? `${(builderBest / sorted[0]).toFixed(2)}×` : '';
  console.log(
    `| ${c.name} | ${sorted[0].toFixed(2)} | ${at(sorted, 0.1).toFixed(2)} | ${at(sorted, 0.5).toFixed(2)} | ${ratio} |`,
  );
}
