/**
 * Entry point of the FaceRestore UI: `mountPanel(root, controller)` shows the panel in `root`. The UI only renders
 * `PanelState` and calls `PanelController` methods; hosts (Photoshop today, the web page later) supply the controller.
 */
import { defineFrPanel } from './fr-panel';
import type { PanelController } from './panel-controller';
import { PANEL_CSS } from './panel-styles';

export type {
  PanelChoice, PanelController, PanelFace, PanelModel, PanelModelRole, PanelModelState, PanelPhase, PanelProgress, PanelState,
  PanelStatus, StatusKind,
} from './panel-controller';
export { FrPanel } from './fr-panel';

const STYLE_ID = 'fr-panel-styles';

/**
 * Defines the elements (once), injects the panel stylesheet (once), and appends an `<fr-panel>` bound to
 * `controller` to `root`.
 * @returns unmount: removes the panel, which unsubscribes it from the controller. Calling it twice is harmless.
 * @example
 * const unmount = mountPanel(document.getElementById('app')!, controller);
 */
export function mountPanel(root: HTMLElement, controller: PanelController): () => void {
  defineFrPanel();
  injectStyles(root);
  const panel = root.ownerDocument.createElement('fr-panel');
  panel.controller = controller;
  root.appendChild(panel);
  return () => {
    panel.remove();
    panel.controller = undefined;
  };
}

function injectStyles(root: HTMLElement): void {
  const doc = root.ownerDocument;
  // Look in the document and in the root: the root may not be attached to the document yet.
  if (doc.getElementById(STYLE_ID) !== null || root.querySelector(`#${STYLE_ID}`) !== null) return;
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent = PANEL_CSS;
  (doc.head ?? root).appendChild(style);
}
