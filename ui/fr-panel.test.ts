/** @jest-environment jsdom */
import { FakeController, RUN_ON, fire, mount, query, settle, unmountAll } from './panel-test-helpers';

afterEach(unmountAll);

describe('fr-panel dropdowns and options', () => {
  it('lists the models, marks the current one selected, and sets the model chosen by selectedIndex', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    const dropdown = query(panel, 'sp-dropdown.fr-model');
    const items = [...dropdown.querySelectorAll('sp-menu[slot="options"] sp-menu-item')];
    expect(items.map((item) => item.textContent?.trim())).toEqual(['GFPGAN 1.4', 'GFPGAN 1.3']);
    expect(items.map((item) => item.hasAttribute('selected'))).toEqual([true, false]);
    expect(dropdown.hasAttribute('disabled')).toBe(false);

    fire(dropdown, 'change', { selectedIndex: 1 });
    expect(controller.calls).toEqual([['setModel', 'gfpgan-1.3']]);
  });

  it('ignores a change with no valid selection', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    fire(query(panel, 'sp-dropdown.fr-model'), 'change', { selectedIndex: -1 });
    fire(query(panel, 'sp-dropdown.fr-model'), 'change', { selectedIndex: 7 });
    expect(controller.calls).toEqual([]);
  });

  it('disables the model dropdown when no model is installed, but Restore still answers (saying what is missing)', async () => {
    const controller = new FakeController({ models: [], modelId: undefined });
    const { panel } = await mount(controller);
    const dropdown = query(panel, 'sp-dropdown.fr-model');
    expect(dropdown.hasAttribute('disabled')).toBe(true);
    expect(dropdown.querySelectorAll('sp-menu-item')).toHaveLength(0);
    const restore = query(panel, 'sp-button.fr-restore');
    expect(restore.hasAttribute('disabled')).toBe(false);
    restore.click();
    expect(controller.calls).toEqual([['restore']]);
  });

  it('sets the detector from its dropdown and the centre-face option from its checkbox', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    fire(query(panel, 'sp-dropdown.fr-detector'), 'change', { selectedIndex: 1 });
    const centre = query(panel, 'sp-checkbox.fr-center-face');
    expect(centre.textContent).toContain('Only the centre face');
    expect(centre.hasAttribute('checked')).toBe(false);
    fire(centre, 'change', { checked: true });
    expect(controller.calls).toEqual([['setDetector', 'retinaface'], ['setOnlyCenterFace', true]]);

    controller.update({ isOnlyCenterFace: true });
    await settle(panel);
    expect(centre.hasAttribute('checked')).toBe(true);
  });
});

describe('fr-panel buttons', () => {
  it('calls findFaces and restore when idle and runnable', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    const find = query(panel, 'sp-button.fr-find-faces');
    const restore = query(panel, 'sp-button.fr-restore');
    expect(find.getAttribute('variant')).toBe('secondary');
    expect(restore.getAttribute('variant')).toBe('cta');
    expect(find.hasAttribute('disabled')).toBe(false);
    expect(restore.hasAttribute('disabled')).toBe(false);
    find.click();
    restore.click();
    expect(controller.calls).toEqual([['findFaces'], ['restore']]);
  });

  it.each(['detecting', 'restoring', 'cancelling', 'starting'] as const)(
    'disables both buttons and does not act while the phase is %s', async (phase) => {
      const controller = new FakeController({ phase, progress: { fraction: 0.2, label: 'Working' } });
      const { panel } = await mount(controller);
      for (const selector of ['sp-button.fr-find-faces', 'sp-button.fr-restore']) {
        const button = query(panel, selector);
        expect(button.hasAttribute('disabled')).toBe(true);
        button.click(); // jsdom fires clicks on disabled unknown elements; UXP would not
      }
      expect(controller.calls).toEqual([]);
    });

  it('disables both buttons when the host cannot run models, and re-enables them when it can', async () => {
    const controller = new FakeController({ canRun: false });
    const { panel } = await mount(controller);
    expect(query(panel, 'sp-button.fr-find-faces').hasAttribute('disabled')).toBe(true);
    expect(query(panel, 'sp-button.fr-restore').hasAttribute('disabled')).toBe(true);
    query(panel, 'sp-button.fr-restore').click();
    expect(controller.calls).toEqual([]);

    controller.update({ canRun: true });
    await settle(panel);
    expect(query(panel, 'sp-button.fr-find-faces').hasAttribute('disabled')).toBe(false);
    expect(query(panel, 'sp-button.fr-restore').hasAttribute('disabled')).toBe(false);
  });
});

describe('fr-panel strength slider', () => {
  it('shows the strength as 0..100 % and is disabled until a restore made layers', async () => {
    const controller = new FakeController({ strength: 0.8 });
    const { panel } = await mount(controller);
    const slider = query(panel, 'sp-slider.fr-strength');
    expect(slider.getAttribute('value')).toBe('80');
    expect(slider.getAttribute('min')).toBe('0');
    expect(slider.getAttribute('max')).toBe('100');
    expect(slider.getAttribute('value-label')).toBe('%');
    expect(slider.textContent).toContain('Face strength');
    expect(slider.hasAttribute('disabled')).toBe(true);
    fire(slider, 'input', { value: 40 });
    expect(controller.calls).toEqual([]);
  });

  it('sends value/100 with isFinal false on input and true on change', async () => {
    const controller = new FakeController({ canSetStrength: true });
    const { panel } = await mount(controller);
    const slider = query(panel, 'sp-slider.fr-strength');
    expect(slider.hasAttribute('disabled')).toBe(false);
    fire(slider, 'input', { value: 35 });
    fire(slider, 'change', { value: 60 });
    expect(controller.calls).toEqual([['setStrength', 0.35, false], ['setStrength', 0.6, true]]);
  });
});

describe('fr-panel progress and status', () => {
  it('shows the progress bar and Cancel only while progress is set', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    expect(panel.querySelector('sp-progressbar')).toBeNull();

    controller.update({ phase: 'restoring', progress: { fraction: 0.42, label: 'Restoring face 2 of 3' } });
    await settle(panel);
    const bar = query(panel, 'fr-run-progress sp-progressbar');
    expect(bar.getAttribute('max')).toBe('100');
    expect(bar.getAttribute('value')).toBe('42');
    expect(bar.textContent).toContain('Restoring face 2 of 3');
    const cancel = query(panel, 'fr-run-progress sp-button.fr-cancel');
    expect(cancel.hasAttribute('disabled')).toBe(false);
    cancel.click();
    expect(controller.calls).toEqual([['cancel']]);

    controller.update({ phase: 'idle', progress: undefined });
    await settle(panel);
    expect(panel.querySelector('fr-run-progress')).toBeNull();
  });

  it('shows "Cancelling…" and disables Cancel while cancelling', async () => {
    const controller = new FakeController({ phase: 'cancelling', progress: { fraction: 0.5, label: 'Restoring face 1 of 2' } });
    const { panel } = await mount(controller);
    expect(query(panel, 'fr-run-progress').textContent).toContain('Cancelling…');
    const cancel = query(panel, 'sp-button.fr-cancel');
    expect(cancel.hasAttribute('disabled')).toBe(true);
    cancel.click();
    expect(controller.calls).toEqual([]);
  });

  it('shows the status text with a class for its kind, and follows controller updates', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    const status = () => query(panel, 'sp-body.fr-status');
    expect(status().textContent).toBe('Ready.');
    expect(status().getAttribute('size')).toBe('S');
    expect(status().classList.contains('fr-status-info')).toBe(true);

    const refusal = 'This document is in CMYK mode. Convert it to RGB (Image > Mode > RGB Color) and try again.';
    controller.update({ status: { kind: 'error', text: refusal } });
    await settle(panel);
    expect(status().textContent).toBe(refusal);
    expect(status().classList.contains('fr-status-error')).toBe(true);
    expect(status().classList.contains('fr-status-info')).toBe(false);

    controller.update({ status: { kind: 'success', text: 'Restored 2 faces.' } });
    await settle(panel);
    expect(status().classList.contains('fr-status-success')).toBe(true);
  });
});

describe('fr-panel "Run on" section', () => {
  it('comes first, before the Restore model field, and sets the target chosen', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    const runOn = query(panel, '.fr-panel > fr-run-on');
    expect(query(panel, '.fr-panel').firstElementChild).toBe(runOn);
    expect(runOn.compareDocumentPosition(query(panel, 'sp-dropdown.fr-model')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    fire(query(runOn, 'sp-dropdown.fr-run-on-target'), 'change', { selectedIndex: 2 });
    expect(controller.calls).toEqual([['setRunTarget', 'server']]);
  });

  it('forwards the server URL, token, Forget token, fallback and Test connection to the controller', async () => {
    const controller = new FakeController({ runOn: { ...RUN_ON, targetId: 'server', hasToken: true } });
    const { panel } = await mount(controller);
    fire(query(panel, 'sp-textfield.fr-run-on-url'), 'change', { value: ' https://gpu.example:8000 ' });
    fire(query(panel, 'sp-textfield.fr-run-on-token'), 'change', { value: 'tok' });
    query(panel, 'sp-action-button.fr-run-on-forget').click();
    fire(query(panel, 'sp-checkbox.fr-run-on-fallback'), 'change', { checked: true });
    query(panel, 'sp-button.fr-run-on-test').click();
    expect(controller.calls).toEqual([
      ['setServerUrl', 'https://gpu.example:8000'], ['setServerToken', 'tok'], ['setServerToken', ''],
      ['setFallbackAllowed', true], ['testConnection'],
    ]);

    controller.update({ runOn: { ...controller.state.runOn, connection: { kind: 'ok', text: 'Connected · 42 ms' } } });
    await settle(panel);
    expect(query(panel, 'fr-run-on .fr-connection.fr-connection-ok').textContent).toBe('Connected · 42 ms');
  });

  it.each(['restoring', 'confirming', 'starting'] as const)('is disabled while the phase is %s', async (phase) => {
    const controller = new FakeController({ phase, runOn: { ...RUN_ON, targetId: 'local' } });
    const { panel } = await mount(controller);
    for (const selector of ['sp-dropdown.fr-run-on-target', 'sp-checkbox.fr-run-on-fallback', 'sp-button.fr-run-on-test']) {
      expect(query(panel, selector).hasAttribute('disabled')).toBe(true);
    }
    fire(query(panel, 'sp-dropdown.fr-run-on-target'), 'change', { selectedIndex: 0 });
    query(panel, 'sp-button.fr-run-on-test').click();
    expect(controller.calls).toEqual([]);
  });
});
