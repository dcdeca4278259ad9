/**
 * The server access token in UXP's secure storage (DOCS Modules/uxp/Key-Value Storage/SecureStorage.md: encrypted
 * under the user's account, per plugin; "should be regarded as a cache": a lost token is simply asked for again).
 */
import { decodeUtf8 } from '../../core/utf8';
import type { SecretStore } from '../panel/run-target';
import type { UxpSecureStorage } from './ps-api';

export function uxpSecrets(secure: UxpSecureStorage | undefined): SecretStore {
  return {
    async get(key) {
      if (!secure) return undefined;
      const bytes = await secure.getItem(key).catch(() => undefined);
      return bytes && bytes.byteLength > 0 ? decodeUtf8(bytes) : undefined;
    },
    async set(key, value) {
      if (!secure) throw new Error('This Photoshop has no secure storage for the access token');
      // setItem rejects an empty value and removeItem a missing key: forgetting a token that is not there is fine.
      if (value === undefined || value === '') await secure.removeItem(key).catch(() => undefined);
      else await secure.setItem(key, value);
    },
  };
}
