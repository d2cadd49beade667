// The call discipline alone, without a writer: one call at a time, none from inside a callback
// except the callback's own sink, none after the end, owed content, and faults that stick.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { CallDiscipline } from '../../src/call-discipline.js';
import { ErrorCodes, XmlWriterError, type XmlWriterErrorCode } from '../../src/errors.js';

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => {
  assert.ok(error instanceof XmlWriterError, `expected an XmlWriterError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  return true;
};

/** The discipline is faulted by `failure`: calls say so, closed rejects with it, signal aborted. */
async function assertFaultedBy(discipline: CallDiscipline, failure: unknown): Promise<void> {
  assert.equal(discipline.isFaulted, true);
  assert.equal(discipline.signal.aborted, true);
  assert.equal(discipline.signal.reason, failure);
  assert.equal(discipline.outputStopped, true);
  assert.throws(
    () => discipline.call('later', () => {}),
    (error) => isCode('WS_E_OBJECT_FAULTED')(error) && (error as Error).cause === failure,
  );
  await assert.rejects(discipline.closed, (error) => error === failure);
}

describe('synchronous calls', () => {
  test('run and return their result', () => {
    const discipline = new CallDiscipline();
    assert.equal(
      discipline.call('a', () => 42),
      42,
    );
    assert.equal(
      discipline.call('b', () => 'x'),
      'x',
    );
    assert.equal(discipline.isFaulted, false);
  });

  test('a failure inside a call faults for good', async () => {
    const discipline = new CallDiscipline();
    const failure = new Error('bad');
    assert.throws(
      () =>
        discipline.call('a', () => {
          throw failure;
        }),
      (error) => error === failure,
    );
    await assertFaultedBy(discipline, failure);
  });

  test('a call inside a call is refused', async () => {
    const discipline = new CallDiscipline();
    let inner: unknown;
    assert.throws(
      () =>
        discipline.call('outer', () => {
          try {
            discipline.call('inner', () => {});
          } catch (error) {
            inner = error;
          }
        }),
      (error) => error === inner,
    );
    assert.ok(isCode('WS_E_INVALID_OPERATION')(inner));
    await assertFaultedBy(discipline, inner);
  });
});

describe('callbacks', () => {
  for (const kind of ['output', 'producer', 'pull', 'progress'] as const) {
    test(`a call from inside ${kind} is refused, even if the callback swallows the refusal`, async () => {
      const discipline = new CallDiscipline();
      let inner: unknown;
      const outer = () =>
        discipline.call('write', () =>
          discipline.inCallback(kind, undefined, () => {
            try {
              discipline.call('reentrant', () => assert.fail('must not run'));
            } catch (error) {
              inner = error;
            }
          }),
        );
      assert.throws(outer, (error) => error === inner);
      assert.ok(isCode('WS_E_INVALID_OPERATION')(inner));
      assert.match((inner as Error).message, /from inside/);
      await assertFaultedBy(discipline, inner);
    });
  }

  test('a producer may call its own sink, nothing else', async () => {
    const discipline = new CallDiscipline();
    const own = {};
    const other = {};
    let calls = 0;
    discipline.call('pushBytes', () =>
      discipline.inCallback('producer', own, () => {
        discipline.sinkCall(own, () => calls++);
        discipline.sinkCall(own, () => calls++);
      }),
    );
    assert.equal(calls, 2);
    assert.equal(discipline.isFaulted, false);
    // Outside every callback (a producer going on after an await) its sink works too.
    discipline.sinkCall(own, () => calls++);
    assert.equal(calls, 3);
    assert.throws(
      () => discipline.inCallback('producer', own, () => discipline.sinkCall(other, () => calls++)),
      isCode('WS_E_INVALID_OPERATION'),
    );
    assert.equal(calls, 3);
    assert.equal(discipline.isFaulted, true);
  });

  test('a sink call from inside the output callback is refused', () => {
    const discipline = new CallDiscipline();
    const sink = {};
    const fromOutput = () => discipline.inCallback('output', undefined, () => discipline.sinkCall(sink, () => {}));
    assert.throws(
      () => discipline.inCallback('producer', sink, () => discipline.sinkCall(sink, fromOutput)),
      isCode('WS_E_INVALID_OPERATION'),
    );
    assert.equal(discipline.isFaulted, true);
  });

  test('a callback frame ends with the callback, even when it throws', () => {
    const discipline = new CallDiscipline();
    assert.throws(() =>
      discipline.inCallback('output', undefined, () => {
        throw new Error('x');
      }),
    );
    assert.equal(
      discipline.call('after', () => 1),
      1,
    );
  });
});

describe('asynchronous calls and owed content', () => {
  test('an asynchronous call holds the writer until it settles', async () => {
    const discipline = new CallDiscipline();
    let finish!: () => void;
    const pending = discipline.callAsync('flush', () => new Promise<void>((resolve) => (finish = resolve)));
    assert.throws(
      () => discipline.call('writeChars', () => {}),
      (error) => isCode('WS_E_INVALID_OPERATION')(error) && /before flush settled/.test((error as Error).message),
    );
    finish();
    // The refusal faulted the writer, so the held call reports that failure.
    await assert.rejects(pending, isCode('WS_E_INVALID_OPERATION'));
  });

  test('after it settles, calls are accepted again', async () => {
    const discipline = new CallDiscipline();
    assert.equal(await discipline.callAsync('flush', async () => 7), 7);
    assert.equal(await discipline.callMaybeAsync('pushBytes', () => tick().then(() => {})), undefined);
    assert.equal(
      discipline.callMaybeAsync('pushBytes', () => undefined),
      undefined,
    );
    assert.equal(
      discipline.call('writeChars', () => 1),
      1,
    );
  });

  test('a held call returns as soon as the writer faults, though what it waits on never settles', async () => {
    const discipline = new CallDiscipline();
    const pending = discipline.callAsync('end', () => new Promise<void>(() => {}));
    const failure = new Error('aborted');
    discipline.abort(failure);
    await assert.rejects(pending, (error) => error === failure);
    await assertFaultedBy(discipline, failure);
  });

  test('a held call that repeats an earlier failure is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const discipline = new CallDiscipline();
      void discipline.callAsync('flush', () => new Promise<void>(() => {}));
      discipline.abort(new Error('stop'));
      for (let i = 0; i < 5; i++) await tick();
    } finally {
      process.off('unhandledRejection', listener);
    }
    assert.deepEqual(unhandled, []);
  });

  test('owed content holds the writer until it is paid', async () => {
    const discipline = new CallDiscipline();
    const owed = discipline.owe('writeAttachment');
    assert.throws(
      () => discipline.call('writeEndElement', () => {}),
      (error) => isCode('WS_E_INVALID_OPERATION')(error) && /still owed/.test((error as Error).message),
    );
    assert.equal(discipline.isFaulted, true);
    assert.throws(() => owed.pay(() => undefined), isCode('WS_E_OBJECT_FAULTED'));
  });

  test('paid content runs as the claiming call, then the writer is free', async () => {
    const discipline = new CallDiscipline();
    const owed = discipline.owe('writeAttachment');
    await tick();
    const paid = owed.pay(() => new Promise<void>(() => {}));
    // Paying turns the debt into a held call: others are still refused meanwhile.
    assert.throws(() => discipline.call('early', () => {}), isCode('WS_E_INVALID_OPERATION'));
    await assert.rejects(paid!, isCode('WS_E_INVALID_OPERATION'));

    const fresh = new CallDiscipline();
    await fresh.owe('writeAttachment').pay(() => tick().then(() => {}));
    assert.equal(
      fresh.call('next', () => 'free'),
      'free',
    );
  });

  test('content that will never come faults the writer with its reason', async () => {
    const discipline = new CallDiscipline();
    const failure = new XmlWriterError('WS_E_INVALID_FORMAT', 'no such file');
    discipline.owe('writeAttachment').default(failure);
    await assertFaultedBy(discipline, failure);
  });
});

describe('the end of the message', () => {
  test('before the last byte is handed over, abort() faults', async () => {
    const discipline = new CallDiscipline();
    const failure = new Error('stop');
    discipline.abort(failure);
    await assertFaultedBy(discipline, failure);
  });

  test('once the last byte is handed over, abort() does nothing and calls are refused without a fault', async () => {
    const discipline = new CallDiscipline();
    let deliver!: () => void;
    const ending = discipline.callAsync('end', async () => {
      discipline.handOver();
      await new Promise<void>((resolve) => (deliver = resolve));
      discipline.end();
      return 'done';
    });
    discipline.abort(new Error('too late'));
    assert.equal(discipline.isFaulted, false);
    assert.equal(discipline.signal.aborted, false);
    assert.throws(() => discipline.call('writeChars', () => {}), isCode('WS_E_INVALID_OPERATION'));
    assert.equal(discipline.isFaulted, false);
    deliver();
    assert.equal(await ending, 'done');
    await discipline.closed;
    // After the end a call is refused and faults, as WWSAPI's writer does; the message stays done.
    assert.throws(() => discipline.call('writeChars', () => {}), isCode('WS_E_INVALID_OPERATION'));
    assert.equal(discipline.isFaulted, true);
    assert.equal(discipline.signal.aborted, false);
  });

  test('an asynchronous call whose operation finishes at once is over at once', async () => {
    const discipline = new CallDiscipline();
    const ending = discipline.callAsync('end', () => {
      discipline.handOver();
      discipline.end();
      return 'done';
    });
    // Nothing holds the writer while the promise waits to be awaited: the next call meets the end.
    assert.throws(
      () => discipline.call('writeChars', () => {}),
      (error) => isCode('WS_E_INVALID_OPERATION')(error) && /has ended/.test((error as Error).message),
    );
    assert.equal(await ending, 'done');
    await discipline.closed;
  });

  test('an asynchronous call whose operation throws at once rejects and faults', async () => {
    const discipline = new CallDiscipline();
    const failure = new Error('no root element');
    const ending = discipline.callAsync('end', () => {
      throw failure;
    });
    await assert.rejects(ending, (error) => error === failure);
    await assertFaultedBy(discipline, failure);
  });

  test('signal and closed taken before the message settles follow it', async () => {
    const faulted = new CallDiscipline();
    const { signal } = faulted;
    const closed = faulted.closed;
    assert.equal(signal.aborted, false);
    const failure = new Error('stop');
    faulted.abort(failure);
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, failure);
    await assert.rejects(closed, (error) => error === failure);

    const ended = new CallDiscipline();
    const closedEarly = ended.closed;
    await ended.callAsync('end', () => {
      ended.handOver();
      ended.end();
    });
    await closedEarly;
    assert.equal(ended.signal.aborted, false);
  });

  test('an output that fails the last delivery still fails end() and closed', async () => {
    const discipline = new CallDiscipline();
    const failure = new Error('socket closed');
    const ending = discipline.callAsync('end', async () => {
      discipline.handOver();
      await tick();
      throw failure;
    });
    await assert.rejects(ending, (error) => error === failure);
    await assert.rejects(discipline.closed, (error) => error === failure);
    assert.equal(discipline.isFaulted, true);
  });

  test('a faulted writer cannot hand over', async () => {
    const discipline = new CallDiscipline();
    const failure = new Error('x');
    discipline.fail(failure);
    discipline.handOver();
    assert.throws(
      () => discipline.end(),
      (error) => error === failure,
    );
    discipline.abort(new Error('later'));
    await assert.rejects(discipline.closed, (error) => error === failure);
  });
});
