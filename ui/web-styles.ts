/**
 * The web page's CSS as a plain string, injected once as a `<style>` by `mountWebApp` next to PANEL_CSS: the
 * elements render into light DOM, so there is no `static styles`. Unlike PANEL_CSS it runs only in browsers, so
 * flex `gap` and the like are fine. Every selector is prefixed `fr-` so the hosting page's own styles are left alone.
 * Layout: two columns, the picture left and the panel right (340 px), stacked below 860 px. Dark, like Photoshop's
 * panels: the Spectrum widget stand-ins and the panel's status colours are made for a dark background.
 */
export const WEB_CSS = `
fr-web-app, fr-compare, fr-open-image { display: block; }
fr-open-image { display: inline-block; }
.fr-web { display: flex; flex-direction: column; min-height: 100vh; box-sizing: border-box; padding: 12px 16px;
  color: #e6e6e6; background: #1e1e1e; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px; }
.fr-web-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; margin-bottom: 12px; }
.fr-web-title { margin: 0; font-size: 22px; font-weight: 600; }
.fr-web-privacy { margin: 0; color: #7fd1a8; }
.fr-web-privacy-remote { color: #e8c26a; }
.fr-web-main { display: flex; flex-direction: row; align-items: flex-start; gap: 16px; flex-grow: 1; }
/* min-width 0 lets the picture column shrink below the picture's own width, so the canvas scales instead. */
.fr-web-picture { flex: 1 1 auto; min-width: 0; display: flex; flex-direction: column; gap: 8px; }
.fr-web-side { flex: 0 0 340px; width: 340px; box-sizing: border-box; background: #323232; border: 1px solid #3e3e3e;
  border-radius: 6px; }
.fr-web-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; }
.fr-web-file-name { color: #b3b3b3; overflow-wrap: anywhere; }
.fr-web button { font: inherit; padding: 6px 14px; border: 1px solid #6e6e6e; border-radius: 16px; background: #323232;
  color: #e6e6e6; cursor: pointer; }
.fr-web button:hover:not(:disabled) { background: #3e3e3e; }
.fr-web button:disabled { opacity: 0.5; cursor: default; }
.fr-web button:focus-visible { outline: 2px solid #1473e6; outline-offset: 2px; }
.fr-web .fr-open-button { background: #1473e6; border-color: #1473e6; color: #fff; }
.fr-web .fr-open-button:hover:not(:disabled) { background: #0d66d0; }
.fr-open-input { display: none; }
.fr-drop-zone { position: relative; display: flex; justify-content: center; align-items: center; min-height: 240px;
  padding: 8px; box-sizing: border-box; border: 2px dashed transparent; border-radius: 8px; background: #262626; }
.fr-drop-zone.fr-drop-empty { border-color: #5a5a5a; }
.fr-drop-zone.fr-drop-over { border-color: #1473e6; background: #1d2c40; }
.fr-drop-message { margin: 0; padding: 24px; color: #b3b3b3; font-size: 16px; text-align: center; }
/* The comparison: the stage is sized inline (fits width and window height); the canvases fill it. */
.fr-compare { position: relative; max-width: 100%; overflow: hidden; line-height: 0; user-select: none;
  -webkit-user-select: none; background: repeating-conic-gradient(#3a3a3a 0% 25%, #4a4a4a 0% 50%) 0 0 / 16px 16px; }
.fr-compare-has-after { cursor: ew-resize; }
.fr-compare-before { display: block; width: 100%; max-width: 100%; height: auto; }
.fr-compare-after { position: absolute; left: 0; top: 0; width: 100%; max-width: 100%; height: 100%; }
.fr-compare-label { position: absolute; top: 8px; padding: 2px 8px; border-radius: 10px; line-height: 18px;
  font-size: 12px; color: #fff; background: rgba(0, 0, 0, 0.55); pointer-events: none; }
.fr-compare-label-before { left: 8px; }
.fr-compare-label-after { right: 8px; }
/* A wide, invisible hit area around a 2 px line with a round handle in the middle. */
.fr-compare-divider { position: absolute; top: 0; bottom: 0; width: 24px; margin-left: -12px; cursor: ew-resize;
  touch-action: none; z-index: 2; }
.fr-compare-divider::before { content: ""; position: absolute; top: 0; bottom: 0; left: 11px; width: 2px;
  background: #fff; box-shadow: 0 0 3px rgba(0, 0, 0, 0.6); }
.fr-compare-divider::after { content: ""; position: absolute; top: 50%; left: 2px; width: 16px; height: 16px;
  margin-top: -10px; border: 2px solid #fff; border-radius: 50%; background: #1473e6; box-shadow: 0 0 3px rgba(0, 0, 0, 0.6); }
.fr-compare-divider:focus-visible { outline: 2px solid #1473e6; outline-offset: -2px; }
.fr-web .fr-face-box { position: absolute; z-index: 1; box-sizing: border-box; min-width: 0; padding: 0;
  border: 2px solid #2ecc71; border-radius: 2px; background: transparent; color: #fff; cursor: pointer;
  display: flex; align-items: flex-start; justify-content: flex-start; line-height: 16px; font-size: 12px;
  font-weight: 600; text-shadow: 0 0 2px #000, 0 0 2px #000; }
.fr-web .fr-face-box:hover:not(:disabled) { background: rgba(46, 204, 113, 0.15); }
.fr-web .fr-face-box:disabled { opacity: 1; cursor: default; }
.fr-web .fr-face-box.fr-face-box-off { border-style: dashed; border-color: rgba(255, 255, 255, 0.7); opacity: 0.55; }
.fr-web-save { display: flex; flex-direction: column; gap: 6px; padding: 8px 12px; background: #323232;
  border: 1px solid #3e3e3e; border-radius: 6px; }
.fr-web-save-title { margin: 0 0 2px 0; font-size: 15px; font-weight: 600; }
.fr-web-save-buttons { display: flex; flex-wrap: wrap; gap: 8px; }
.fr-web-footer { margin-top: 12px; color: #b3b3b3; font-size: 12px; }
.fr-web-runtime { margin: 0; }
@media (max-width: 860px) {
  .fr-web-main { flex-direction: column; align-items: stretch; }
  .fr-web-side { flex: none; width: auto; }
}
`;
