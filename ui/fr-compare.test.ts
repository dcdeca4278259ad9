/** @jest-environment jsdom */
import type { FrCompare } from './fr-compare';
import type { FrWebApp } from './fr-web-app';
import { query } from './panel-test-helpers';
import {
  FakeWebController, mountWeb, pixels, pointerEvent, settleWeb, stubCanvas, stubRect, unmountAllWeb,
} from './web-test-helpers';

afterEach(() => {
  unmountAllWeb();
  jest.restoreAllMocks();
});

const IMAGE = { name: 'photo.jpg', pixels: pixels(40, 20) };
const BOX = { number: 1, x: 4, y: 2, width: 10, height: 12, isSelected: true };

function result(scale = 2): { name: string; pixels: ReturnType<typeof pixels> } {
  return { name: 'photo-restored.png', pixels: pixels(40 * scale, 20 * scale) };
}

async function mountCompare(controller: FakeWebController): Promise<{ app: FrWebApp; compare: FrCompare }> {
  const { app } = await mountWeb(controller);
  return { app, compare: query(app, 'fr-compare') as FrCompare };
}

function divider(compare: FrCompare): HTMLElement {
  return query(compare, '.fr-compare-divider');
}

function key(element: HTMLElement, name: string, shiftKey = false): KeyboardEvent {
  const evt = new KeyboardEvent('keydown', { key: name, shiftKey, bubbles: true, cancelable: true });
  element.dispatchEvent(evt);
  return evt;
}

describe('fr-compare drawing', () => {
  it('draws the picture on a canvas its own size, and the result on one the output size, both scaled to the stage', async () => {
    const canvas = stubCanvas();
    const { compare } = await mountCompare(new FakeWebController({ image: IMAGE, result: result(4) }));
    const before = query(compare, 'canvas.fr-compare-before') as HTMLCanvasElement;
    const after = query(compare, 'canvas.fr-compare-after') as HTMLCanvasElement;
    expect([before.width, before.height]).toEqual([40, 20]);
    expect([after.width, after.height]).toEqual([160, 80]);
    expect(canvas.draws.map((draw) => draw.canvas)).toEqual([before, after]);
    expect(canvas.draws.map((draw) => [draw.image.width, draw.image.height])).toEqual([[40, 20], [160, 80]]);
    expect(canvas.draws[1]!.image.data[0]).toBe(128); // the pixels themselves, not a blank image
    // The stage fits the column and the window, never wider than the picture: the canvases follow it.
    expect(query(compare, '.fr-compare').getAttribute('style')).toContain('min(100%, 40px, 160vh)');
  });

  it('draws the result again only when its pixels change, not on every render', async () => {
    const canvas = stubCanvas();
    const first = result();
    const controller = new FakeWebController({ image: IMAGE, result: first, boxes: [BOX] });
    const { app, compare } = await mountCompare(controller);
    const after = () => canvas.draws.filter((draw) => draw.canvas.classList.contains('fr-compare-after'));
    expect(after()).toHaveLength(1);
    expect(canvas.conversions).toHaveLength(2); // jsdom copies: once per picture

    // Other changes, and a new `result` object around the same pixels: nothing to redraw.
    controller.updateWeb({ result: { ...first }, boxes: [{ ...BOX, isSelected: false }] }, { status: { kind: 'info', text: 'Done.' } });
    await settleWeb(app);
    key(divider(compare), 'ArrowLeft');
    await settleWeb(app);
    expect(after()).toHaveLength(1);
    expect(canvas.conversions).toHaveLength(2);

    // The strength slider moved: new pixels, one new drawing, and the original is not drawn again.
    const second = result();
    controller.updateWeb({ result: second });
    await settleWeb(app);
    expect(after()).toHaveLength(2);
    expect(after()[1]!.image.width).toBe(80);
    expect(canvas.draws.filter((draw) => draw.canvas.classList.contains('fr-compare-before'))).toHaveLength(1);
    expect(canvas.conversions).toHaveLength(3);
  });

  it('draws a result that went and came back on its new canvas, having let go of it meanwhile', async () => {
    const canvas = stubCanvas();
    const kept = result();
    const controller = new FakeWebController({ image: IMAGE, result: kept });
    const { app, compare } = await mountCompare(controller);
    controller.updateWeb({ result: undefined });
    await settleWeb(app);
    expect(compare.querySelector('canvas.fr-compare-after')).toBeNull();
    controller.updateWeb({ result: kept });
    await settleWeb(app);
    const after = query(compare, 'canvas.fr-compare-after');
    expect(canvas.draws[canvas.draws.length - 1]!.canvas).toBe(after);
    // Released while hidden (a ×4 result is large), so converted again: 1 original + 2 result.
    expect(canvas.conversions).toHaveLength(3);
  });

  it('copes with no 2D context (jsdom, or a browser out of canvas memory): sizes the canvases, draws nothing', async () => {
    const canvas = stubCanvas({ hasContext: false });
    const { compare } = await mountCompare(new FakeWebController({ image: IMAGE, result: result() }));
    expect((query(compare, 'canvas.fr-compare-after') as HTMLCanvasElement).width).toBe(80);
    expect(canvas.draws).toEqual([]);
  });
});

describe('fr-compare divider', () => {
  beforeEach(() => stubCanvas({ hasContext: false }));

  it('is absent until there is a result; then a slider at 50 %, the result clipped to its right', async () => {
    const controller = new FakeWebController({ image: IMAGE });
    const { app, compare } = await mountCompare(controller);
    expect(compare.querySelector('.fr-compare-divider')).toBeNull();
    expect(compare.querySelector('.fr-compare-after')).toBeNull();

    controller.updateWeb({ result: result() });
    await settleWeb(app);
    const slider = divider(compare);
    expect(slider.getAttribute('role')).toBe('slider');
    expect(slider.getAttribute('tabindex')).toBe('0');
    expect(slider.getAttribute('aria-valuenow')).toBe('50');
    expect([slider.getAttribute('aria-valuemin'), slider.getAttribute('aria-valuemax')]).toEqual(['0', '100']);
    expect(slider.style.left).toBe('50%');
    expect(query(compare, '.fr-compare-after').getAttribute('style')).toContain('inset(0 0 0 50%)');
  });

  it('moves with the arrow keys (Shift for 10 %), Home and End, and clamps to 0–100 %', async () => {
    const { app, compare } = await mountCompare(new FakeWebController({ image: IMAGE, result: result() }));
    const slider = divider(compare);
    const now = async () => { await settleWeb(app); return divider(compare).getAttribute('aria-valuenow'); };
    expect(key(slider, 'ArrowRight').defaultPrevented).toBe(true);
    expect(await now()).toBe('51');
    key(slider, 'ArrowLeft', true);
    expect(await now()).toBe('41');
    key(slider, 'Home');
    key(slider, 'ArrowLeft');
    expect(await now()).toBe('0');
    key(slider, 'End');
    key(slider, 'ArrowRight', true);
    expect(await now()).toBe('100');
    expect(divider(compare).style.left).toBe('100%');
    expect(query(compare, '.fr-compare-after').getAttribute('style')).toContain('inset(0 0 0 100%)');
    expect(key(slider, 'a').defaultPrevented).toBe(false);
  });

  it('follows a pointer dragged on the picture, clamped to its edges, and stops when released', async () => {
    const { app, compare } = await mountCompare(new FakeWebController({ image: IMAGE, result: result() }));
    const stage = query(compare, '.fr-compare');
    stubRect(stage, 100, 400);
    const now = async () => { await settleWeb(app); return divider(compare).getAttribute('aria-valuenow'); };
    divider(compare).dispatchEvent(pointerEvent('pointerdown', 200));
    expect(await now()).toBe('25');
    expect(document.activeElement).toBe(divider(compare)); // the keys carry on from here
    stage.dispatchEvent(pointerEvent('pointermove', 390));
    expect(await now()).toBe('73');
    stage.dispatchEvent(pointerEvent('pointermove', 900));
    expect(await now()).toBe('100');
    stage.dispatchEvent(pointerEvent('pointermove', -50));
    expect(await now()).toBe('0');
    stage.dispatchEvent(pointerEvent('pointerup', -50));
    stage.dispatchEvent(pointerEvent('pointermove', 300));
    expect(await now()).toBe('0');
  });

  it('leaves a press on a face box to the box', async () => {
    const controller = new FakeWebController({ image: IMAGE, result: result(), boxes: [BOX] });
    const { app, compare } = await mountCompare(controller);
    stubRect(query(compare, '.fr-compare'), 0, 400);
    const box = query(compare, '.fr-face-box');
    box.dispatchEvent(pointerEvent('pointerdown', 40));
    await settleWeb(app);
    expect(divider(compare).getAttribute('aria-valuenow')).toBe('50');
    box.click();
    expect(controller.calls).toEqual([['setFaceSelected', 1, false]]);
  });
});
