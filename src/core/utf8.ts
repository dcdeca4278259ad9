/**
 * UTF-8 for the model store's text files and the inference protocol's JSON. UXP documents no TextEncoder/TextDecoder
 * (uxp-platform.md §3.1: Adobe's own wasm sample polyfills them) and the engine uses no host globals, so it carries
 * these few lines. ASCII (all of a JSON tensor body) takes a fast path: tens of MB of numbers must not go through
 * per-character arrays.
 */

/** The UTF-8 bytes of `text` (lone surrogates become U+FFFD, as TextEncoder does). */
export function encodeUtf8(text: string): Uint8Array {
  const ascii = new Uint8Array(text.length);
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) break;
    ascii[i] = c;
  }
  if (i === text.length) return ascii;
  const out: number[] = [];
  for (const ch of text) {
    let cp = ch.codePointAt(0) ?? 0xfffd;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** Decodes UTF-8; a malformed or overlong sequence becomes U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      // A run of ASCII in one call (chunked: fromCharCode's argument count is limited).
      let end = i + 1;
      const stop = Math.min(bytes.length, i + 8192);
      while (end < stop && bytes[end] < 0x80) end++;
      text += String.fromCharCode.apply(null, bytes.subarray(i, end) as unknown as number[]);
      i = end;
      continue;
    }
    const extra = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    let cp = extra <= 0 ? b : b & (0x3f >> extra);
    let ok = extra >= 0;
    for (let k = 1; ok && k <= extra; k++) {
      const c = bytes[i + k];
      ok = c !== undefined && (c & 0xc0) === 0x80;
      cp = (cp << 6) | (c & 63);
    }
    const min = [0, 0x80, 0x800, 0x10000][Math.max(extra, 0)];
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      text += '\ufffd';
      i++;
      continue;
    }
    text += String.fromCodePoint(cp);
    i += extra + 1;
  }
  return text;
}
