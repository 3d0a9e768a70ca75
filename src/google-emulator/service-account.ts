import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/** The key file Google hands out for a service account (the fields clients read). */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}

export interface IssuedServiceAccount {
  keyFile: ServiceAccountKeyFile;
  /** Only the public half stays in memory to verify assertions. */
  publicKey: KeyObject;
}

/** A fresh RSA key for a service account whose token_uri is this emulator's token endpoint. */
export function issueServiceAccount(baseUrl: string): IssuedServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const projectId = 'zoom-connect-emulated';
  return {
    publicKey,
    keyFile: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `meet-fallback@${projectId}.iam.gserviceaccount.com`,
      client_id: String(100_000_000_000_000_000_000n + BigInt(`0x${randomBytes(8).toString('hex')}`)),
      auth_uri: `${baseUrl}/o/oauth2/auth`,
      token_uri: `${baseUrl}/token`,
    },
  };
}
