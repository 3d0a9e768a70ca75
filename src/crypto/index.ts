export { TokenCipher, type EncryptionKey } from './token-cipher.js';
export { TokenDecryptError, UnknownKeyError, KeyRingError, type SealContext } from './errors.js';
export { keyIdOf, SEALED_FORMAT_VERSION } from './sealed-format.js';
export { generateKeyString } from './key-generation.js';
