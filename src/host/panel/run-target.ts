/**
 * "Run on", shared by the Photoshop panel and the web page: where model runs go (here, the local accelerator
 * `facerestore serve` on this computer, or a KServe v2 server at a URL), the persisted choice, the connection check,
 * and the runtime a run uses: the server's, falling back to the in-process one only when the user allowed it and the
 * server cannot be reached. Pixels never leave the host: detection, alignment and paste-back stay here; only
 * `session.run` crosses the network.
 */
import { entriesFor, type Catalog } from '../../core/catalog';
import { describeError, RestoreError } from '../../core/errors';
import { createRemoteRuntime, normaliseServerUrl, withFallback, type FetchLike, type RemoteRuntime } from '../../core/kserve/remote-runtime';
import type { Clock } from '../../core/model-host';
import type { ModelRuntime } from '../../core/runtime';
import type { ConnectionKind, PanelController, PanelRunOn, RunTargetId } from '../../../ui/panel-controller';
import type { InstalledDetector, InstalledModel, InstalledModels } from './installed-models';
import { Refusal } from './refusals';

/** Where `facerestore serve` listens by default; the manifest declares exactly this origin for it. */
export const LOCAL_ACCELERATOR_URL = 'http://127.0.0.1:8000';

/** Plain preferences (UXP and browser `localStorage`). */
export interface SettingsStore {
  get(key: string): string | undefined;
  set(key: string, value: string | undefined): void;
}

/** Secrets (UXP `storage.secureStorage`; a browser's session storage). */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string | undefined): Promise<void>;
}

export interface RunTargetDeps {
  /** The host's fetch; undefined: no network, so only "here" is offered. */
  readonly fetch: FetchLike | undefined;
  readonly clock: Clock;
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly catalog: Catalog;
  /**
   * Origins this host may connect to (the plugin's manifest `network.domains`); undefined: any (a web page, where
   * the server's CORS answer decides).
   */
  readonly allowedOrigins?: () => readonly string[];
  /** How the host calls itself: "this panel", "this page". */
  readonly here: string;
  /** Added to "cannot be reached" messages (the page: which --cors-origin the server needs). */
  readonly unreachableHint?: string;
  /** Called after every change of `state`. */
  readonly onChange: (runOn: PanelRunOn) => void;
}

/** How a run reaches its models on a server: `key` changes whenever the engine objects must be made again. */
export interface Placement {
  readonly key: string;
  /** The server's runtime; with fallback allowed, wrapped to continue on `local` once the server is gone. */
  runtime(local: ModelRuntime): ModelRuntime;
}

export interface RunTargets {
  readonly state: PanelRunOn;
  isRemote(): boolean;
  /** Undefined when models run here. */
  placement(): Placement | undefined;
  /**
   * The models the panel can offer: here, what is installed; on a server, the catalog models it serves (installed
   * here or not), or the installed catalog models until a check has listed what it serves.
   */
  offered(installed: InstalledModels): InstalledModels;
  /** Why a remote run cannot start now (origin not declared, no URL), or undefined. */
  refusal(): RestoreError | undefined;
  /** Why a remote run has no restore model or detector to run (`offered` has none), or undefined. */
  missing(offered: InstalledModels): Refusal | undefined;
  /** The refusal for ×2/×4 when the server offers no upscaler. */
  noUpscaler(): Refusal;
  /** The fallback that happened during the last run (then forgotten), for the run's status line. */
  takeFallback(): RestoreError | undefined;
  setTarget(id: RunTargetId): void;
  setUrl(url: string): void;
  setToken(token: string): Promise<void>;
  setFallbackAllowed(isAllowed: boolean): void;
  /** Checks the chosen remote target and records which catalog models it serves. */
  test(): Promise<void>;
  /** Reads the persisted choice and token; a remote choice is checked at once (without waiting). */
  start(): Promise<void>;
}

const KEY = { target: 'facerestore.runOn.target', url: 'facerestore.runOn.serverUrl', fallback: 'facerestore.runOn.fallback' } as const;
const tokenKey = (origin: string): string => `facerestore.token:${origin}`;
const TARGET_IDS: readonly RunTargetId[] = ['panel', 'local', 'server'];

/** "https://Host:443/x" → "https://host": scheme, host and port (default ports dropped), as the manifest lists origins. */
export function originOf(url: string): string {
  const m = /^(https?):\/\/([^/?#]+)/i.exec(url.trim());
  if (!m) return url;
  const scheme = m[1].toLowerCase();
  const host = m[2].toLowerCase().replace(scheme === 'https' ? /:443$/ : /:80$/, '');
  return `${scheme}://${host}`;
}

export function createRunTargets(deps: RunTargetDeps): RunTargets {
  const here = deps.here;
  let targetId: RunTargetId = 'panel';
  let serverUrl = '';
  let isFallbackAllowed = false;
  let token: string | undefined;
  let connection: { kind: ConnectionKind; text: string } = { kind: 'untested', text: '' };
  // Catalog ids the chosen server reported ready at the last successful check.
  let served: ReadonlySet<string> | undefined;
  let remote: { url: string; token: string | undefined; runtime: RemoteRuntime } | undefined;
  // Bumped on every change that needs new engine objects (URL, token, fallback consent) and when a run fell back,
  // so the next run asks the server again instead of staying here.
  let generation = 0;
  let fellBack: RestoreError | undefined;
  let checking = 0;
  let checkingNow: { key: string; promise: Promise<void> } | undefined;

  const urlOf = (): string => (targetId === 'local' ? LOCAL_ACCELERATOR_URL : targetId === 'server' ? serverUrl : '');
  const targets = [
    { id: 'panel', label: here.charAt(0).toUpperCase() + here.slice(1) },
    { id: 'local', label: 'Local accelerator (this computer)' },
    { id: 'server', label: 'Server' },
  ] as const;

  let state: PanelRunOn = snapshot();
  function snapshot(): PanelRunOn {
    return { targetId, targets: deps.fetch ? targets : targets.slice(0, 1), url: urlOf(), hasToken: token !== undefined, isFallbackAllowed, connection };
  }
  const changed = (): void => {
    state = snapshot();
    deps.onChange(state);
  };
  const forgetCheck = (): void => {
    generation += 1;
    served = undefined;
    connection = { kind: 'untested', text: '' };
  };

  function refusal(): RestoreError | undefined {
    if (targetId === 'panel') return undefined;
    const url = urlOf();
    if (url === '') return new RestoreError('INVALID_OPTION', `Type the server's URL under Run on (for example https://gpu.example:8000), or choose ${targets[0].label}`);
    const allowed = deps.allowedOrigins?.().map(originOf);
    if (allowed && !allowed.includes(originOf(url))) {
      return new RestoreError('INVALID_OPTION', `This plugin may only connect to the servers its manifest declares (${allowed.join(', ')}), not ${originOf(url)}. Rebuild it with FACERESTORE_SERVER_ORIGINS=${originOf(url)} (README, “Inference server”), or choose another target`);
    }
    return undefined;
  }

  function remoteRuntime(): RemoteRuntime {
    const url = urlOf();
    if (!remote || remote.url !== url || remote.token !== token) {
      remote = { url, token, runtime: createRemoteRuntime({ url, fetch: deps.fetch!, clock: deps.clock, ...(token ? { token } : {}) }) };
    }
    return remote.runtime;
  }

  const nameOf = (id: string): string => deps.catalog.models.find((m) => m.id === id)?.name ?? id;

  /** The failure line: what went wrong and what to do, by target. */
  function failureText(error: unknown): string {
    const text = describeError(error).replace(/[.\s]+$/, '');
    if (!(error instanceof RestoreError) || error.code !== 'SERVER_UNREACHABLE') return `${text}.`;
    const start = targetId === 'local' ? ' Start it with “npx facerestore serve” on this computer' : ' Check the URL and that the server is running';
    return `${text}.${start}${deps.unreachableHint ? `; ${deps.unreachableHint}` : ''}.`;
  }

  // The token for the current URL, read from the secret store after every URL change; a check waits for it.
  let tokenRead: Promise<void> = Promise.resolve();
  function loadToken(): Promise<void> {
    const url = urlOf();
    tokenRead = url === ''
      ? Promise.resolve(void (token = undefined))
      : deps.secrets.get(tokenKey(originOf(url))).catch(() => undefined).then((value) => {
        if (urlOf() === url) token = value || undefined;
      });
    return tokenRead;
  }

  async function check(): Promise<void> {
    if (targetId === 'panel') return;
    const refused = refusal();
    if (refused) {
      connection = { kind: 'failed', text: failureText(refused) };
      changed();
      return;
    }
    const mine = ++checking;
    const which = targetId;
    connection = { kind: 'testing', text: `Checking ${urlOf()}…` };
    changed();
    await tokenRead;
    const ids = (['restorer', 'detector', 'upsampler'] as const).flatMap((role) => entriesFor(deps.catalog, role).map((e) => e.id));
    try {
      const report = await remoteRuntime().test(ids);
      if (mine !== checking || which !== targetId) return;
      const ready = ids.filter((id) => report.models[id]);
      served = new Set(ready);
      const roles = (role: 'restorer' | 'detector') => entriesFor(deps.catalog, role).some((e) => served!.has(e.id));
      const missing = [...(roles('restorer') ? [] : ['a restore model']), ...(roles('detector') ? [] : ['a face detector'])];
      connection = missing.length > 0
        ? { kind: 'failed', text: `${report.server} at ${report.url} answers but serves no ${missing.join(' and no ')} from the catalog${ready.length ? ` (only ${ready.map(nameOf).join(', ')})` : ''}. Install them where it runs (facerestore models install), then test again.` }
        : { kind: 'ok', text: `Connected: ${report.server} at ${report.url}, ${Math.round(report.latencyMs)} ms, ${report.binary ? 'binary tensors' : 'JSON tensors'}. Serves ${ready.map(nameOf).join(', ')}.` };
    } catch (error) {
      if (mine !== checking || which !== targetId) return;
      served = undefined;
      connection = { kind: 'failed', text: failureText(error) };
    }
    changed();
  }

  const api: RunTargets = {
    get state() {
      return state;
    },
    isRemote: () => targetId !== 'panel',
    placement() {
      if (targetId === 'panel') return undefined;
      const runtime = remoteRuntime();
      return {
        key: `${runtime.url}#${generation}`,
        runtime: (local) => (isFallbackAllowed
          ? withFallback(runtime, local, (reason) => {
            fellBack = reason;
            generation += 1;
          })
          : runtime),
      };
    },
    offered(installed) {
      if (targetId === 'panel') return installed;
      const pick = <T extends InstalledModel>(models: readonly T[], role: 'restorer' | 'upsampler'): InstalledModel[] => {
        const mine = models.filter((m) => m.entry);
        if (!served) return mine;
        return entriesFor(deps.catalog, role).filter((e) => served!.has(e.id)).map((e) => mine.find((m) => m.entry?.id === e.id) ?? { id: e.id, path: '', label: e.name, entry: e });
      };
      const detectors: InstalledDetector[] = served
        ? entriesFor(deps.catalog, 'detector').flatMap((e) => (e.role === 'detector' && served!.has(e.id)
          ? [installed.detectors.find((d) => d.entry?.id === e.id) ?? { id: e.id, path: '', label: e.name, entry: e, kind: e.contract.decoder }]
          : []))
          .filter((d, i, all) => all.findIndex((o) => o.kind === d.kind) === i)
        : installed.detectors.filter((d) => d.entry);
      return { restore: pick(installed.restore, 'restorer'), upscale: pick(installed.upscale, 'upsampler'), detectors, folder: installed.folder };
    },
    refusal,
    missing(models) {
      const lacks = [...(models.restore.length === 0 ? ['restore model'] : []), ...(models.detectors.length === 0 ? ['face detector'] : [])];
      if (lacks.length === 0) return undefined;
      const where = targetId === 'local' ? 'the local accelerator' : `the server at ${urlOf()}`;
      return new Refusal('MODELS_MISSING', served
        ? `${where.charAt(0).toUpperCase()}${where.slice(1)} serves no catalog ${lacks.join(' and no ')}. Install one where it runs (facerestore models install), then press Test connection; or choose ${targets[0].label} under Run on.`
        : `No catalog ${lacks.join(' or ')} is known to run on ${where} yet: press Test connection under Run on to list what it serves.`);
    },
    noUpscaler() {
      const where = targetId === 'local' ? 'The local accelerator' : `The server at ${urlOf()}`;
      return new Refusal('MODELS_MISSING', `${where} serves no catalog upscaler${served ? '' : ' that is known yet (press Test connection)'}. Install one where it runs, or choose ×1.`);
    },
    takeFallback() {
      const reason = fellBack;
      fellBack = undefined;
      return reason;
    },
    setTarget(id) {
      if (!TARGET_IDS.includes(id) || id === targetId || (id !== 'panel' && !deps.fetch)) return;
      targetId = id;
      deps.settings.set(KEY.target, id);
      forgetCheck();
      void loadToken().then(() => {
        changed();
        if (id !== 'panel' && !refusal()) void api.test();
      });
      changed();
    },
    setUrl(raw) {
      let url: string;
      try {
        url = raw.trim() === '' ? '' : normaliseServerUrl(raw);
      } catch (error) {
        connection = { kind: 'failed', text: failureText(error) };
        changed();
        return;
      }
      if (url === serverUrl) return;
      serverUrl = url;
      deps.settings.set(KEY.url, url || undefined);
      forgetCheck();
      void loadToken().then(changed);
      changed();
    },
    async setToken(value) {
      const url = urlOf();
      if (url === '') return;
      const trimmed = value.trim();
      await deps.secrets.set(tokenKey(originOf(url)), trimmed || undefined);
      token = trimmed || undefined;
      forgetCheck();
      changed();
    },
    setFallbackAllowed(isAllowed) {
      if (isAllowed === isFallbackAllowed) return;
      isFallbackAllowed = isAllowed;
      generation += 1;
      deps.settings.set(KEY.fallback, isAllowed ? '1' : undefined);
      changed();
    },
    test() {
      // A check of the same target already under way (the one a target change starts) is the one to wait for.
      const key = `${targetId}|${urlOf()}|${generation}`;
      if (checkingNow?.key !== key) {
        const promise = check().finally(() => {
          if (checkingNow?.promise === promise) checkingNow = undefined;
        });
        checkingNow = { key, promise };
      }
      return checkingNow.promise;
    },
    async start() {
      const saved = deps.settings.get(KEY.target);
      targetId = deps.fetch && TARGET_IDS.includes(saved as RunTargetId) ? saved as RunTargetId : 'panel';
      serverUrl = deps.settings.get(KEY.url) ?? '';
      isFallbackAllowed = deps.settings.get(KEY.fallback) === '1';
      await loadToken();
      changed();
      if (targetId !== 'panel' && !refusal()) void api.test();
    },
  };
  return api;
}

/** The part of WHATWG / UXP `Storage` the settings need. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Preferences over `localStorage`; a storage that throws (full, disabled) only loses the preference. */
export function storageSettings(storage: StorageLike | undefined): SettingsStore {
  const memory = new Map<string, string>();
  return {
    get(key) {
      try {
        return (storage ? storage.getItem(key) : memory.get(key)) ?? undefined;
      } catch {
        return memory.get(key);
      }
    },
    set(key, value) {
      if (value === undefined) memory.delete(key);
      else memory.set(key, value);
      try {
        if (value === undefined) storage?.removeItem(key);
        else storage?.setItem(key, value);
      } catch {
        // Kept in memory for this session.
      }
    },
  };
}

/** Secrets over a synchronous storage (a web page's sessionStorage: forgotten when the tab closes). */
export function storageSecrets(storage: StorageLike | undefined): SecretStore {
  const settings = storageSettings(storage);
  return { get: async (key) => settings.get(key), set: async (key, value) => settings.set(key, value) };
}

/** The controller methods for "Run on", the same in the panel and the page: changes apply only while idle. */
export function runOnMethods(targets: RunTargets, isIdle: () => boolean, onError: (text: string) => void): Pick<PanelController, 'setRunTarget' | 'setServerUrl' | 'setServerToken' | 'setFallbackAllowed' | 'testConnection'> {
  return {
    setRunTarget(id) {
      if (isIdle()) targets.setTarget(id);
    },
    setServerUrl(url) {
      if (isIdle()) targets.setUrl(url);
    },
    async setServerToken(token) {
      if (!isIdle()) return;
      try {
        await targets.setToken(token);
      } catch (error) {
        onError(`Could not store the access token: ${describeError(error)}`);
      }
    },
    setFallbackAllowed: (isAllowed) => targets.setFallbackAllowed(isAllowed),
    testConnection: () => (isIdle() ? targets.test() : Promise.resolve()),
  };
}

/** The status after a run that lost its server and finished here, or undefined when it did not. */
export function fallbackNote(targets: RunTargets, status: { readonly text: string }, here: string): { kind: 'warning'; text: string } | undefined {
  const reason = targets.takeFallback();
  return reason && { kind: 'warning', text: `${status.text} The server stopped answering, so the run finished in ${here} (${reason.message.replace(/[.\s]+$/, '')}).` };
}
