/**
 * Entry point of the FaceRestore UI: `mountPanel(root, controller)` shows the panel in `root`. The UI only renders
 * `PanelState` and calls `PanelController` methods; hosts (Photoshop today, the web page later) supply the controller.
 */
import { defineFrPanel } from './fr-panel';
import type { PanelController } from './panel-controller';
import { PANEL_CSS } from './panel-styles';

export type {
  ConnectionKind, PanelChoice, PanelController, PanelFace, PanelModel, PanelModelRole, PanelModelState, PanelPhase,
  PanelProgress, PanelRunOn, PanelState, PanelStatus, RunTargetId, StatusKind,
} from './panel-controller';
export { FrPanel } from './fr-panel';

/** The panel stylesheet's element id (the page injects the same one). */
export const PANEL_STYLE_ID = 'fr-panel-styles';

/**
 * Defines the elements (once), injects the panel stylesheet (once), and appends an `<fr-panel>` bound to
 * `controller` to `root`.
 * @returns unmount: removes the panel, which unsubscribes it from the controller. Calling it twice is harmless.
 * @example
 * const unmount = mountPanel(document.getElementById('app')!, controller);
 */
export function mountPanel(root: HTMLElement, controller: PanelController): () => void {
  defineFrPanel();
  injectStyle(root, PANEL_STYLE_ID, PANEL_CSS);
  const panel = root.ownerDocument.createElement('fr-panel');
  panel.controller = controller;
  root.appendChild(panel);
  return () => {
    panel.remove();
    panel.controller = undefined;
  };
}

/** Adds a `<style id>` with `css` once per document (the page mounts the panel's stylesheet too). */
export function injectStyle(root: HTMLElement, id: string, css: string): void {
  const doc = root.ownerDocument;
  // Look in the document and in the root: the root may not be attached to the document yet.
  if (doc.getElementById(id) !== null || root.querySelector(`#${id}`) !== null) return;
  const style = doc.createElement('style');
  style.id = id;
  style.textContent = css;
  (doc.head ?? root).appendChild(style);
}
