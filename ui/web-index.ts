/**
 * Entry point of the FaceRestore web page: `mountWebApp(root, controller)` shows the page in `root`. Like
 * `mountPanel` (index.ts) for the plugin, the page only renders `controller.state` / `controller.web` and calls the
 * `WebController` methods; the browser host supplies the controller.
 */
import { defineFrWebApp } from './fr-web-app';
import { injectStyle, PANEL_STYLE_ID } from './index';
import { PANEL_CSS } from './panel-styles';
import type { WebController } from './web-controller';
import { WEB_CSS } from './web-styles';

export type {
  ConnectionKind, PanelChoice, PanelConfirmation, PanelController, PanelFace, PanelModel, PanelModelRole, PanelModelState,
  PanelPhase, PanelProgress, PanelRunOn, PanelState, PanelStatus, RunTargetId, StatusKind,
} from './panel-controller';
export type { WebController, WebFaceBox, WebFaceFiles, WebPixels, WebRuntimeInfo, WebViewState } from './web-controller';
export { FrCompare } from './fr-compare';
export { FileDrop, FrOpenImage, IMAGE_ACCEPT, type OpenHandler } from './fr-open-image';
export { FrWebApp, EMPTY_STATE_TEXT, PRIVACY_NOTE, PRODUCT_NAME } from './fr-web-app';
export { FrPanel } from './fr-panel';
export { WEB_CSS } from './web-styles';

const WEB_STYLE_ID = 'fr-web-styles';

/**
 * Defines the elements (once), injects the panel's and the page's stylesheets (once each), and appends an
 * `<fr-web-app>` bound to `controller` to `root`.
 * @returns unmount: removes the page, which unsubscribes it (and its panel) from the controller. Calling it twice is
 *   harmless.
 * @example
 * const unmount = mountWebApp(document.getElementById('app')!, controller);
 */
export function mountWebApp(root: HTMLElement, controller: WebController): () => void {
  defineFrWebApp();
  injectStyle(root, PANEL_STYLE_ID, PANEL_CSS);
  injectStyle(root, WEB_STYLE_ID, WEB_CSS);
  const app = root.ownerDocument.createElement('fr-web-app');
  app.controller = controller;
  root.appendChild(app);
  return () => {
    app.remove();
    app.controller = undefined;
  };
}
