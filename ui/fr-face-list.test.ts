/** @jest-environment jsdom */
import { FACES, FakeController, fire, mount, query, settle, unmountAll } from './panel-test-helpers';

afterEach(unmountAll);

describe('fr-panel face list', () => {
  it('shows no face list before detection', async () => {
    const { panel } = await mount(new FakeController());
    expect(panel.querySelector('fr-face-list')).toBeNull();
  });

  it('renders one row per face with its number, score, thumbnail and checkbox, and forwards toggles', async () => {
    const controller = new FakeController({ faces: FACES });
    const { panel } = await mount(controller);
    const rows = [...panel.querySelectorAll<HTMLElement>('fr-face-list .fr-face-row')];
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('Face 1');
    expect(rows[0]!.textContent).toContain('97%');
    expect(rows[1]!.textContent).toContain('Face 2');
    expect(rows[1]!.textContent).toContain('50%');
    expect(rows[0]!.querySelector('img')?.getAttribute('src')).toBe('data:image/jpeg;base64,AAAA');
    expect(rows[1]!.querySelector('img')).toBeNull(); // no thumbnail: no broken <img>
    const boxes = rows.map((row) => query(row, 'sp-checkbox'));
    expect(boxes.map((box) => box.hasAttribute('checked'))).toEqual([true, false]);

    fire(boxes[0]!, 'change', { checked: false });
    fire(boxes[1]!, 'change', { checked: true });
    expect(controller.calls).toEqual([['setFaceSelected', 1, false], ['setFaceSelected', 2, true]]);
  });

  it('updates the checkboxes when the controller notifies', async () => {
    const controller = new FakeController({ faces: FACES });
    const { panel } = await mount(controller);
    controller.update({ faces: FACES.map((face) => ({ ...face, isSelected: !face.isSelected })) });
    await settle(panel);
    const boxes = [...panel.querySelectorAll('fr-face-list sp-checkbox')];
    expect(boxes.map((box) => box.hasAttribute('checked'))).toEqual([false, true]);
  });

  it('disables the face checkboxes and ignores toggles while a run is going', async () => {
    const controller = new FakeController({ faces: FACES, phase: 'restoring', progress: { fraction: 0.1, label: 'Restoring' } });
    const { panel } = await mount(controller);
    const boxes = [...panel.querySelectorAll<HTMLElement>('fr-face-list sp-checkbox')];
    expect(boxes.map((box) => box.hasAttribute('disabled'))).toEqual([true, true]);
    fire(boxes[0]!, 'change', { checked: false });
    expect(controller.calls).toEqual([]);
  });
});
