/**
 * The panel's CSS as a plain string, injected once as a `<style>` by `mountPanel`: the elements render into light
 * DOM (UXP shadow DOM needs a feature flag), so there is no `static styles` / adoptedStyleSheets here.
 * UXP limits honoured: no transitions/animations, no `font` shorthand, no `text-transform`, no flex `gap`
 * (spacing uses margins). Every selector is prefixed `fr-` so the host page's own styles are left alone.
 */
export const PANEL_CSS = `
fr-panel, fr-run-on, fr-upscale, fr-models { display: block; }
.fr-panel { display: flex; flex-direction: column; padding: 8px 12px; }
.fr-field { display: flex; flex-direction: column; margin-bottom: 8px; }
.fr-field sp-label { margin-bottom: 2px; }
/* sp-dropdown has no intrinsic width in UXP: it must be given one. */
.fr-dropdown { width: 100%; min-width: 120px; }
.fr-option { margin-bottom: 8px; }
.fr-run-on { display: flex; flex-direction: column; margin-bottom: 4px; }
.fr-run-on-url, .fr-run-on-token { width: 100%; }
.fr-run-on-forget { margin-top: 2px; align-self: flex-start; }
/* The URL and the connection line can be long: wrap them inside the panel. */
.fr-run-on-detail, .fr-connection { display: block; width: 100%; margin-bottom: 8px; white-space: normal; overflow-wrap: break-word; word-wrap: break-word; }
.fr-connection-ok { color: #33ab84; }
.fr-connection-failed { color: #f0646c; }
.fr-buttons { display: flex; flex-direction: row; flex-wrap: wrap; margin: 4px 0 8px 0; }
.fr-buttons sp-button { margin-right: 8px; margin-bottom: 4px; }
.fr-section { margin: 8px 0; }
.fr-face-list { display: flex; flex-direction: column; }
.fr-face-row { display: flex; flex-direction: row; align-items: center; padding: 2px 0; }
.fr-face-thumb { width: 40px; height: 40px; margin-right: 8px; border-radius: 4px; }
.fr-face-thumb-empty { width: 40px; height: 40px; margin-right: 8px; }
.fr-face-check { flex-grow: 1; }
.fr-face-score { margin-left: 8px; }
.fr-strength { width: 100%; }
.fr-run-progress { display: flex; flex-direction: column; margin: 8px 0; }
.fr-progressbar { width: 100%; }
.fr-confirm { display: flex; flex-direction: column; margin: 4px 0 8px 0; }
.fr-confirm-text { display: block; width: 100%; margin-bottom: 4px; white-space: normal; overflow-wrap: break-word; word-wrap: break-word; }
.fr-cancel { margin-top: 4px; align-self: flex-start; }
/* Refusals are full sentences: the status line must wrap instead of overflowing the panel. */
.fr-status { display: block; width: 100%; margin-top: 8px; white-space: normal; overflow-wrap: break-word; word-wrap: break-word; }
.fr-status-error { color: #f0646c; }
.fr-status-warning { color: #e68619; }
.fr-status-success { color: #33ab84; }
.fr-models { display: flex; flex-direction: column; margin-top: 12px; }
.fr-models-header { display: flex; flex-direction: row; align-items: center; }
.fr-models-summary { margin-left: 8px; }
.fr-models-group { display: flex; flex-direction: column; margin-top: 8px; }
.fr-models-role { margin-bottom: 2px; }
.fr-model-row { display: flex; flex-direction: column; padding: 4px 0; }
.fr-model-head { display: flex; flex-direction: row; align-items: baseline; }
.fr-model-name { flex-grow: 1; }
.fr-model-size { margin-left: 8px; }
.fr-model-detail { display: block; width: 100%; white-space: normal; overflow-wrap: break-word; word-wrap: break-word; }
.fr-model-actions { margin: 2px 0 0 0; }
.fr-model-progress { display: flex; flex-direction: column; margin-top: 2px; }
.fr-model-cancel { margin-top: 2px; align-self: flex-start; }
`;
