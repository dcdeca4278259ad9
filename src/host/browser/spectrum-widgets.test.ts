/** @jest-environment jsdom */
import type { LitElement } from 'lit';
import type { FrPanel } from '../../../ui/fr-panel';
import {
  CATALOG_MODELS, FACES, FakeController, RUN_ON, UPSCALERS, mount, query, settle, unmountAll,
} from '../../../ui/panel-test-helpers';
import { SPECTRUM_WIDGETS, defineSpectrumWidgets, type SpTextfield } from './spectrum-widgets';

/**
 * The stand-ins under the REAL fr-panel: every interaction goes through the native control inside the widget's
 * shadow root (as a user, a screen reader or Playwright would), and every assertion is on what the controller got.
 */

beforeAll(() => {
  defineSpectrumWidgets();
});

afterEach(unmountAll);

/** Waits for the panel, the fr-* elements, the MutationObservers and every sp-* widget to finish updating. */
async function flush(panel: FrPanel): Promise<void> {
  for (let round = 0; round < 3; round += 1) {
    await settle(panel);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const widgets = [...panel.querySelectorAll('*')].filter((el) => el.localName.startsWith('sp-') && 'updateComplete' in el);
    await Promise.all(widgets.map((widget) => (widget as LitElement).updateComplete));
  }
}

async function mounted(controller: FakeController): Promise<FrPanel> {
  const { panel } = await mount(controller);
  await flush(panel);
  return panel;
}

/** The native control inside a widget's shadow root. */
function inner<T extends Element>(host: Element, selector: string): T {
  const found = host.shadowRoot?.querySelector<T>(selector);
  if (found === null || found === undefined) throw new Error(`${host.localName} has no ${selector} in its shadow root`);
  return found;
}

/** The text a widget shows through a slot (`''` default slot, or a named one). */
function slotted(host: Element, name = ''): string {
  const slot = inner<HTMLSlotElement>(host, name === '' ? 'slot:not([name])' : `slot[name="${name}"]`);
  return slot.assignedNodes().map((node) => node.textContent ?? '').join('').replace(/\s+/g, ' ').trim();
}

function setValue(control: HTMLInputElement | HTMLSelectElement, value: string, ...types: string[]): void {
  control.value = value;
  for (const type of types) control.dispatchEvent(new Event(type, { bubbles: true }));
}

const optionLabels = (select: HTMLSelectElement): string[] => [...select.options].slice(1).map((o) => o.textContent?.trim() ?? '');
const shownOption = (select: HTMLSelectElement): string => select.options[select.selectedIndex]?.textContent?.trim() ?? '';

describe('defineSpectrumWidgets', () => {
  it('defines only the widgets the registry lacks and returns their tags', () => {
    const existing = new Set(['sp-button', 'sp-label']);
    const define = jest.fn();
    const registry = { get: (tag: string) => (existing.has(tag) ? HTMLElement : undefined), define } as unknown as CustomElementRegistry;
    const tags = defineSpectrumWidgets(registry);
    expect(tags).toEqual(['sp-action-button', 'sp-checkbox', 'sp-dropdown', 'sp-slider', 'sp-textfield', 'sp-progressbar', 'sp-body', 'sp-detail']);
    expect(define.mock.calls.map(([tag]) => tag)).toEqual(tags);
  });

  it('is harmless a second time, and every widget renders into an open shadow root', () => {
    expect(defineSpectrumWidgets()).toEqual([]);
    for (const [tag, widget] of SPECTRUM_WIDGETS) {
      expect(customElements.get(tag)).toBe(widget);
      const element = document.createElement(tag);
      document.body.appendChild(element);
      expect(element.shadowRoot?.mode).toBe('open');
      element.remove();
    }
  });
});

describe('sp-button / sp-action-button', () => {
  it('shows its text through a slot in a native button, and a click there reaches the controller', async () => {
    const controller = new FakeController();
    const panel = await mounted(controller);
    const restore = query(panel, 'sp-button.fr-restore');
    expect(slotted(restore)).toBe('Restore');
    expect(restore.getAttribute('variant')).toBe('cta');
    inner<HTMLButtonElement>(restore, 'button').click();
    inner<HTMLButtonElement>(query(panel, 'sp-button.fr-find-faces'), 'button').click();
    expect(controller.calls).toEqual([['restore'], ['findFaces']]);
  });

  it('when disabled, fires nothing: no click reaches listeners on the element, until it is enabled again', async () => {
    const controller = new FakeController({ canRun: false });
    const panel = await mounted(controller);
    const restore = query(panel, 'sp-button.fr-restore');
    const button = inner<HTMLButtonElement>(restore, 'button');
    const heard = jest.fn();
    restore.addEventListener('click', heard);
    expect(restore.hasAttribute('disabled')).toBe(true);
    expect(button.disabled).toBe(true);
    button.click();
    restore.click();
    restore.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
    expect(heard).not.toHaveBeenCalled();
    expect(controller.calls).toEqual([]);

    controller.update({ canRun: true });
    await flush(panel);
    expect(button.disabled).toBe(false);
    button.click();
    expect(heard).toHaveBeenCalledTimes(1);
    expect(controller.calls).toEqual([['restore']]);
  });

  it('answers the confirmation buttons and the quiet Cancel, which stops answering while cancelling', async () => {
    const controller = new FakeController({ phase: 'confirming', confirmation: { text: 'Upscaling takes about 9 min.', seconds: 540 } });
    const panel = await mounted(controller);
    expect(slotted(query(panel, 'sp-body.fr-confirm-text'))).toBe('Upscaling takes about 9 min.');
    inner<HTMLButtonElement>(query(panel, 'sp-button.fr-confirm-restore'), 'button').click();
    expect(controller.calls).toEqual([['confirmRestore']]);

    controller.update({ phase: 'restoring', confirmation: undefined, progress: { fraction: 0.1, label: 'Restoring face 1 of 2' } });
    await flush(panel);
    const cancel = query(panel, 'sp-button.fr-cancel');
    expect(cancel.hasAttribute('quiet')).toBe(true);
    inner<HTMLButtonElement>(cancel, 'button').click();
    controller.update({ phase: 'cancelling' });
    await flush(panel);
    expect(inner<HTMLButtonElement>(cancel, 'button').disabled).toBe(true);
    cancel.click();
    expect(controller.calls).toEqual([['confirmRestore'], ['cancel']]);
  });

  it('sp-action-button toggles the Models section; its Download / Remove buttons forward the model id', async () => {
    const controller = new FakeController({ catalogModels: CATALOG_MODELS });
    const panel = await mounted(controller);
    inner<HTMLButtonElement>(query(panel, 'sp-button.fr-model-download'), 'button').click();
    expect(controller.calls).toEqual([['downloadModel', 'gfpgan-1.2']]);
    const toggle = query(panel, 'sp-action-button.fr-models-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    inner<HTMLButtonElement>(toggle, 'button').click();
    await flush(panel);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(panel.querySelector('.fr-model-row')).toBeNull();
  });
});

describe('sp-checkbox', () => {
  it('toggling its native box sets checked and fires a bubbling, composed change from the element', async () => {
    const controller = new FakeController();
    const panel = await mounted(controller);
    const centre = query(panel, 'sp-checkbox.fr-center-face');
    const box = inner<HTMLInputElement>(centre, 'input[type="checkbox"]');
    expect(slotted(centre)).toBe('Only the centre face');
    expect(box.checked).toBe(false);
    const heard: Event[] = [];
    document.addEventListener('change', (evt) => heard.push(evt), { once: true });
    box.click();
    expect(controller.calls).toEqual([['setOnlyCenterFace', true]]);
    expect((centre as unknown as { checked: boolean }).checked).toBe(true);
    expect(heard.map((evt) => [evt.target, evt.bubbles, evt.composed])).toEqual([[centre, true, true]]);
  });

  it('follows checked and disabled as the controller changes them, and fires nothing while disabled', async () => {
    const controller = new FakeController({ isOnlyCenterFace: true });
    const panel = await mounted(controller);
    const centre = query(panel, 'sp-checkbox.fr-center-face');
    const box = inner<HTMLInputElement>(centre, 'input');
    expect(box.checked).toBe(true);
    controller.update({ isOnlyCenterFace: false });
    await flush(panel);
    expect([box.checked, centre.hasAttribute('checked')]).toEqual([false, false]);

    controller.update({ phase: 'detecting' });
    await flush(panel);
    expect(box.disabled).toBe(true);
    box.click();
    box.dispatchEvent(new Event('change'));
    centre.click();
    expect(controller.calls).toEqual([]);
    expect(box.checked).toBe(false);

    controller.update({ phase: 'idle' });
    await flush(panel);
    centre.click();
    expect(controller.calls).toEqual([['setOnlyCenterFace', true]]);
  });

  it('ticks faces in the face list by number', async () => {
    const controller = new FakeController({ faces: FACES });
    const panel = await mounted(controller);
    const [first, second] = [...panel.querySelectorAll('sp-checkbox.fr-face-check')];
    expect([slotted(first), slotted(second)]).toEqual(['Face 1', 'Face 2']);
    expect(inner<HTMLInputElement>(first, 'input').checked).toBe(true);
    inner<HTMLInputElement>(second, 'input').click();
    inner<HTMLInputElement>(first, 'input').click();
    expect(controller.calls).toEqual([['setFaceSelected', 2, true], ['setFaceSelected', 1, false]]);
  });
});

describe('sp-dropdown', () => {
  it('lists its sp-menu-items in a native select, selects the `selected` one, and reports the pick by selectedIndex', async () => {
    const controller = new FakeController();
    const panel = await mounted(controller);
    const detector = query(panel, 'sp-dropdown.fr-detector');
    const select = inner<HTMLSelectElement>(detector, 'select');
    expect(optionLabels(select)).toEqual(['YuNet', 'RetinaFace']);
    expect(shownOption(select)).toBe('YuNet');
    expect(select.getAttribute('aria-label')).toBe('Face detector');
    expect((detector as unknown as { selectedIndex: number }).selectedIndex).toBe(0);

    setValue(select, '1', 'input', 'change');
    expect(controller.calls).toEqual([['setDetector', 'retinaface']]);
    expect((detector as unknown as { selectedIndex: number }).selectedIndex).toBe(1);
  });

  it('follows the menu items as Lit re-renders them (added items, moved selection)', async () => {
    const controller = new FakeController();
    const panel = await mounted(controller);
    const detector = query(panel, 'sp-dropdown.fr-detector');
    const select = inner<HTMLSelectElement>(detector, 'select');
    controller.update({ detectors: [...controller.state.detectors, { id: 'scrfd', label: 'SCRFD' }], detectorId: 'scrfd' });
    await flush(panel);
    expect(optionLabels(select)).toEqual(['YuNet', 'RetinaFace', 'SCRFD']);
    expect(shownOption(select)).toBe('SCRFD');
    expect((detector as unknown as { selectedIndex: number }).selectedIndex).toBe(2);
  });

  it('shows the placeholder when nothing is selected and, disabled, reports nothing', async () => {
    const controller = new FakeController({ models: [], modelId: undefined });
    const panel = await mounted(controller);
    const model = query(panel, 'sp-dropdown.fr-model');
    const select = inner<HTMLSelectElement>(model, 'select');
    expect(select.disabled).toBe(true);
    expect(shownOption(select)).toBe('No model installed');
    expect((model as unknown as { selectedIndex: number }).selectedIndex).toBe(-1);
    select.dispatchEvent(new Event('change'));
    expect(controller.calls).toEqual([]);

    controller.update({ phase: 'restoring' });
    await flush(panel);
    expect(inner<HTMLSelectElement>(query(panel, 'sp-dropdown.fr-detector'), 'select').disabled).toBe(true);
  });

  it('drives the upscale choice and then the upscaler dropdown that appears', async () => {
    const controller = new FakeController();
    const panel = await mounted(controller);
    setValue(inner<HTMLSelectElement>(query(panel, 'sp-dropdown.fr-upscale-scale'), 'select'), '1', 'change');
    controller.update({ upscaleId: '2', upscalers: UPSCALERS, upscalerId: undefined });
    await flush(panel);
    const upscaler = inner<HTMLSelectElement>(query(panel, 'sp-dropdown.fr-upscaler'), 'select');
    expect(shownOption(upscaler)).toBe('No upscaler installed');
    setValue(upscaler, '1', 'change');
    expect(controller.calls).toEqual([['setUpscale', '2'], ['setUpscaler', 'realesr-general-x4v3']]);
  });
});

describe('sp-slider', () => {
  it('fires input while dragging and change on release, value a number on the element', async () => {
    const controller = new FakeController({ canSetStrength: true });
    const panel = await mounted(controller);
    const slider = query(panel, 'sp-slider.fr-strength');
    const range = inner<HTMLInputElement>(slider, 'input[type="range"]');
    expect([range.min, range.max, range.value, range.disabled]).toEqual(['0', '100', '100', false]);
    expect(slotted(slider, 'label')).toBe('Face strength');
    expect(inner(slider, '.value').textContent).toBe('100%');
    const values: unknown[] = [];
    slider.addEventListener('input', (evt) => values.push((evt.target as unknown as { value: unknown }).value));

    setValue(range, '40', 'input');
    expect(controller.calls).toEqual([['setStrength', 0.4, false]]);
    setValue(range, '40', 'change');
    expect(controller.calls).toEqual([['setStrength', 0.4, false], ['setStrength', 0.4, true]]);
    expect(values).toEqual([40]);
  });

  it('follows value and disabled from the controller, and fires nothing while disabled', async () => {
    const controller = new FakeController({ canSetStrength: true });
    const panel = await mounted(controller);
    const slider = query(panel, 'sp-slider.fr-strength');
    const range = inner<HTMLInputElement>(slider, 'input');
    controller.update({ strength: 0.25 });
    await flush(panel);
    expect([range.value, inner(slider, '.value').textContent]).toEqual(['25', '25%']);

    controller.update({ canSetStrength: false });
    await flush(panel);
    expect([range.disabled, slider.hasAttribute('disabled')]).toEqual([true, true]);
    setValue(range, '70', 'input', 'change');
    expect(controller.calls).toEqual([]);
    expect(range.value).toBe('25');
  });
});

const fields: Element[] = [];
afterEach(() => {
  for (const field of fields.splice(0)) field.remove();
});

/** A bare sp-textfield in the document (removed after the test), rendered. */
async function textfield(attributes: Record<string, string> = {}): Promise<SpTextfield> {
  const field = document.createElement('sp-textfield') as SpTextfield;
  for (const [name, value] of Object.entries(attributes)) field.setAttribute(name, value);
  document.body.appendChild(field);
  fields.push(field);
  await field.updateComplete;
  return field;
}

/** Types `text` into a native input one character at a time, an `input` event per keystroke, as a user would. */
function type(input: HTMLInputElement, text: string): void {
  for (const char of text) setValue(input, input.value + char, 'input');
}

function pressEnter(input: HTMLInputElement): void {
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
}

describe('sp-textfield', () => {
  it('fires input per keystroke and change on commit from the element itself, value on evt.target.value', async () => {
    const field = await textfield({ placeholder: 'Name' });
    const input = inner<HTMLInputElement>(field, 'input');
    expect([input.type, input.placeholder, input.value]).toEqual(['text', 'Name', '']);
    const heard: unknown[] = [];
    const listen = (evt: Event): void => {
      heard.push([evt.type, evt.target === field, (evt.target as SpTextfield).value, evt.bubbles, evt.composed]);
    };
    document.addEventListener('input', listen);
    document.addEventListener('change', listen);
    try {
      type(input, 'ab');
      setValue(input, 'ab', 'change'); // leaving the field after a change
      expect(heard).toEqual([
        ['input', true, 'a', true, true], ['input', true, 'ab', true, true], ['change', true, 'ab', true, true],
      ]);
      expect(field.value).toBe('ab');

      heard.length = 0;
      type(input, 'c');
      pressEnter(input);
      setValue(input, 'abc', 'change'); // the browser's own change after Enter: no second one
      pressEnter(input); // nothing new to commit
      expect(heard).toEqual([['input', true, 'abc', true, true], ['change', true, 'abc', true, true]]);
    } finally {
      document.removeEventListener('input', listen);
      document.removeEventListener('change', listen);
    }
  });

  it('type="password" renders a password input; any other type but text falls back to text', async () => {
    const token = await textfield({ type: 'password' });
    expect(inner<HTMLInputElement>(token, 'input').type).toBe('password');
    const number = await textfield({ type: 'number' });
    expect(inner<HTMLInputElement>(number, 'input').type).toBe('text');
    number.type = 'password';
    await number.updateComplete;
    expect(inner<HTMLInputElement>(number, 'input').type).toBe('password');
  });

  it('shows value as set (attribute or property), and value = "" empties what was typed', async () => {
    const field = await textfield({ value: 'https://a.example' });
    const input = inner<HTMLInputElement>(field, 'input');
    expect(input.value).toBe('https://a.example');
    field.value = 'https://b.example';
    await field.updateComplete;
    expect(input.value).toBe('https://b.example');

    type(input, '/x');
    expect(field.value).toBe('https://b.example/x');
    field.value = '';
    await field.updateComplete;
    expect(input.value).toBe('');
    expect(field.hasAttribute('value')).toBe(true); // only the initial attribute: typed text is never reflected
    expect(field.getAttribute('value')).toBe('https://a.example');
  });

  it('disabled disables its input and fires nothing, putting value back', async () => {
    const field = await textfield({ value: 'kept', disabled: '' });
    const input = inner<HTMLInputElement>(field, 'input');
    expect(input.disabled).toBe(true);
    const heard = jest.fn();
    field.addEventListener('input', heard);
    field.addEventListener('change', heard);
    setValue(input, 'other', 'input', 'change');
    pressEnter(input);
    expect(heard).not.toHaveBeenCalled();
    expect([field.value, input.value]).toEqual(['kept', 'kept']);

    field.disabled = false;
    await field.updateComplete;
    expect(input.disabled).toBe(false);
    type(input, '!');
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('in the panel\'s Run on section, commits a typed server URL and hands over (then empties) a typed token', async () => {
    const controller = new FakeController({ runOn: { ...RUN_ON, targetId: 'server' } });
    const panel = await mounted(controller);
    const url = inner<HTMLInputElement>(query(panel, 'sp-textfield.fr-run-on-url'), 'input');
    const token = inner<HTMLInputElement>(query(panel, 'sp-textfield.fr-run-on-token'), 'input');
    expect([url.type, url.placeholder, url.getAttribute('aria-label')]).toEqual(['text', 'https://gpu.example:8000', 'Server URL']);
    expect([token.type, token.placeholder, token.getAttribute('aria-label')]).toEqual(['password', 'Optional', 'Access token']);

    type(url, 'https://gpu.example:8000 ');
    expect(controller.calls).toEqual([]); // not per keystroke
    setValue(url, url.value, 'change');
    type(token, 'tok');
    pressEnter(token);
    await flush(panel);
    expect(controller.calls).toEqual([['setServerUrl', 'https://gpu.example:8000'], ['setServerToken', 'tok']]);
    expect(token.value).toBe('');
    expect(url.value).toBe('https://gpu.example:8000 ');
  });
});

describe('sp-progressbar', () => {
  it('shows the run progress in a native progress element with its slotted label, and follows it', async () => {
    const controller = new FakeController({ phase: 'restoring', progress: { fraction: 0.3, label: 'Restoring face 1 of 2' } });
    const panel = await mounted(controller);
    const bar = query(panel, 'fr-run-progress sp-progressbar');
    const progress = inner<HTMLProgressElement>(bar, 'progress');
    expect([progress.max, progress.value, inner(bar, '.value').textContent]).toEqual([100, 30, '30%']);
    expect(slotted(bar, 'label')).toBe('Restoring face 1 of 2');

    controller.update({ progress: { fraction: 0.755, label: 'Restoring face 2 of 2' } });
    await flush(panel);
    expect([progress.value, slotted(bar, 'label')]).toEqual([76, 'Restoring face 2 of 2']);
  });
});

describe('text widgets', () => {
  it('sp-label, sp-body and sp-detail show their content through a slot', async () => {
    const panel = await mounted(new FakeController({ catalogModels: CATALOG_MODELS, status: { kind: 'error', text: 'No detector.' } }));
    expect(slotted(query(panel, 'sp-label'))).toBe('Run on');
    expect(slotted(query(panel, 'sp-body.fr-status'))).toBe('No detector.');
    expect(slotted(query(panel, 'sp-detail.fr-models-summary'))).toBe('1 installed');
  });
});
