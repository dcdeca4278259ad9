/**
 * The one Photoshop gateway: the only file that loads `photoshop`, `uxp` and UXP's `fs`. Everything else in the
 * plugin receives the typed `PsModules` this returns, which is what lets tests substitute the in-memory fake.
 * webpack marks these modules as externals (commonjs2), so in UXP this is a plain `require`.
 */
import type { PsModules } from './ps-api';

declare const require: (id: string) => unknown;

/** Loads the host modules. Throws a plain-words error outside UXP (e.g. the bundle opened in a browser). */
export function loadPsModules(): PsModules {
  let photoshop: Pick<PsModules, 'app' | 'core' | 'imaging' | 'action'>;
  try {
    photoshop = require('photoshop') as typeof photoshop;
  } catch (error) {
    throw new Error(`This panel runs only inside Photoshop (the 'photoshop' module is unavailable: ${String(error)})`);
  }
  const uxp = require('uxp') as PsModules['uxp'];
  const fs = require('fs') as PsModules['fs'];
  // localStorage is a UXP global (DOCS Global Members/Data Storage/LocalStorage.md), taken here with the modules.
  const localStorage = (globalThis as unknown as { localStorage: PsModules['localStorage'] }).localStorage;
  return { app: photoshop.app, core: photoshop.core, imaging: photoshop.imaging, action: photoshop.action, uxp, fs, localStorage };
}
