/** @jest-environment jsdom */
import { mountPanel } from './index';
import { FakeController, mount, query, settle, unmountAll } from './panel-test-helpers';

afterEach(unmountAll);

describe('mountPanel', () => {
  it('injects the stylesheet once, and unmount removes the panel and unsubscribes', async () => {
    const controller = new FakeController();
    const { root, unmount } = await mount(controller);
    const second = new FakeController();
    const unmountSecond = mountPanel(root, second);
    expect(document.querySelectorAll('style#fr-panel-styles')).toHaveLength(1);
    expect(document.getElementById('fr-panel-styles')?.textContent).toContain('.fr-status');
    expect(root.querySelectorAll('fr-panel')).toHaveLength(2);
    expect(controller.listeners.size).toBe(1);
    expect(second.listeners.size).toBe(1);

    unmountSecond();
    expect(root.querySelectorAll('fr-panel')).toHaveLength(1);
    expect(second.listeners.size).toBe(0);
    unmount();
    expect(root.querySelector('fr-panel')).toBeNull();
    expect(controller.listeners.size).toBe(0);
    unmount(); // a second call is harmless
  });

  it('renders nothing more after unmount, even if the old controller still notifies', async () => {
    const controller = new FakeController();
    const { panel, unmount } = await mount(controller);
    unmount();
    controller.update({ status: { kind: 'error', text: 'late' } });
    await panel.updateComplete;
    expect(panel.textContent).not.toContain('late');
  });
});

describe('controller binding', () => {
  it('unsubscribes while detached from the document and re-renders the current state when re-attached', async () => {
    const controller = new FakeController();
    const { panel, root } = await mount(controller);
    panel.remove();
    expect(controller.listeners.size).toBe(0);
    controller.update({ status: { kind: 'warning', text: 'Changed while detached.' } });
    root.appendChild(panel);
    expect(controller.listeners.size).toBe(1);
    await settle(panel);
    expect(query(panel, '.fr-status').textContent).toBe('Changed while detached.');
  });

  it('switches to a new controller: the old one is unsubscribed and the new state is shown', async () => {
    const first = new FakeController();
    const { panel } = await mount(first);
    const second = new FakeController({ status: { kind: 'info', text: 'Second controller.' } });
    panel.controller = second;
    await settle(panel);
    expect(first.listeners.size).toBe(0);
    expect(second.listeners.size).toBe(1);
    expect(query(panel, '.fr-status').textContent).toBe('Second controller.');
    query(panel, 'sp-button.fr-find-faces').click();
    expect(first.calls).toEqual([]);
    expect(second.calls).toEqual([['findFaces']]);
  });
});
