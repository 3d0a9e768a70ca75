import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GoogleKeyFileError, loadServiceAccountKey, parseServiceAccountKey } from '../../src/google/index.js';

const VALID = {
  type: 'service_account',
  project_id: 'p',
  private_key_id: 'kid-1',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n',
  client_email: 'sa@p.iam.gserviceaccount.com',
  client_id: '1',
  token_uri: 'https://oauth2.googleapis.com/token',
};

describe('service account key file', () => {
  it('a complete key file gives the fields the client signs with', () => {
    expect(parseServiceAccountKey(JSON.stringify(VALID))).toEqual({
      clientEmail: VALID.client_email,
      privateKey: VALID.private_key,
      privateKeyId: 'kid-1',
      tokenUri: VALID.token_uri,
    });
  });

  it.each(['client_email', 'private_key', 'private_key_id', 'token_uri', 'type'])('a key file without %s is refused naming that field', (field) => {
    const { [field as keyof typeof VALID]: _dropped, ...rest } = VALID;
    expect(() => parseServiceAccountKey(JSON.stringify(rest))).toThrow(new RegExp(`missing ${field}`));
  });

  it('a file that is not JSON is refused without echoing its content', () => {
    const error = (() => {
      try {
        parseServiceAccountKey('-----BEGIN PRIVATE KEY----- secret-bytes');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(GoogleKeyFileError);
    expect((error as Error).message).not.toContain('secret-bytes');
  });

  it('a key file is read from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'google-key-'));
    await writeFile(join(dir, 'key.json'), JSON.stringify(VALID));
    expect((await loadServiceAccountKey(join(dir, 'key.json'))).privateKeyId).toBe('kid-1');
  });

  it('a missing key file is a GoogleKeyFileError naming the path', async () => {
    await expect(loadServiceAccountKey('/nonexistent/key.json')).rejects.toThrow(/\/nonexistent\/key\.json: cannot read \(ENOENT\)/);
  });
});
