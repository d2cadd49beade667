// The long run of the call-discipline model (tests/host/model.test.ts), not part of npm test:
// many more random call sequences, from a fresh seed each time unless one is given.
//   npm run soak                       200,000 sequences, random seed
//   npm run soak -- 1000000 12345      sequences, seed (to replay a failure)
import { spawnSync } from 'node:child_process';

const runs = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 0x7fffffff));
console.log(`soak: ${runs} sequences, seed ${seed} (replay: npm run soak -- ${runs} ${seed})`);
const started = Date.now();
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', 'tests/host/model.test.ts'];
const result = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, MTOM_MODEL_RUNS: String(runs), MTOM_MODEL_SEED: String(seed) },
});
console.log(`soak: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${result.status}`);
process.exit(result.status ?? 1);
