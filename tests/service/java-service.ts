/**
 * Starts the Metro MTOM digest service (MtomDigestService.java) for the tests: compiles it with
 * javac into a temporary directory, runs it on a free port of 127.0.0.1, waits for its READY line,
 * and stops it. Where Java or Metro is missing, `javaServiceUnavailable()` says why, so the tests
 * that need it are reported as skipped rather than passed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICE_DIR = fileURLToPath(new URL('.', import.meta.url));
const SOURCE = join(SERVICE_DIR, 'MtomDigestService.java');
/** Debian's libjaxws-java; its manifest names every jar Metro needs. Override with MTOM_JAXWS_CLASSPATH. */
const METRO_CLASSPATH = process.env.MTOM_JAXWS_CLASSPATH ?? '/usr/share/java/jaxws-rt.jar';
const READY_TIMEOUT_MS = 60_000;

export const SERVICE_NS = 'urn:mtom-stream:service';

export interface JavaService {
  /** SOAP 1.1 endpoint (text/xml root part, SOAPAction header). */
  soap11: string;
  /** SOAP 1.2 endpoint (application/soap+xml root part). */
  soap12: string;
  /** What the JVM printed on stderr so far (Metro logs faults there). */
  log(): string;
  stop(): Promise<void>;
}

/** Why the service cannot run here, or undefined when it can. */
export function javaServiceUnavailable(): string | undefined {
  const reason = missingPiece();
  // CI sets MTOM_REQUIRE_JAVA=1: there a missing service is a failure, never a skip.
  if (reason && process.env.MTOM_REQUIRE_JAVA === '1') throw new Error(`the real SOAP service cannot run: ${reason}`);
  return reason;
}

function missingPiece(): string | undefined {
  for (const tool of ['java', 'javac']) {
    const probe = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) return `${tool} is not installed (apt-get install default-jdk-headless)`;
  }
  const missing = METRO_CLASSPATH.split(':').find((jar) => !existsSync(jar));
  if (missing) return `${missing} is missing (apt-get install libjaxws-java)`;
  return undefined;
}

/** Compiles and starts the service; resolves once both endpoints listen. */
export async function startJavaService(): Promise<JavaService> {
  const classes = await mkdtemp(join(tmpdir(), 'mtom-service-'));
  const compiled = spawnSync('javac', ['-cp', METRO_CLASSPATH, '-d', classes, SOURCE], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    await rm(classes, { recursive: true, force: true });
    throw new Error(`javac failed:\n${compiled.stderr}`);
  }
  const child = spawn(
    'java',
    [
      // Metro's optional monitoring needs jars Debian does not ship; it only logs that it is off.
      '-Dcom.sun.xml.ws.monitoring.endpoint=false',
      '-cp',
      `${classes}:${METRO_CLASSPATH}`,
      'MtomDigestService',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const stop = async () => {
    await stopProcess(child);
    await rm(classes, { recursive: true, force: true });
  };
  try {
    const port = await readyPort(child, () => stderr);
    const base = `http://127.0.0.1:${port}`;
    return { soap11: `${base}/soap11`, soap12: `${base}/soap12`, log: () => stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readyPort(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => fail(new Error(`the service did not start in ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${stderr()}`));
    };
    child.once('exit', (code) => fail(new Error(`the service exited with ${code} before it was ready`)));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const ready = /^READY (\d+)$/m.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve(Number(ready[1]));
      }
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
