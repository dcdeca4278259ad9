import { DownloadProgress, ProgressBar } from './progress-bar';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 100, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('ProgressBar', () => {
  it('draws overall progress across files on a terminal and clears the line', () => {
    const stream = fakeStream(true);
    const bar = new ProgressBar(stream, 10);
    bar.update('a.jpg', 1, 2, { stage: 'restore', done: 1, total: 2, fraction: 1 });
    // File 2 of 2 finished: 100 %.
    expect(stream.text).toContain('100%');
    expect(stream.text).toContain('[2/2] a.jpg: restore 1/2');
    expect(stream.text.startsWith('\r')).toBe(true);
    bar.clear();
    expect(stream.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('stays silent when stderr is not a terminal (logs, pipes, CI)', () => {
    const stream = fakeStream(false);
    const bar = new ProgressBar(stream);
    bar.update('a.jpg', 0, 1, { stage: 'detect', done: 1, total: 1, fraction: 0.5 });
    bar.clear();
    expect(stream.text).toBe('');
  });
});

describe('DownloadProgress', () => {
  const MB = 1024 * 1024;
  const event = (done: number, total: number, extra: { rate?: number; secondsLeft?: number } = {}) =>
    ({ stage: 'download' as const, done, total, fraction: total ? Math.min(done / total, done === total ? 1 : 1 - 1e-9) : 0, ...extra });

  it('draws bytes, percent, speed and time left on a terminal', () => {
    const stream = fakeStream(true);
    const progress = new DownloadProgress(stream, 'gfpgan-1.4', 10);
    progress.update(event(100 * MB, 400 * MB, { rate: 12.5 * MB, secondsLeft: 24 }));
    expect(stream.text.trimEnd()).toBe('\rgfpgan-1.4 ███░░░░░░░  25%  100.0/400.0 MB  12.5 MB/s  ETA 0:24');
    progress.clear();
    expect(stream.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('prints one line per 10 % in logs and pipes', () => {
    const stream = fakeStream(false);
    const progress = new DownloadProgress(stream, 'yunet');
    for (let done = 0; done <= 50; done += 1) progress.update(event(done * MB, 50 * MB, done > 5 ? { rate: 2 * MB, secondsLeft: (50 - done) / 2 } : {}));
    const lines = stream.text.trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('yunet: 0 % (0.0 of 50.0 MB)');
    expect(lines[5]).toBe('yunet: 50 % (25.0 of 50.0 MB, 2.0 MB/s, 0:13 left)');
    expect(lines[10]).toBe('yunet: 100 % (50.0 of 50.0 MB, 2.0 MB/s)');
  });
});
