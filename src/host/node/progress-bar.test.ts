import { ProgressBar } from './progress-bar';

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
