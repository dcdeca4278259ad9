/** @jest-environment jsdom */
import type { PanelModel } from './panel-controller';
import { CATALOG_MODELS, FakeController, mount, query, settle, unmountAll } from './panel-test-helpers';

afterEach(unmountAll);

const rowOf = (panel: Element, id: string): HTMLElement => query(panel as HTMLElement, `fr-models .fr-model-row[data-model="${id}"]`);
const buttons = (row: Element): string[] => [...row.querySelectorAll('sp-button')].map((b) => b.textContent?.trim() ?? '');
const text = (el: Element | null): string => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** Everything needed is installed: the section starts closed. */
const ALL_INSTALLED: readonly PanelModel[] = [
  { id: 'gfpgan-1.4', role: 'restorer', name: 'GFPGAN v1.4', sizeLabel: '324.5 MB', state: 'installed', detail: 'Checksum verified · github.com', isDownloading: false, canRemove: true },
  { id: 'yunet-2023mar', role: 'detector', name: 'YuNet 2023mar', sizeLabel: '227.1 KB', state: 'installed', detail: 'Checksum verified · github.com', isDownloading: false, canRemove: true },
  { id: 'realesr-general-x4v3', role: 'upsampler', name: 'Real-ESRGAN general x4 v3', sizeLabel: '', state: 'pth-only', detail: 'Published only as a PyTorch checkpoint', isDownloading: false, canRemove: true },
];

describe('fr-models', () => {
  it('sits below the status line, open while a detector is missing, rows grouped by role with size and state', async () => {
    const { panel } = await mount(new FakeController({ catalogModels: CATALOG_MODELS }));
    const models = query(panel, 'fr-models');
    expect(query(panel, '.fr-status').compareDocumentPosition(models) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(text(models.querySelector('.fr-models-toggle'))).toBe('▾ Models');
    expect(models.querySelector('.fr-models-toggle')?.getAttribute('aria-expanded')).toBe('true');
    expect(text(models.querySelector('.fr-models-summary'))).toBe('1 installed');
    const groups = [...models.querySelectorAll('.fr-models-group')];
    expect(groups.map((g) => [g.getAttribute('data-role'), text(g.querySelector('.fr-models-role'))])).toEqual([
      ['restorer', 'Restore models'], ['detector', 'Face detectors'],
    ]);
    expect([...groups[0].querySelectorAll('.fr-model-row')].map((r) => r.getAttribute('data-model'))).toEqual(['gfpgan-1.4', 'gfpgan-1.3', 'codeformer', 'gfpgan-1.2']);
    const installed = rowOf(panel, 'gfpgan-1.4');
    expect(text(installed.querySelector('.fr-model-name'))).toBe('GFPGAN v1.4');
    expect(text(installed.querySelector('.fr-model-size'))).toBe('324.5 MB');
    expect(text(installed.querySelector('.fr-model-detail'))).toBe('Installed · Checksum verified · github.com · Apache-2.0');
    expect(text(rowOf(panel, 'codeformer').querySelector('.fr-model-detail'))).toBe('Not installed · Published only as a PyTorch checkpoint: import an ONNX export of it');
    expect(text(rowOf(panel, 'yunet-2023mar').querySelector('.fr-model-detail'))).toBe('Partly downloaded · 100 KB downloaded; Download resumes it');
  });

  it('offers Download, Resume and Remove by state, and forwards each with the model id', async () => {
    const controller = new FakeController({ catalogModels: CATALOG_MODELS });
    const { panel } = await mount(controller);
    expect(buttons(rowOf(panel, 'gfpgan-1.4'))).toEqual(['Remove']);
    expect(buttons(rowOf(panel, 'gfpgan-1.2'))).toEqual(['Download']);
    expect(buttons(rowOf(panel, 'yunet-2023mar'))).toEqual(['Resume', 'Remove']);
    expect(buttons(rowOf(panel, 'codeformer'))).toEqual([]);
    query(rowOf(panel, 'gfpgan-1.2'), 'sp-button.fr-model-download').click();
    query(rowOf(panel, 'yunet-2023mar'), 'sp-button.fr-model-download').click();
    query(rowOf(panel, 'gfpgan-1.4'), 'sp-button.fr-model-remove').click();
    expect(controller.calls).toEqual([['downloadModel', 'gfpgan-1.2'], ['downloadModel', 'yunet-2023mar'], ['removeModel', 'gfpgan-1.4']]);
  });

  it('shows a running download as a progress bar with its label and a Cancel that cancels that download', async () => {
    const controller = new FakeController({ catalogModels: CATALOG_MODELS });
    const { panel } = await mount(controller);
    const row = rowOf(panel, 'gfpgan-1.3');
    expect(text(row.querySelector('.fr-model-detail'))).toBe('Downloading · From github.com · Apache-2.0');
    const bar = query(row, 'sp-progressbar');
    expect(bar.getAttribute('value')).toBe('25');
    expect(text(bar.querySelector('sp-label'))).toBe('81.1 of 324.5 MB · 4.1 MB/s · 1 min left');
    expect(buttons(row)).toEqual(['Cancel']);
    query(row, 'sp-button.fr-model-cancel').click();
    expect(controller.calls).toEqual([['cancelDownload', 'gfpgan-1.3']]);
  });

  it('hides Download and Resume where the host cannot download', async () => {
    const { panel } = await mount(new FakeController({ catalogModels: CATALOG_MODELS, canDownload: false }));
    expect(buttons(rowOf(panel, 'gfpgan-1.2'))).toEqual([]);
    expect(buttons(rowOf(panel, 'yunet-2023mar'))).toEqual(['Remove']);
  });

  it('imports once per click, and not while an import runs', async () => {
    const controller = new FakeController({ catalogModels: CATALOG_MODELS });
    let finish!: () => void;
    controller.importModel = async () => {
      controller.calls.push(['importModel']);
      await new Promise<void>((resolve) => { finish = resolve; });
    };
    const { panel } = await mount(controller);
    const button = query(panel, 'fr-models sp-button.fr-models-import');
    expect(text(button)).toBe('Import .onnx…');
    button.click();
    button.click(); // a repeated click while the picker is up (PS-57264) does nothing
    expect(controller.calls).toEqual([['importModel']]);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    button.click();
    expect(controller.calls).toEqual([['importModel'], ['importModel']]);
    finish();

    controller.update({ isImporting: true });
    await settle(panel);
    expect(button.hasAttribute('disabled')).toBe(true);
    button.click();
    expect(controller.calls).toHaveLength(2);
  });

  it('disables Remove while a restore runs', async () => {
    const controller = new FakeController({ catalogModels: CATALOG_MODELS, phase: 'restoring', progress: { fraction: 0.5, label: 'Restoring' } });
    const { panel } = await mount(controller);
    const remove = query(rowOf(panel, 'gfpgan-1.4'), 'sp-button.fr-model-remove');
    expect(remove.hasAttribute('disabled')).toBe(true);
    remove.click();
    query(rowOf(panel, 'gfpgan-1.2'), 'sp-button.fr-model-download').click(); // downloads run beside a restore
    expect(controller.calls).toEqual([['downloadModel', 'gfpgan-1.2']]);
  });

  it('starts closed when everything needed is installed, and the header opens and closes it', async () => {
    const { panel } = await mount(new FakeController({ catalogModels: ALL_INSTALLED }));
    const toggle = query(panel, 'fr-models .fr-models-toggle');
    expect(text(toggle)).toBe('▸ Models');
    expect(panel.querySelector('fr-models .fr-model-row')).toBeNull();
    expect(panel.querySelector('fr-models .fr-models-import')).toBeNull();
    toggle.click();
    await settle(panel);
    expect(text(toggle)).toBe('▾ Models');
    expect(panel.querySelectorAll('fr-models .fr-model-row')).toHaveLength(3);
    expect(text(panel.querySelector('fr-models .fr-models-group[data-role="upsampler"] .fr-models-role'))).toBe('Upscalers');
    toggle.click();
    await settle(panel);
    expect(panel.querySelector('fr-models .fr-model-row')).toBeNull();
  });
});
