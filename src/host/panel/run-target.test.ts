/**
 * "Run on"'s own rules, without a server: origins as the manifest compares them, preferences that survive a storage
 * that throws, bad URLs refused with the accepted form, no remote target without fetch, and one check at a time.
 * (Runs against a real server: test/photoshop-run-on.test.ts and test/web-run-on.test.ts.)
 */
import { bundledCatalog } from './bundled-catalog';
import { createRunTargets, originOf, storageSecrets, storageSettings, type RunTargetDeps, type StorageLike } from './run-target';
import type { FetchLike } from '../../core/kserve/remote-runtime';
import type { PanelRunOn } from '../../../ui/panel-controller';

function targets(extra: Partial<RunTargetDeps> = {}): { t: ReturnType<typeof createRunTargets>; seen: PanelRunOn[] } {
  const seen: PanelRunOn[] = [];
  const t = createRunTargets({
    fetch: undefined,
    clock: { now: () => 0, setTimer: () => () => undefined },
    settings: storageSettings(undefined),
    secrets: storageSecrets(undefined),
    catalog: bundledCatalog(),
    here: 'this panel',
    onChange: (runOn) => seen.push(runOn),
    ...extra,
  });
  return { t, seen };
}

describe('originOf', () => {
  it.each([
    ['https://GPU.studio:443/kserve', 'https://gpu.studio'],
    ['http://127.0.0.1:80', 'http://127.0.0.1'],
    ['http://127.0.0.1:8000/', 'http://127.0.0.1:8000'],
    ['https://gpu.studio:8443', 'https://gpu.studio:8443'],
    ['http://[::1]:8000/v2', 'http://[::1]:8000'],
  ])('%s → %s', (url, origin) => {
    expect(originOf(url)).toBe(origin);
  });
});

describe('storageSettings', () => {
  it('keeps a preference in memory when the storage throws, and removes on undefined', () => {
    const failing: StorageLike = {
      getItem: () => { throw new Error('SecurityError'); },
      setItem: () => { throw new Error('QuotaExceededError'); },
      removeItem: () => { throw new Error('SecurityError'); },
    };
    const s = storageSettings(failing);
    s.set('k', 'v');
    expect(s.get('k')).toBe('v');
    s.set('k', undefined);
    expect(s.get('k')).toBeUndefined();
  });

  it('reads what an earlier session stored', () => {
    const items = new Map([['facerestore.runOn.target', 'server'], ['facerestore.runOn.serverUrl', 'https://gpu.studio:8443']]);
    const storage: StorageLike = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
    expect(storageSettings(storage).get('facerestore.runOn.serverUrl')).toBe('https://gpu.studio:8443');
  });
});

describe('createRunTargets', () => {
  const fetch: FetchLike = () => Promise.reject(new TypeError('fetch failed'));

  it('offers only "this panel" when the host has no fetch, and ignores a remote choice', () => {
    const { t } = targets();
    t.setTarget('local');
    expect(t.state.targetId).toBe('panel');
    expect(t.state.targets.map((c) => c.id)).toEqual(['panel']);
  });

  it('refuses a URL it cannot use, saying what it accepts, and keeps the previous one', () => {
    const { t } = targets({ fetch });
    t.setUrl('ftp://gpu.studio');
    expect(t.state.connection.kind).toBe('failed');
    expect(t.state.connection.text).toMatch(/^Expected a server URL such as http:\/\/127\.0\.0\.1:8000 but received "ftp:\/\/gpu\.studio"/);
    expect(t.state.url).toBe('');
  });

  it('asks for a URL before a server run, and for an allowed origin', () => {
    const { t } = targets({ fetch, allowedOrigins: () => ['http://127.0.0.1:8000'] });
    t.setTarget('server');
    expect(t.refusal()?.message).toMatch(/^Type the server's URL under Run on/);
    t.setUrl('https://gpu.studio:8443/');
    expect(t.refusal()?.message).toMatch(/not https:\/\/gpu\.studio:8443\. Rebuild it with FACERESTORE_SERVER_ORIGINS=https:\/\/gpu\.studio:8443/);
    t.setTarget('local');
    expect(t.refusal()).toBeUndefined();
  });

  it('runs one check at a time: a second request while one is under way waits for the same one', async () => {
    let calls = 0;
    const counting: FetchLike = () => {
      calls += 1;
      return Promise.reject(new TypeError('connect ECONNREFUSED'));
    };
    const { t } = targets({ fetch: counting });
    t.setTarget('local');
    const first = t.test();
    const second = t.test();
    expect(second).toBe(first);
    await first;
    // The readiness probe and its one resend on a wire failure.
    expect(calls).toBe(2);
    expect(t.state.connection.kind).toBe('failed');
    expect(t.state.connection.text).toMatch(/cannot be reached .*Start it with “npx facerestore serve” on this computer\.$/);
  });
});
