/** @jest-environment jsdom */
import type { FrCompare } from './fr-compare';
import { PRIVACY_NOTE } from './fr-web-app';
import { RUN_ON, fire, query } from './panel-test-helpers';
import type { WebFaceBox } from './web-controller';
import { mountWebApp } from './web-index';
import {
  FakeWebController, dragEvent, mountWeb, pixels, settleWeb, stubCanvas, unmountAllWeb,
} from './web-test-helpers';

beforeEach(() => stubCanvas({ hasContext: false }));
afterEach(() => {
  unmountAllWeb();
  jest.restoreAllMocks();
});

const IMAGE = { name: 'photo.jpg', pixels: pixels(400, 200) };
const BOXES: readonly WebFaceBox[] = [
  { number: 1, x: 40, y: 20, width: 100, height: 120, isSelected: true },
  { number: 2, x: 300, y: 50, width: 60, height: 80, isSelected: false },
];
const RESULT = { name: 'photo-restored.png', pixels: pixels(800, 400) };
const FACE_FILES = [
  { number: 1, layerName: 'photo-face-1.png', maskName: 'photo-face-1-mask.png' },
  { number: 3, layerName: 'photo-face-3.png', maskName: 'photo-face-3-mask.png' },
];

function file(name = 'photo.jpg', type = 'image/jpeg'): File {
  return new File([new Uint8Array([1, 2, 3])], name, { type });
}

describe('fr-web-app layout', () => {
  it('shows the product name, the privacy note (running in this browser), the runtime note and, before any image, the empty state', async () => {
    const { app } = await mountWeb(new FakeWebController());
    expect(query(app, '.fr-web-title').textContent).toBe('FaceRestore');
    expect(query(app, '.fr-web-privacy').textContent)
      .toBe('Everything runs in this browser: your photos and models never leave this computer.');
    expect(query(app, '.fr-web-runtime').textContent).toBe('Runs on 4 threads in this browser.');
    const zone = query(app, '.fr-drop-zone');
    expect(zone.classList.contains('fr-drop-empty')).toBe(true);
    expect(zone.textContent?.trim()).toBe('Drop a photo here, or Open image…');
    expect(app.querySelector('fr-compare')).toBeNull();
    expect(app.querySelector('.fr-web-save')).toBeNull();
    expect(query(app, 'button.fr-open-button').textContent?.trim()).toBe('Open image…');
    expect((query(app, 'button.fr-open-button') as HTMLButtonElement).disabled).toBe(false);
  });

  it('says what leaves the browser when the models run on a local accelerator or a server, and follows "Run on"', async () => {
    const controller = new FakeWebController({}, { runOn: { ...RUN_ON, targetId: 'server', url: 'https://gpu.example:8000' } });
    const { app } = await mountWeb(controller);
    const note = (): string | null => query(app, '.fr-web-privacy').textContent;
    expect(note()).toBe('The photo file is not uploaded, but what the models see is sent to https://gpu.example:8000 and back: '
      + 'a reduced copy to find the faces, the faces and, when upscaling, the whole picture in tiles.');
    expect(query(app, '.fr-web-privacy').classList.contains('fr-web-privacy-remote')).toBe(true);
    expect(note()).not.toContain('never leave');

    controller.update({ runOn: { ...RUN_ON, targetId: 'local', url: 'http://127.0.0.1:8765' } });
    await settleWeb(app);
    expect(note()).toContain('is sent to http://127.0.0.1:8765 and back');
    controller.update({ runOn: { ...RUN_ON, targetId: 'server', url: '' } });
    await settleWeb(app);
    expect(note()).toContain('is sent to the chosen server and back');
    controller.update({ runOn: RUN_ON });
    await settleWeb(app);
    expect(note()).toBe(PRIVACY_NOTE);
    expect(query(app, '.fr-web-privacy').classList.contains('fr-web-privacy-remote')).toBe(false);
  });

  it('includes the panel, bound to the same controller', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    const panel = query(app, '.fr-web-side fr-panel');
    query(panel, 'sp-button.fr-restore').click();
    expect(controller.calls).toEqual([['restore']]);
  });

  it('shows "Run on" at the top of the side panel, wired to the same controller', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    const runOn = query(app, '.fr-web-side fr-panel .fr-panel > fr-run-on:first-child');
    expect(app.querySelectorAll('fr-run-on')).toHaveLength(1);
    fire(query(runOn, 'sp-dropdown.fr-run-on-target'), 'change', { selectedIndex: 1 });
    controller.update({ runOn: { ...controller.state.runOn, targetId: 'local', url: 'http://127.0.0.1:8765' } });
    await settleWeb(app);
    expect(query(runOn, '.fr-run-on-detail').textContent).toContain('http://127.0.0.1:8765');
    query(runOn, 'sp-button.fr-run-on-test').click();
    expect(controller.calls).toEqual([['setRunTarget', 'local'], ['testConnection']]);
  });

  it('follows the runtime note and shows the picture and its name once opened', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    controller.updateWeb({ image: IMAGE, runtime: { threads: 1, isCrossOriginIsolated: false, note: 'Runs on 1 thread.' } });
    await settleWeb(app);
    expect(query(app, '.fr-web-runtime').textContent).toBe('Runs on 1 thread.');
    expect(query(app, '.fr-web-file-name').textContent).toBe('photo.jpg');
    expect(query(app, '.fr-drop-zone').classList.contains('fr-drop-empty')).toBe(false);
    expect(app.querySelector('.fr-drop-message')).toBeNull();
    expect((query(app, 'fr-compare') as FrCompare).beforePixels).toBe(IMAGE.pixels);
  });
});

describe('fr-web-app opening a file', () => {
  it('clicks the hidden input, hands the chosen file to openImage and clears the input for the next choice', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    const input = query(app, 'input.fr-open-input') as HTMLInputElement;
    expect(input.type).toBe('file');
    expect(input.accept).toBe('image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp');
    const click = jest.spyOn(input, 'click').mockImplementation(() => undefined);
    query(app, 'button.fr-open-button').click();
    expect(click).toHaveBeenCalledTimes(1);

    const chosen = file();
    Object.defineProperty(input, 'files', { value: [chosen], configurable: true });
    const setValue = jest.spyOn(input, 'value', 'set');
    input.dispatchEvent(new Event('change', { bubbles: true }));
    expect(controller.calls).toEqual([['openImage', chosen]]);
    expect(setValue).toHaveBeenCalledWith('');
  });

  it('ignores a change with no file', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    const input = query(app, 'input.fr-open-input');
    Object.defineProperty(input, 'files', { value: [], configurable: true });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    expect(controller.calls).toEqual([]);
  });

  it('highlights the drop zone while files are dragged over it and opens the first dropped file', async () => {
    const controller = new FakeWebController({ image: IMAGE });
    const { app } = await mountWeb(controller);
    const zone = query(app, '.fr-drop-zone');
    const first = file('a.png', 'image/png');
    const enter = dragEvent('dragenter', [first]);
    zone.dispatchEvent(enter);
    const over = dragEvent('dragover', [first]);
    query(app, 'fr-compare').dispatchEvent(over); // over a child: still the zone's
    expect(over.defaultPrevented).toBe(true);
    expect((over as DragEvent).dataTransfer?.dropEffect).toBe('copy');
    await settleWeb(app);
    expect(zone.classList.contains('fr-drop-over')).toBe(true);

    const drop = dragEvent('drop', [first, file('b.webp', 'image/webp')]);
    query(app, 'fr-compare').dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    expect(controller.calls).toEqual([['openImage', first]]);
    await settleWeb(app);
    expect(zone.classList.contains('fr-drop-over')).toBe(false);
  });

  it('drops the highlight when the drag leaves the zone, counting the children it crossed', async () => {
    const { app } = await mountWeb(new FakeWebController({ image: IMAGE }));
    const zone = query(app, '.fr-drop-zone');
    const inner = query(app, 'fr-compare');
    zone.dispatchEvent(dragEvent('dragenter', []));
    inner.dispatchEvent(dragEvent('dragenter', []));
    inner.dispatchEvent(dragEvent('dragleave', []));
    await settleWeb(app);
    expect(zone.classList.contains('fr-drop-over')).toBe(true);
    zone.dispatchEvent(dragEvent('dragleave', []));
    await settleWeb(app);
    expect(zone.classList.contains('fr-drop-over')).toBe(false);
  });

  it('leaves a drag without files (text, a link) alone', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    const zone = query(app, '.fr-drop-zone');
    zone.dispatchEvent(dragEvent('dragenter', [], ['text/plain']));
    await settleWeb(app);
    expect(zone.classList.contains('fr-drop-over')).toBe(false);
    zone.dispatchEvent(dragEvent('drop', [], ['text/plain']));
    expect(controller.calls).toEqual([]);
  });

  it('refuses a file dropped beside the drop zone, so the browser does not leave the page for it', async () => {
    const controller = new FakeWebController();
    const { app } = await mountWeb(controller);
    const over = dragEvent('dragover', [file()]);
    query(app, 'fr-panel').dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true);
    expect((over as DragEvent).dataTransfer?.dropEffect).toBe('none');
    const drop = dragEvent('drop', [file()]);
    query(app, '.fr-web-header').dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    expect(controller.calls).toEqual([]);
  });

  it('says "Opening…" and takes no file while one is being opened', async () => {
    const controller = new FakeWebController({ isOpening: true });
    const { app } = await mountWeb(controller);
    const button = query(app, 'button.fr-open-button') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.textContent?.trim()).toBe('Opening…');
    expect(query(app, '.fr-drop-message').textContent).toBe('Opening…');
    query(app, '.fr-drop-zone').dispatchEvent(dragEvent('drop', [file()]));
    const input = query(app, 'input.fr-open-input');
    Object.defineProperty(input, 'files', { value: [file()], configurable: true });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    expect(controller.calls).toEqual([]);
  });

  it.each(['confirming', 'detecting', 'restoring', 'cancelling'] as const)(
    'disables opening while the phase is %s, and shows the drag as refused', async (phase) => {
      const controller = new FakeWebController({ image: IMAGE }, { phase });
      const { app } = await mountWeb(controller);
      expect((query(app, 'button.fr-open-button') as HTMLButtonElement).disabled).toBe(true);
      const zone = query(app, '.fr-drop-zone');
      const over = dragEvent('dragover', [file()]);
      zone.dispatchEvent(over);
      expect((over as DragEvent).dataTransfer?.dropEffect).toBe('none');
      await settleWeb(app);
      expect(zone.classList.contains('fr-drop-over')).toBe(false);
      zone.dispatchEvent(dragEvent('drop', [file()]));
      expect(controller.calls).toEqual([]);

      controller.update({ phase: 'idle' });
      await settleWeb(app);
      expect((query(app, 'button.fr-open-button') as HTMLButtonElement).disabled).toBe(false);
    });
});

describe('fr-web-app face boxes', () => {
  it('draws one numbered box per face, placed in percent of the picture, unselected ones marked off', async () => {
    const { app } = await mountWeb(new FakeWebController({ image: IMAGE, boxes: BOXES }));
    const boxes = [...app.querySelectorAll<HTMLElement>('fr-compare .fr-face-box')];
    expect(boxes.map((box) => box.dataset.face)).toEqual(['1', '2']);
    expect(boxes.map((box) => box.textContent?.trim())).toEqual(['1', '2']);
    expect([boxes[0]!.style.left, boxes[0]!.style.top, boxes[0]!.style.width, boxes[0]!.style.height])
      .toEqual(['10%', '10%', '25%', '60%']);
    expect([boxes[1]!.style.left, boxes[1]!.style.top, boxes[1]!.style.width, boxes[1]!.style.height])
      .toEqual(['75%', '25%', '15%', '40%']);
    expect(boxes.map((box) => box.classList.contains('fr-face-box-off'))).toEqual([false, true]);
    expect(boxes.map((box) => box.getAttribute('aria-pressed'))).toEqual(['true', 'false']);
  });

  it('toggles a face when its box is clicked, and follows the new selection', async () => {
    const controller = new FakeWebController({ image: IMAGE, boxes: BOXES });
    const { app } = await mountWeb(controller);
    query(app, '.fr-face-box[data-face="1"]').click();
    query(app, '.fr-face-box[data-face="2"]').click();
    expect(controller.calls).toEqual([['setFaceSelected', 1, false], ['setFaceSelected', 2, true]]);

    controller.updateWeb({ boxes: BOXES.map((box) => ({ ...box, isSelected: !box.isSelected })) });
    await settleWeb(app);
    expect(query(app, '.fr-face-box[data-face="1"]').classList.contains('fr-face-box-off')).toBe(true);
    expect(query(app, '.fr-face-box[data-face="2"]').classList.contains('fr-face-box-off')).toBe(false);
  });

  it('ignores box clicks while a run is going', async () => {
    const controller = new FakeWebController({ image: IMAGE, boxes: BOXES }, { phase: 'restoring' });
    const { app } = await mountWeb(controller);
    const box = query(app, '.fr-face-box[data-face="1"]') as HTMLButtonElement;
    expect(box.disabled).toBe(true);
    box.dispatchEvent(new MouseEvent('click', { bubbles: true })); // reaches the listener even when disabled
    expect(controller.calls).toEqual([]);
  });
});

describe('fr-web-app Save section', () => {
  it('appears only with a result', async () => {
    const controller = new FakeWebController({ image: IMAGE, faceFiles: FACE_FILES });
    const { app } = await mountWeb(controller);
    expect(app.querySelector('.fr-web-save')).toBeNull();
    controller.updateWeb({ result: RESULT });
    await settleWeb(app);
    expect(query(app, '.fr-web-save').textContent).toContain('Save');
    controller.updateWeb({ result: undefined });
    await settleWeb(app);
    expect(app.querySelector('.fr-web-save')).toBeNull();
  });

  it('saves the result, and each restored face\'s layer and mask by its number', async () => {
    const controller = new FakeWebController({ image: IMAGE, result: RESULT, faceFiles: FACE_FILES });
    const { app } = await mountWeb(controller);
    const save = query(app, 'button.fr-save-result');
    expect(save.textContent?.trim()).toBe('Save result (PNG)');
    const layers = [...app.querySelectorAll<HTMLElement>('button.fr-save-face-layer')];
    const masks = [...app.querySelectorAll<HTMLElement>('button.fr-save-face-mask')];
    expect(layers.map((button) => button.textContent?.trim())).toEqual(['Face 1 layer', 'Face 3 layer']);
    expect(masks.map((button) => button.textContent?.trim())).toEqual(['Face 1 mask', 'Face 3 mask']);
    expect(layers.map((button) => button.title)).toEqual(['photo-face-1.png', 'photo-face-3.png']);

    save.click();
    layers[1]!.click();
    masks[0]!.click();
    expect(controller.calls).toEqual([['saveResult'], ['saveFace', 3, 'layer'], ['saveFace', 1, 'mask']]);
  });

  it('waits while a save is being encoded: buttons disabled, clicks ignored, back when it is done', async () => {
    const controller = new FakeWebController({ image: IMAGE, result: RESULT, faceFiles: FACE_FILES, isSaving: true });
    const { app } = await mountWeb(controller);
    const buttons = [...app.querySelectorAll<HTMLButtonElement>('.fr-web-save button')];
    expect(buttons.map((b) => b.disabled)).toEqual([true, true, true, true, true]);
    // A disabled button swallows clicks in browsers; call the handlers the way a queued event would.
    for (const b of buttons) b.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(controller.calls).toEqual([]);
    controller.updateWeb({ isSaving: false });
    await settleWeb(app);
    expect(buttons.map((b) => b.disabled)).toEqual([false, false, false, false, false]);
    buttons[0]!.click();
    expect(controller.calls).toEqual([['saveResult']]);
  });
});

describe('mountWebApp', () => {
  it('injects each stylesheet once, and unmount removes the page and unsubscribes it and its panel', async () => {
    const controller = new FakeWebController();
    const { root, unmount } = await mountWeb(controller);
    const second = new FakeWebController();
    const unmountSecond = mountWebApp(root, second);
    expect(document.querySelectorAll('style#fr-panel-styles')).toHaveLength(1);
    expect(document.querySelectorAll('style#fr-web-styles')).toHaveLength(1);
    expect(document.getElementById('fr-web-styles')?.textContent).toContain('.fr-compare-divider');
    expect(document.getElementById('fr-panel-styles')?.textContent).toContain('.fr-status');
    expect(root.querySelectorAll('fr-web-app')).toHaveLength(2);
    expect(controller.listeners.size).toBe(2); // the page and its panel

    unmountSecond();
    expect(second.listeners.size).toBe(0);
    unmount();
    expect(root.querySelector('fr-web-app')).toBeNull();
    expect(controller.listeners.size).toBe(0);
    unmount(); // a second call is harmless
  });
});
