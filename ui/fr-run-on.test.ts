/** @jest-environment jsdom */
import { FrRunOn, defineFrRunOn } from './fr-run-on';
import type { ConnectionKind, PanelRunOn } from './panel-controller';
import { RUN_ON, fire, query } from './panel-test-helpers';

beforeAll(defineFrRunOn);

const elements: FrRunOn[] = [];

afterEach(() => {
  for (const element of elements.splice(0)) element.remove();
});

const LOCAL: PanelRunOn = { ...RUN_ON, targetId: 'local', url: 'http://127.0.0.1:8765' };
const SERVER: PanelRunOn = { ...RUN_ON, targetId: 'server', url: 'https://gpu.example:8000' };

interface Mounted {
  readonly element: FrRunOn;
  readonly calls: unknown[][];
}

/** A standalone `<fr-run-on>` whose callbacks log into `calls` (one entry per call: name, then arguments). */
async function mountRunOn(runOn: PanelRunOn, isDisabled = false): Promise<Mounted> {
  const calls: unknown[][] = [];
  const element = document.createElement('fr-run-on');
  element.runOn = runOn;
  element.isDisabled = isDisabled;
  element.onTarget = (id) => calls.push(['target', id]);
  element.onUrl = (url) => calls.push(['url', url]);
  element.onToken = (token) => calls.push(['token', token]);
  element.onFallback = (isAllowed) => calls.push(['fallback', isAllowed]);
  element.onTest = () => calls.push(['test']);
  document.body.appendChild(element);
  elements.push(element);
  await element.updateComplete;
  return { element, calls };
}

async function rerender(element: FrRunOn, patch: Partial<PanelRunOn>, isDisabled = element.isDisabled): Promise<void> {
  element.runOn = { ...element.runOn, ...patch };
  element.isDisabled = isDisabled;
  await element.updateComplete;
}

const REMOTE_PARTS = ['sp-checkbox.fr-run-on-fallback', 'sp-button.fr-run-on-test'];
const SERVER_PARTS = ['sp-textfield.fr-run-on-url', 'sp-textfield.fr-run-on-token'];

describe('fr-run-on per target', () => {
  it('shows only the "Run on" dropdown for this panel, listing the targets with the current one selected', async () => {
    const { element } = await mountRunOn(RUN_ON);
    expect(query(element, '.fr-field sp-label').textContent).toBe('Run on');
    const dropdown = query(element, 'sp-dropdown.fr-run-on-target');
    const items = [...dropdown.querySelectorAll('sp-menu[slot="options"] sp-menu-item')];
    expect(items.map((item) => item.textContent?.trim())).toEqual(['This panel', 'Local accelerator', 'Server']);
    expect(items.map((item) => item.hasAttribute('selected'))).toEqual([true, false, false]);
    expect(dropdown.hasAttribute('disabled')).toBe(false);
    for (const selector of [...REMOTE_PARTS, ...SERVER_PARTS, '.fr-run-on-detail', '.fr-connection']) {
      expect(element.querySelector(selector)).toBeNull();
    }
  });

  it('shows the local accelerator URL with how to start it, the fallback and Test connection, but no fields', async () => {
    const { element } = await mountRunOn(LOCAL);
    expect(query(element, 'sp-detail.fr-run-on-detail').textContent)
      .toBe('http://127.0.0.1:8765 · start it with npx facerestore serve');
    for (const selector of REMOTE_PARTS) query(element, selector);
    for (const selector of SERVER_PARTS) expect(element.querySelector(selector)).toBeNull();
    expect(query(element, 'sp-checkbox.fr-run-on-fallback').textContent)
      .toBe('If the server cannot be reached, finish here (slower)');
    expect(query(element, 'sp-button.fr-run-on-test').textContent).toBe('Test connection');
  });

  it('shows the server URL and a password field for the token, the fallback and Test connection', async () => {
    const { element } = await mountRunOn(SERVER);
    const url = query(element, 'sp-textfield.fr-run-on-url') as HTMLElement & { value?: unknown };
    expect(url.getAttribute('placeholder')).toBe('https://gpu.example:8000');
    expect(url.value).toBe('https://gpu.example:8000');
    const token = query(element, 'sp-textfield.fr-run-on-token') as HTMLElement & { value?: unknown };
    expect(token.getAttribute('type')).toBe('password');
    expect(token.getAttribute('placeholder')).toBe('Optional');
    expect(token.value).toBeUndefined(); // never given a value: a stored token is not shown back
    expect(element.querySelector('.fr-run-on-forget')).toBeNull();
    expect(element.querySelector('.fr-run-on-detail')).toBeNull();
    for (const selector of REMOTE_PARTS) query(element, selector);
  });

  it('follows the target as it changes', async () => {
    const { element } = await mountRunOn(RUN_ON);
    await rerender(element, SERVER);
    query(element, 'sp-textfield.fr-run-on-url');
    await rerender(element, LOCAL);
    expect(element.querySelector('sp-textfield')).toBeNull();
    query(element, '.fr-run-on-detail');
    await rerender(element, RUN_ON);
    expect(element.querySelector('sp-checkbox')).toBeNull();
  });
});

describe('fr-run-on actions', () => {
  it('calls onTarget with the chosen target id and ignores a change with no valid selection', async () => {
    const { element, calls } = await mountRunOn(RUN_ON);
    const dropdown = query(element, 'sp-dropdown.fr-run-on-target');
    fire(dropdown, 'change', { selectedIndex: 2 });
    fire(dropdown, 'change', { selectedIndex: 1 });
    fire(dropdown, 'change', { selectedIndex: -1 });
    fire(dropdown, 'change', { selectedIndex: 3 });
    expect(calls).toEqual([['target', 'server'], ['target', 'local']]);
  });

  it('ignores a target id the contract does not know', async () => {
    const { element, calls } = await mountRunOn({ ...RUN_ON, targets: [...RUN_ON.targets, { id: 'cloud', label: 'Cloud' }] });
    fire(query(element, 'sp-dropdown.fr-run-on-target'), 'change', { selectedIndex: 3 });
    expect(calls).toEqual([]);
  });

  it('commits the trimmed URL on change only, and not when it is the stored one', async () => {
    const { element, calls } = await mountRunOn({ ...SERVER, url: '' });
    const url = query(element, 'sp-textfield.fr-run-on-url');
    fire(url, 'input', { value: 'https://g' }); // typing: nothing yet
    fire(url, 'change', { value: '  https://gpu.example:8000/  ' });
    await rerender(element, { url: 'https://gpu.example:8000/' });
    fire(url, 'change', { value: 'https://gpu.example:8000/ ' });
    fire(url, 'change', { value: '' });
    expect(calls).toEqual([['url', 'https://gpu.example:8000/'], ['url', '']]);
  });

  it('does not overwrite a URL being typed when something else re-renders', async () => {
    const { element } = await mountRunOn(SERVER);
    const url = query(element, 'sp-textfield.fr-run-on-url') as HTMLElement & { value?: unknown };
    url.value = 'https://other.example';
    await rerender(element, { connection: { kind: 'failed', text: 'Not reachable.' } });
    expect(url.value).toBe('https://other.example');
    await rerender(element, { url: 'https://gpu2.example:8000' });
    expect(url.value).toBe('https://gpu2.example:8000');
  });

  it('hands over a new token on change, trimmed, and empties the field; an emptied field forgets nothing', async () => {
    const { element, calls } = await mountRunOn(SERVER);
    const token = query(element, 'sp-textfield.fr-run-on-token') as HTMLElement & { value?: unknown };
    fire(token, 'input', { value: 's3cr' });
    fire(token, 'change', { value: ' s3cret\n' });
    expect(token.value).toBe('');
    fire(token, 'change', { value: '   ' });
    fire(token, 'change', { value: '' });
    expect(calls).toEqual([['token', 's3cret']]);
  });

  it('says a token is stored without showing it, and "Forget token" forgets it', async () => {
    const { element, calls } = await mountRunOn({ ...SERVER, hasToken: true });
    const token = query(element, 'sp-textfield.fr-run-on-token');
    expect(token.getAttribute('placeholder')).toBe('Token stored · type to replace');
    const forget = query(element, 'sp-action-button.fr-run-on-forget');
    expect(forget.textContent).toBe('Forget token');
    forget.click();
    expect(calls).toEqual([['token', '']]);

    await rerender(element, { hasToken: false });
    expect(element.querySelector('.fr-run-on-forget')).toBeNull();
    expect(token.getAttribute('placeholder')).toBe('Optional');
  });

  it.each([LOCAL, SERVER])('binds the fallback checkbox for $targetId', async (runOn) => {
    const { element, calls } = await mountRunOn(runOn);
    const fallback = query(element, 'sp-checkbox.fr-run-on-fallback');
    expect(fallback.hasAttribute('checked')).toBe(false);
    fire(fallback, 'change', { checked: true });
    fire(fallback, 'change', { checked: 'yes' });
    expect(calls).toEqual([['fallback', true]]);
    await rerender(element, { isFallbackAllowed: true });
    expect(fallback.hasAttribute('checked')).toBe(true);
    fire(fallback, 'change', { checked: false });
    expect(calls).toEqual([['fallback', true], ['fallback', false]]);
  });

  it.each([LOCAL, SERVER])('calls onTest from Test connection for $targetId, which waits while a check runs', async (runOn) => {
    const { element, calls } = await mountRunOn(runOn);
    const test = query(element, 'sp-button.fr-run-on-test');
    expect(test.hasAttribute('disabled')).toBe(false);
    test.click();
    expect(calls).toEqual([['test']]);

    await rerender(element, { connection: { kind: 'testing', text: 'Checking…' } });
    expect(test.hasAttribute('disabled')).toBe(true);
    test.click(); // jsdom fires clicks on disabled unknown elements; UXP would not
    expect(calls).toEqual([['test']]);
  });
});

describe('fr-run-on while a run is going', () => {
  it('disables every input and forwards nothing', async () => {
    const { element, calls } = await mountRunOn({ ...SERVER, hasToken: true }, true);
    const selectors = ['sp-dropdown.fr-run-on-target', ...SERVER_PARTS, 'sp-action-button.fr-run-on-forget', ...REMOTE_PARTS];
    for (const selector of selectors) expect(query(element, selector).hasAttribute('disabled')).toBe(true);
    fire(query(element, 'sp-dropdown.fr-run-on-target'), 'change', { selectedIndex: 0 });
    fire(query(element, 'sp-textfield.fr-run-on-url'), 'change', { value: 'https://else.example' });
    fire(query(element, 'sp-textfield.fr-run-on-token'), 'change', { value: 'tok' });
    query(element, 'sp-action-button.fr-run-on-forget').click();
    fire(query(element, 'sp-checkbox.fr-run-on-fallback'), 'change', { checked: true });
    query(element, 'sp-button.fr-run-on-test').click();
    expect(calls).toEqual([]);
    expect((query(element, 'sp-textfield.fr-run-on-token') as HTMLElement & { value?: unknown }).value).toBe('');

    await rerender(element, {}, false);
    for (const selector of selectors) expect(query(element, selector).hasAttribute('disabled')).toBe(false);
  });
});

describe('fr-run-on connection line', () => {
  it('is omitted while there is nothing to say', async () => {
    const { element } = await mountRunOn(SERVER);
    expect(element.querySelector('.fr-connection')).toBeNull();
  });

  it.each<[ConnectionKind, string]>([
    ['untested', 'Not checked yet.'],
    ['testing', 'Checking gpu.example…'],
    ['ok', 'facerestore serve 0.1.0 · 3 models · 42 ms'],
    ['failed', 'Could not reach gpu.example:8000 (connection refused).'],
  ])('shows the %s line as a status with its class', async (kind, text) => {
    const { element } = await mountRunOn({ ...LOCAL, connection: { kind, text } });
    const line = query(element, '.fr-connection');
    expect(line.textContent).toBe(text);
    expect(line.getAttribute('role')).toBe('status');
    expect(line.classList.contains(`fr-connection-${kind}`)).toBe(true);
    expect([...line.classList].filter((name) => name.startsWith('fr-connection-'))).toEqual([`fr-connection-${kind}`]);
  });
});
