/** @jest-environment jsdom */
import { FakeController, UPSCALERS, fire, mount, query, settle, unmountAll } from './panel-test-helpers';

afterEach(unmountAll);

const labels = (dropdown: Element): (string | undefined)[] =>
  [...dropdown.querySelectorAll('sp-menu[slot="options"] sp-menu-item')].map((item) => item.textContent?.trim());

const selected = (dropdown: Element): boolean[] =>
  [...dropdown.querySelectorAll('sp-menu-item')].map((item) => item.hasAttribute('selected'));

describe('fr-panel upscale dropdowns', () => {
  it('lists ×1 / ×2 / ×4 after the centre-face option, ×1 selected, and sets the scale chosen', async () => {
    const controller = new FakeController();
    const { panel } = await mount(controller);
    const scale = query(panel, 'fr-upscale sp-dropdown.fr-upscale-scale');
    expect(labels(scale)).toEqual(['×1 · faces only', '×2', '×4']);
    expect(selected(scale)).toEqual([true, false, false]);
    expect(scale.hasAttribute('disabled')).toBe(false);
    expect(query(panel, 'fr-upscale').textContent).toContain('Upscale');
    const centre = query(panel, 'sp-checkbox.fr-center-face');
    expect(centre.compareDocumentPosition(scale) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(scale.compareDocumentPosition(query(panel, 'sp-button.fr-restore')) & Node.DOCUMENT_POSITION_FOLLOWING)
      .toBeTruthy();

    fire(scale, 'change', { selectedIndex: 2 });
    fire(scale, 'change', { selectedIndex: -1 });
    fire(scale, 'change', { selectedIndex: 3 });
    expect(controller.calls).toEqual([['setUpscale', '4']]);
  });

  it('hides the upscaler dropdown at ×1 and shows it at ×2, forwarding the chosen upscaler', async () => {
    const controller = new FakeController({ upscalers: UPSCALERS, upscalerId: 'realesrgan-x4plus' });
    const { panel } = await mount(controller);
    expect(panel.querySelector('sp-dropdown.fr-upscaler')).toBeNull();
    expect(query(panel, 'fr-upscale').textContent).not.toContain('Upscaler');

    controller.update({ upscaleId: '2' });
    await settle(panel);
    expect(selected(query(panel, 'sp-dropdown.fr-upscale-scale'))).toEqual([false, true, false]);
    const upscaler = query(panel, 'fr-upscale sp-dropdown.fr-upscaler');
    expect(query(panel, 'fr-upscale').textContent).toContain('Upscaler');
    expect(labels(upscaler)).toEqual(['Real-ESRGAN x4plus', 'Real-ESRGAN general x4v3']);
    expect(selected(upscaler)).toEqual([true, false]);
    expect(upscaler.hasAttribute('disabled')).toBe(false);
    fire(upscaler, 'change', { selectedIndex: 1 });
    expect(controller.calls).toEqual([['setUpscaler', 'realesr-general-x4v3']]);

    controller.update({ upscaleId: '1' });
    await settle(panel);
    expect(panel.querySelector('sp-dropdown.fr-upscaler')).toBeNull();
  });

  it('shows a disabled "No upscaler installed" dropdown at ×4 when none is installed', async () => {
    const { panel } = await mount(new FakeController({ upscaleId: '4' }));
    const upscaler = query(panel, 'sp-dropdown.fr-upscaler');
    expect(upscaler.getAttribute('placeholder')).toBe('No upscaler installed');
    expect(upscaler.querySelectorAll('sp-menu-item')).toHaveLength(0);
    expect(upscaler.hasAttribute('disabled')).toBe(true);
  });

  it.each(['restoring', 'confirming', 'starting'] as const)(
    'disables both dropdowns and forwards nothing while the phase is %s', async (phase) => {
      const controller = new FakeController({ phase, upscaleId: '2', upscalers: UPSCALERS, upscalerId: 'realesrgan-x4plus' });
      const { panel } = await mount(controller);
      for (const selector of ['sp-dropdown.fr-upscale-scale', 'sp-dropdown.fr-upscaler']) {
        const dropdown = query(panel, selector);
        expect(dropdown.hasAttribute('disabled')).toBe(true);
        fire(dropdown, 'change', { selectedIndex: 0 }); // jsdom fires on disabled unknown elements; UXP would not
      }
      expect(controller.calls).toEqual([]);
    });
});

describe('fr-panel confirmation', () => {
  const CONFIRMING = {
    phase: 'confirming',
    upscaleId: '2',
    upscalers: UPSCALERS,
    upscalerId: 'realesrgan-x4plus',
    confirmation: { text: 'Upscaling 12.0 MP to ×2 takes about 9 min on this computer.', seconds: 540 },
  } as const;

  it('shows nothing to confirm while idle', async () => {
    const { panel } = await mount(new FakeController());
    expect(panel.querySelector('.fr-confirm')).toBeNull();
  });

  it('shows the text, "Restore anyway" calls confirmRestore and "Not now" calls cancel', async () => {
    const controller = new FakeController(CONFIRMING);
    const { panel } = await mount(controller);
    expect(query(panel, '.fr-confirm .fr-confirm-text').textContent)
      .toBe('Upscaling 12.0 MP to ×2 takes about 9 min on this computer.');
    const go = query(panel, '.fr-confirm sp-button.fr-confirm-restore');
    const decline = query(panel, '.fr-confirm sp-button.fr-confirm-decline');
    expect(go.textContent).toBe('Restore anyway');
    expect(go.getAttribute('variant')).toBe('cta');
    expect(decline.textContent).toBe('Not now');
    expect(decline.getAttribute('variant')).toBe('secondary');
    go.click();
    decline.click();
    expect(controller.calls).toEqual([['confirmRestore'], ['cancel']]);

    controller.update({ phase: 'restoring', confirmation: undefined, progress: { fraction: 0, label: 'Upscaling' } });
    await settle(panel);
    expect(panel.querySelector('.fr-confirm')).toBeNull();
  });

  it('disables Find faces and Restore while confirming', async () => {
    const controller = new FakeController(CONFIRMING);
    const { panel } = await mount(controller);
    for (const selector of ['sp-button.fr-find-faces', 'sp-button.fr-restore']) {
      const button = query(panel, selector);
      expect(button.hasAttribute('disabled')).toBe(true);
      button.click();
    }
    expect(controller.calls).toEqual([]);
  });
});
